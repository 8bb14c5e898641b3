// Started snapshots for the session store only (EventHub::SinkOptions::lateStarted): a request that
// lasts is in the session file while it runs, incomplete, and complete once it ends; a request
// answered sooner than EventHub::kLateStartedDelay costs no Started snapshot. With a sink that takes
// every Started (the GUI's), every flow gets one at once, as before.
#include <QtTest>

#include <atomic>
#include <filesystem>
#include <thread>

#include "engine/core/event_hub.h"
#include "engine/net/engine.h"
#include "engine/store/flow_store.h"
#include "tests/support/store_test_support.h"
#include "tests/support/test_origin.h"
#include "tests/support/test_support.h"

using namespace ps::engine;
using namespace ps::test;
using namespace std::chrono_literals;

namespace {

struct RunningEngine {
  RunningEngine() {
    EngineConfig config;
    config.listen = {"127.0.0.1", 0};
    config.threads = 2;
    engine = Engine::create(std::make_shared<const EngineConfig>(config));
  }
  uint16_t start() {
    auto started = engine->start();
    if (!started) qFatal("engine did not start: %s", started.error().message.c_str());
    return started->port;
  }
  ~RunningEngine() { engine->stop(); }
  std::unique_ptr<Engine> engine;
};

ProcessResult curlVia(uint16_t proxyPort, const std::string& url) {
  return run("curl", {"-sS", "--max-time", "8", "-x", QString("http://127.0.0.1:%1").arg(proxyPort),
                      QString::fromStdString(url)});
}

// Started (late) and Finished, as the session store takes them.
EventHub::SinkId addStoreLikeSink(EventHub& hub) {
  EventHub::SinkOptions late;
  late.types = eventBit(FlowEventType::Started) | eventBit(FlowEventType::Finished);
  late.lateStarted = true;
  return hub.addSink(late);
}

std::vector<FlowEvent> drainAll(EventHub& hub, EventHub::SinkId sink) {
  std::vector<FlowEvent> events;
  hub.drain(sink, events, 1000000);
  return events;
}

}  // namespace

class TestLateStarted : public QObject {
  Q_OBJECT
 private:
  std::string m_dir;

 private slots:
  void initTestCase() { m_dir = makeTempDir("late-started-test"); }
  void cleanupTestCase() { std::filesystem::remove_all(m_dir); }

  void aLastingRequestIsInTheSessionWhileItRuns() {
    TestOrigin origin;
    RunningEngine running;
    StoreOptions options;
    options.mode = OpenMode::Create;
    auto store = FlowStore::open(m_dir + "/lasting.pxsession", options).value();
    QVERIFY(store->attach(running.engine->events()).ok());
    const uint16_t port = running.start();

    std::atomic<bool> done{false};
    ProcessResult slow;
    std::thread client([&] {
      slow = curlVia(port, origin.url("/delay?ms=1500"));
      done = true;
    });
    // Within the delay and the writer's cycle, long before the answer: one row, not complete.
    const bool seen = waitFor(
        [&] {
          auto reader = store->openReader();
          if (!reader) return false;
          auto n = (*reader)->count({"complete = 0 AND path = '/delay'", {}});
          return n.ok() && *n == 1;
        },
        1200ms);
    const bool stillRunning = !done;
    client.join();
    QVERIFY2(seen && stillRunning, "the running request was not in the session while it ran");
    QCOMPARE(slow.exitCode, 0);
    QCOMPARE(QString::fromUtf8(slow.out).trimmed(), QString("delayed"));
    store->flush(false);
    auto reader = store->openReader().value();
    QCOMPARE(reader->count({"complete = 1 AND path = '/delay' AND status = 200", {}}).value(), int64_t{1});
    store->detach();
  }

