// The hop diff on real flows: forward (curl through the proxy to an in-test origin) shows
// Proxy-Connection and Connection-listed fields as removed; reverse (curl to the proxy fronting
// demo backends) shows X-Forwarded-For and Forwarded as added. The view renders both sides.
#include <QDir>
#include <QSignalSpy>
#include <QTest>

#include "engine/net/engine.h"
#include "tests/support/test_origin.h"
#include "tests/support/test_support.h"
#include "ui/engine_bridge.h"
#include "ui/hop_diff_view.h"

namespace eng = ps::engine;
using namespace ps::ui;

namespace {

std::unique_ptr<eng::Engine> makeEngine() {
  auto config = std::make_shared<eng::EngineConfig>();
  config->listen = {"127.0.0.1", 0};
  config->dataDir = QDir::tempPath().toStdString() + "/proxyscope-test-hop-diff";
  return eng::Engine::create(config);
}

// Waits for the first finished flow and returns its id (0 on timeout).
quint64 waitFinished(QSignalSpy& spy) {
  if (!QTest::qWaitFor([&] { return !spy.isEmpty(); }, 10'000)) return 0;
  const auto samples = spy.takeFirst().at(0).value<QVector<TopologySample>>();
  return samples.isEmpty() ? 0 : samples.front().flowId;
}

const HopDiffLine* find(const QVector<HopDiffLine>& lines, const QString& name) {
  for (const auto& l : lines) {
    if (l.name.compare(name, Qt::CaseInsensitive) == 0) return &l;
  }
  return nullptr;
}

}  // namespace

class TestHopDiff : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { qRegisterMetaType<QVector<TopologySample>>(); }

  void forwardRemovesHopByHop() {
    ps::test::TestOrigin origin;
    auto engine = makeEngine();
    EngineBridge bridge(*engine);
    QCOMPARE(bridge.start(), QString());
    QSignalSpy spy(&bridge, &EngineBridge::flowsFinished);
    const auto curl = ps::test::run(QStringLiteral("curl"),
                                    {QStringLiteral("-s"), QStringLiteral("-o"), QStringLiteral("/dev/null"), QStringLiteral("--max-time"),
                                     QStringLiteral("10"), QStringLiteral("-x"), QStringLiteral("http://") + bridge.listenAddress(),
                                     QStringLiteral("-H"), QStringLiteral("Proxy-Connection: keep-alive"), QStringLiteral("-H"),
                                     QStringLiteral("X-Trace: 1"), QString::fromStdString(origin.url("/hello"))},
                                    20'000);
    QCOMPARE(curl.exitCode, 0);
    const quint64 id = waitFinished(spy);
    QVERIFY(id != 0);
    auto diff = bridge.hopDiff(id);
    QVERIFY(diff.has_value());
    const HopDiffLine* received = find(diff->received, QStringLiteral("Proxy-Connection"));
    QVERIFY(received != nullptr);
    QCOMPARE(received->change, HopDiffLine::Change::Removed);
    QVERIFY(find(diff->sent, QStringLiteral("Proxy-Connection")) == nullptr);
    QCOMPARE(find(diff->sent, QStringLiteral("X-Trace"))->change, HopDiffLine::Change::Same);
    QVERIFY(diff->receivedLine.contains(QStringLiteral("http://127.0.0.1:")));  // absolute form in
    QVERIFY(diff->sentLine.startsWith(QStringLiteral("GET /hello ")));          // origin form out
    QVERIFY(find(diff->sent, QStringLiteral("X-Forwarded-For")) == nullptr);    // a forward proxy adds none

    HopDiffView view;
    view.showDiff(*diff);
    const QString text = view.toPlainText();
    QVERIFY(text.contains(QStringLiteral("As received from the client")));
    QVERIFY(text.contains(QStringLiteral("As sent upstream")));
    QVERIFY(text.contains(QStringLiteral("Hop-by-hop removed: proxy-connection")));
    bridge.stop();
  }

  void reverseAddsForwardingHeaders() {
    auto engine = makeEngine();
    EngineBridge bridge(*engine);
    QCOMPARE(bridge.switchMode(ProxyModeUi::Reverse, QStringLiteral("127.0.0.1:0")), QString());
    QCOMPARE(bridge.start(), QString());
    QSignalSpy spy(&bridge, &EngineBridge::flowsFinished);
    const auto curl = ps::test::run(QStringLiteral("curl"),
                                    {QStringLiteral("-s"), QStringLiteral("-o"), QStringLiteral("/dev/null"), QStringLiteral("--max-time"),
                                     QStringLiteral("10"), QStringLiteral("http://%1/page").arg(bridge.listenAddress())},
                                    20'000);
    QCOMPARE(curl.exitCode, 0);
    const quint64 id = waitFinished(spy);
    QVERIFY(id != 0);
    auto diff = bridge.hopDiff(id);
    QVERIFY(diff.has_value());
    const HopDiffLine* xff = find(diff->sent, QStringLiteral("X-Forwarded-For"));
    QVERIFY(xff != nullptr);
    QCOMPARE(xff->change, HopDiffLine::Change::Added);
    QCOMPARE(xff->value, QStringLiteral("127.0.0.1"));
    QVERIFY(find(diff->received, QStringLiteral("X-Forwarded-For")) == nullptr);
    QCOMPARE(find(diff->sent, QStringLiteral("Forwarded"))->change, HopDiffLine::Change::Added);
    QCOMPARE(find(diff->sent, QStringLiteral("Host"))->change, HopDiffLine::Change::Same);  // preserved by default
    QVERIFY(diff->notes.join(QLatin1Char('\n')).contains(QStringLiteral("Sent to backend demo-")));

    HopDiffView view;
    view.showDiff(*diff);
    QVERIFY(view.toHtml().contains(QStringLiteral("X-Forwarded-For")));
    bridge.stop();
  }
};

QTEST_MAIN(TestHopDiff)
#include "test_hop_diff.moc"
