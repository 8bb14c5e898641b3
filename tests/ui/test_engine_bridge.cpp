// EngineBridge against a FakeEngine: batches arrive in order and exactly once, rows update in
// place by id, drops are counted when the UI sink is full, GUI → engine calls reach the engine.
#include <QSignalSpy>
#include <QTest>
#include <map>
#include <thread>

#include "tests/support/fake_engine.h"
#include "ui/engine_bridge.h"
#include "ui/flow_table_model.h"

namespace eng = ps::engine;
using ps::test::FakeEngine;
using ps::test::sampleFlow;
using ps::ui::EngineBridge;
using ps::ui::FlowBatch;
using ps::ui::FlowTableModel;

class TestEngineBridge : public QObject {
  Q_OBJECT

 private slots:
  void tenThousandEventsFromAnotherThread_data() {
    QTest::addColumn<int>("coalesceMillis");
    QTest::newRow("immediate") << 0;
    QTest::newRow("coalesced-30Hz") << 33;
  }

  void tenThousandEventsFromAnotherThread() {
    QFETCH(int, coalesceMillis);
    FakeEngine engine;
    EngineBridge::Options options;
    options.coalesceMillis = coalesceMillis;
    options.maxBatchEvents = 700;  // force many batches
    EngineBridge bridge(engine, options);
    FlowTableModel model;
    QObject::connect(&bridge, &EngineBridge::batchReady, &model, &FlowTableModel::applyBatch);

    // Observe every batch: ids are inserted once each, in publish order; a flow's row never goes
    // back from finished to unfinished (which an out-of-order event would cause).
    uint64_t lastInserted = 0;
    bool ordered = true;
    bool regressed = false;
    int batches = 0;
    std::map<uint64_t, uint64_t> lastSeq;  // id → sequence of the latest event folded for it
    QObject::connect(&bridge, &EngineBridge::batchReady, this, [&](const FlowBatch& batch) {
      ++batches;
      for (const auto& row : batch.inserted) {
        if (row.id != lastInserted + 1) ordered = false;
        lastInserted = row.id;
        lastSeq[row.id] = row.responseSize;
      }
      for (const auto& row : batch.updated) {
        if (row.responseSize <= lastSeq[row.id]) regressed = true;
        lastSeq[row.id] = row.responseSize;
      }
    });

    // 5,000 flows × 2 events = 10,000 events, interleaved: Started(i) … Finished(i - 50).
    // Each snapshot carries its global sequence number as the response body size, which the row
    // reports as responseSize.
    constexpr uint64_t kFlows = 5000;
    std::thread publisher([&engine] {
      uint64_t seq = 0;
      auto publish = [&](eng::FlowEventType type, uint64_t id, bool done) {
        eng::Flow f = sampleFlow(id);
        f.error.reset();
        if (!done) {
          f = ps::test::startedPart(f);
        }
        f.response = eng::Response{};
        f.response->status = done ? 200 : 0;
        f.response->body.size = ++seq;
        engine.publish(type, f);
      };
      for (uint64_t id = 1; id <= kFlows + 50; ++id) {
        if (id <= kFlows) publish(eng::FlowEventType::Started, id, false);
        if (id > 50) publish(eng::FlowEventType::Finished, id - 50, true);
      }
    });
    publisher.join();

    QTRY_COMPARE_WITH_TIMEOUT(bridge.eventsReceived(), 2 * kFlows, 20000);
    QCOMPARE(bridge.droppedEvents(), 0ULL);
    QCOMPARE(bridge.flowsSeen(), kFlows);
    QCOMPARE(static_cast<uint64_t>(model.rowCount()), kFlows);
    QVERIFY(ordered);
    QVERIFY(!regressed);
    QVERIFY2(batches > 1, "expected several batches");
    for (int r = 0; r < model.rowCount(); ++r) {
      QCOMPARE(model.row(r).id, static_cast<uint64_t>(r + 1));
      QCOMPARE(model.row(r).status, 200);  // updated in place by the Finished event
    }
    QCOMPARE(bridge.pendingEvents(), size_t{0});
  }