  void aQuickRequestCostsNoStartedSnapshot() {
    TestOrigin origin;
    RunningEngine running;
    EventHub& hub = running.engine->events();
    const auto sink = addStoreLikeSink(hub);
    QVERIFY(!hub.wants(FlowEventType::Started));
    QVERIFY(hub.wantsLateStarted());
    const uint16_t port = running.start();

    for (int i = 0; i < 10; ++i) QCOMPARE(curlVia(port, origin.url("/")).exitCode, 0);
    QCOMPARE(curlVia(port, origin.url("/delay?ms=400")).exitCode, 0);
    QVERIFY(waitFor([&] { return hub.pending(sink) >= 11; }, 5s));
    std::this_thread::sleep_for(200ms);  // a sweep that would come late has had its chance
    std::map<uint64_t, int> started;
    std::map<uint64_t, FlowPtr> finished;
    for (const auto& e : drainAll(hub, sink)) {
      if (e.type == FlowEventType::Started) {
        ++started[e.flowId];
        QVERIFY2(finished.count(e.flowId) == 0, "a Started snapshot came after its flow finished");
        QVERIFY(!e.flow->response);  // taken while it ran
      } else {
        finished[e.flowId] = e.flow;
      }
    }
    QCOMPARE(finished.size(), size_t{11});
    int lasting = 0;
    for (const auto& [id, flow] : finished) {
      const bool lasted = flow->timing.durationMicros() >= 100'000;
      lasting += lasted ? 1 : 0;
      // Only a flow that ran past the delay may have one, and the 400 ms one must.
      if (!lasted) QVERIFY2(started.count(id) == 0, ("flow " + std::to_string(id) + " got an early Started").c_str());
      if (flow->request.path.rfind("/delay", 0) == 0) QCOMPARE(started[id], 1);
    }
    QVERIFY(lasting >= 1);

    // A sink that takes every Started (the GUI's) gets it at once, for every flow.
    const auto eager = hub.addSink({});
    QVERIFY(hub.wants(FlowEventType::Started));
    QVERIFY(!hub.wantsLateStarted());
    for (int i = 0; i < 3; ++i) QCOMPARE(curlVia(port, origin.url("/")).exitCode, 0);
    QVERIFY(waitFor([&] { return hub.pending(sink) >= 6; }, 5s));
    int startedNow = 0;
    for (const auto& e : drainAll(hub, sink)) startedNow += e.type == FlowEventType::Started ? 1 : 0;
    QCOMPARE(startedNow, 3);
    hub.removeSink(eager);
    hub.removeSink(sink);
  }

  void aLateStartedSnapshotLeavesTheBodyBytesToTheFinishedOne() {
    // A download the client reads slowly (~1 s): when its Started snapshot is taken it has relayed
    // (and captured) part of the body. The snapshot carries none of those bytes (up to the 16 MiB
    // cap, for a row the Finished one replaces), and the flow goes on with all of them.
    TestOrigin origin;
    RunningEngine running;
    EventHub& hub = running.engine->events();
    const auto sink = addStoreLikeSink(hub);
    const uint16_t port = running.start();
    // More than loopback's socket buffers hold, so the proxy is still relaying after the delay.
    constexpr uint64_t kSize = 30'000'000;
    ProcessResult download = run("curl", {"-sS", "--max-time", "8", "--limit-rate", "30M", "-o", "/dev/null", "-w",
                                          "%{size_download}", "-x", QString("http://127.0.0.1:%1").arg(port),
                                          QString::fromStdString(origin.url("/big?size=" + std::to_string(kSize)))});
    QCOMPARE(download.exitCode, 0);
    QCOMPARE(QString::fromUtf8(download.out), QString::number(kSize));
    QVERIFY(waitFor([&] { return hub.pending(sink) >= 2; }, 5s));
    auto events = drainAll(hub, sink);
    QCOMPARE(events.size(), size_t{2});
    QCOMPARE(events[0].type, FlowEventType::Started);
    QVERIFY(events[0].flow->response.has_value());     // the head had come
    QVERIFY(events[0].flow->response->body.size > 0);  // and some of the body
    QVERIFY(events[0].flow->response->body.captured.empty());
    QCOMPARE(events[1].type, FlowEventType::Finished);
    const Body& body = events[1].flow->response->body;
    QCOMPARE(body.size, kSize);
    QCOMPARE(body.captured.size(), size_t{16} << 20);  // the capture cap
    QCOMPARE(sha256Hex(body.captured), sha256Hex(seededBytes(kSize, 1).substr(0, body.captured.size())));
    hub.removeSink(sink);
  }
};

QTEST_GUILESS_MAIN(TestLateStarted)
#include "test_late_started.moc"