  void dropsAreCountedWhenTheSinkIsFull() {
    FakeEngine engine;
    EngineBridge::Options options;
    options.capacity = 100;
    options.coalesceMillis = 0;
    EngineBridge bridge(engine, options);
    FlowTableModel model;
    QObject::connect(&bridge, &EngineBridge::batchReady, &model, &FlowTableModel::applyBatch);
    // The GUI loop does not run while this thread publishes: the sink fills at 100.
    std::thread publisher([&engine] {
      for (uint64_t id = 1; id <= 250; ++id) engine.publish(eng::FlowEventType::Started, sampleFlow(id));
    });
    publisher.join();
    QCOMPARE(bridge.droppedEvents(), 150ULL);
    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 100, 10000);
    QCOMPARE(model.row(99).id, 100ULL);  // the newest events are the ones dropped
  }

  void rowsUpdateInPlaceAndDetailFollowsTheLatestSnapshot() {
    FakeEngine engine;
    EngineBridge bridge(engine);
    FlowTableModel model;
    QObject::connect(&bridge, &EngineBridge::batchReady, &model, &FlowTableModel::applyBatch);
    for (uint64_t id = 1; id <= 3; ++id) engine.publish(eng::FlowEventType::Started, ps::test::startedPart(sampleFlow(id)));
    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 3, 5000);
    QCOMPARE(model.row(1).status, 0);
    QVERIFY(!bridge.detail(2)->response.present);

    const eng::Flow done = sampleFlow(2);
    engine.publish(eng::FlowEventType::Finished, done);
    QTRY_COMPARE_WITH_TIMEOUT(model.row(1).status, done.response->status, 5000);
    QCOMPARE(model.rowCount(), 3);
    QVERIFY(model.row(1).finished);
    auto detail = bridge.detail(2);
    QVERIFY(detail.has_value());
    QVERIFY(detail->response.present);
    QCOMPARE(detail->request.headers.size(), static_cast<qsizetype>(done.request.headers.size()));
    QCOMPARE(detail->request.headers.at(0).first, QStringLiteral("Host"));
    QCOMPARE(detail->response.body, QByteArray::fromStdString(done.response->body.captured));
    QCOMPARE(detail->response.bodySize, done.response->body.size);
    QVERIFY(!bridge.detail(99).has_value());

    bridge.clear();
    QVERIFY(!bridge.detail(2).has_value());
  }

  void startStopAndModeSwitchReachTheEngine() {
    FakeEngine engine;
    EngineBridge bridge(engine);
    QSignalSpy running(&bridge, &EngineBridge::runningChanged);
    QVERIFY(bridge.start().isEmpty());
    QVERIFY(bridge.running());
    QCOMPARE(running.count(), 1);
    QCOMPARE(running.at(0).at(1).toString(), QStringLiteral("127.0.0.1:8080"));

    QVERIFY(bridge.switchMode(ps::ui::ProxyModeUi::Reverse, QStringLiteral("127.0.0.1:9090")).isEmpty());
    const std::vector<std::string> expected = {"start", "stop", "config:reverse@127.0.0.1:9090", "start"};
    QCOMPARE(engine.calls(), expected);
    QCOMPARE(bridge.mode(), ps::ui::ProxyModeUi::Reverse);
    QCOMPARE(bridge.listenAddress(), QStringLiteral("127.0.0.1:9090"));

    QVERIFY(!bridge.switchMode(ps::ui::ProxyModeUi::Forward, QStringLiteral("nonsense:port")).isEmpty());
    QCOMPARE(engine.calls().size(), expected.size());  // a bad address changes nothing

    bridge.stop();
    QVERIFY(!bridge.running());
    engine.failNextStart("address in use");
    QCOMPARE(bridge.start(), QStringLiteral("address in use"));
  }

  void eventsAfterTheBridgeIsGoneAreHarmless() {
    FakeEngine engine;
    {
      EngineBridge bridge(engine);
      engine.publish(eng::FlowEventType::Started, sampleFlow(1));  // queued drain pending
    }
    engine.publish(eng::FlowEventType::Started, sampleFlow(2));  // no sink any more
    QCoreApplication::processEvents();
    QCOMPARE(engine.events().published(), 2ULL);
  }
};

QTEST_MAIN(TestEngineBridge)
#include "test_engine_bridge.moc"
