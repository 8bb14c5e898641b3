// The topology scene model and view: scripted flows → nodes, edges, counts, shares and callouts in
// both directions; backends going down; coalescing under load; clicking; PNG/SVG export.
#include <QtTest>

#include <QImage>
#include <QSignalSpy>
#include <QTableWidget>

#include "engine/query/filter.h"
#include "ui/topology_model.h"
#include "ui/topology_panel.h"
#include "ui/topology_view.h"

using namespace ps::ui;

namespace {
TopologySample forwardFlow(const QString& client, const QString& host, int status, QStringList removed = {}) {
  TopologySample s;
  s.clientAddress = client;
  s.host = host;
  s.port = 80;
  s.scheme = QStringLiteral("http");
  s.status = status;
  s.error = status == 0;
  s.bytes = 100;
  s.headersRemoved = removed;
  return s;
}
TopologySample reverseFlow(const QString& client, const QString& backend, int status = 200) {
  TopologySample s;
  s.clientAddress = client;
  s.host = QStringLiteral("127.0.0.1");
  s.port = 8000;
  s.backend = backend;
  s.status = status;
  s.error = status == 0 || status >= 500;
  s.headersAdded = {QStringLiteral("X-Forwarded-For"), QStringLiteral("Forwarded")};
  return s;
}
const TopologyNode* findByLabel(const std::vector<TopologyNode>& nodes, const QString& label) {
  for (const auto& n : nodes)
    if (n.label == label) return &n;
  return nullptr;
}
}  // namespace

class TestTopology : public QObject {
  Q_OBJECT
 private slots:
  void launchedAppNodeFiltersItsTaggedFlows() {
    // A launched app's flows carry the tag "app:<name>": its node's filter must select exactly them.
    TopologyModel m;
    m.setMode(TopologyMode::Forward, QStringLiteral("127.0.0.1:8080"));
    TopologySample s = forwardFlow("127.0.0.1:50000", "api.test", 200);
    s.app = QStringLiteral("chromium");
    m.addFlow(s);
    const TopologyNode* node = findByLabel(m.clients(), "chromium");
    QVERIFY(node != nullptr);
    auto filter = ps::engine::parseFilter(node->filter.toStdString());
    QVERIFY2(filter.ok(), qPrintable(node->filter));
    ps::engine::Flow tagged;
    tagged.request.host = "api.test";
    tagged.tags = {"app:chromium"};
    ps::engine::Flow other = tagged;
    other.tags = {"app:firefox"};
    QVERIFY(filter.filter->matches(tagged));
    QVERIFY(!filter.filter->matches(other));
  }

  void forwardModeGroupsClientsAndServers() {
    TopologyModel m;
    m.setMode(TopologyMode::Forward, QStringLiteral("127.0.0.1:8080"));
    m.addFlow(forwardFlow("127.0.0.1:50000", "api.test", 200, {"Proxy-Connection"}));
    m.addFlow(forwardFlow("127.0.0.1:50001", "api.test", 404));
    m.addFlow(forwardFlow("127.0.0.2:40000", "cdn.test", 200, {"Proxy-Connection"}));
    m.addFlow(forwardFlow("[::1]:40000", "cdn.test", 0));

    auto clients = m.clients();
    QCOMPARE(clients.size(), size_t(3));
    QCOMPARE(clients[0].label, QString("127.0.0.1"));  // most flows first
    QCOMPARE(clients[0].flows, quint64(2));
    QVERIFY(findByLabel(clients, "::1") != nullptr);
    auto servers = m.servers();
    QCOMPARE(servers.size(), size_t(2));
    QCOMPARE(findByLabel(servers, "cdn.test")->errors, quint64(1));
    QCOMPARE(findByLabel(servers, "api.test")->filter, QString("host:\"api.test\""));
    QCOMPARE(m.proxy().flows, quint64(4));
    // 3 client→proxy edges + 2 proxy→server edges.
    QCOMPARE(m.edges().size(), size_t(5));

    QString text;
    for (const auto& c : m.callouts()) text += c.title + ": " + c.text + "\n";
    QVERIFY2(text.contains("The servers saw Proxyscope, not the client"), qPrintable(text));
    QVERIFY2(text.contains("4 requests from 3 clients reached 2 servers"), qPrintable(text));
    QVERIFY2(text.contains("Proxy-Connection (2)"), qPrintable(text));
    QVERIFY2(text.contains("No X-Forwarded-For"), qPrintable(text));
  }

  void reverseModeShowsSharesAndHealth() {
    TopologyModel m;
    m.setMode(TopologyMode::Reverse, QStringLiteral("127.0.0.1:8000"));
    m.setBackendState("b1", true, 1);
    m.setBackendState("b2", true, 1);
    m.setBackendState("b3", true, 2);
    for (int i = 0; i < 30; ++i) m.addFlow(reverseFlow("127.0.0.1:1", i % 3 == 0 ? "b1" : i % 3 == 1 ? "b2" : "b3"));
    QCOMPARE(m.servers().size(), size_t(3));
    QCOMPARE(m.share("backend:b1"), 1.0 / 3.0);
    QCOMPARE(m.node("backend:b3")->weight, 2);

    m.setBackendState("b2", false, 1);
    for (int i = 0; i < 10; ++i) m.addFlow(reverseFlow("127.0.0.1:1", i % 2 ? "b1" : "b3"));
    QVERIFY(m.node("backend:b2")->down);
    QCOMPARE(m.node("backend:b2")->flows, quint64(10));  // traffic moved away
    QCOMPARE(m.node("backend:b1")->flows, quint64(15));

    QString text;
    for (const auto& c : m.callouts()) text += c.title + ": " + c.text + "\n";
    QVERIFY2(text.contains("40 requests went to 127.0.0.1:8000 alone, while 3 backends answered"), qPrintable(text));
    QVERIFY2(text.contains("b1 38%"), qPrintable(text));
    QVERIFY2(text.contains("Backend down: b2"), qPrintable(text));
    QVERIFY2(text.contains("X-Forwarded-For (40)"), qPrintable(text));
  }

  void modeSwitchStartsAfresh() {
    TopologyModel m;
    m.setMode(TopologyMode::Forward, "127.0.0.1:8080");
    m.addFlow(forwardFlow("127.0.0.1:1", "a.test", 200));
    QSignalSpy changed(&m, &TopologyModel::changed);
    m.setMode(TopologyMode::Reverse, "127.0.0.1:8000");
    QCOMPARE(changed.count(), 1);
    QCOMPARE(m.totalFlows(), quint64(0));
    QVERIFY(m.clients().empty());
    QVERIFY(m.callouts().front().title.contains("Waiting"));
  }

  void viewCoalescesUnderLoadAndExports() {
    TopologyModel m;
    m.setMode(TopologyMode::Reverse, "127.0.0.1:8000");
    TopologyView view(&m);
    view.resize(900, 500);
    view.setDotRateLimit(40);
    // A burst of 2,000 flows: dots are capped, then edges take over.
    for (int i = 0; i < 2000; ++i) m.addFlow(reverseFlow(QStringLiteral("127.0.0.%1:1").arg(i % 20), QStringLiteral("b%1").arg(i % 3)));
    QVERIFY(view.activeDots() <= 40);
    QVERIFY(view.coalescing());
    QTest::qWait(150);  // let the coalesced rebuild run

    QTemporaryDir dir;
    QString png = dir.filePath("t.png"), svg = dir.filePath("t.svg");
    QVERIFY(view.exportImage(png));
    QVERIFY(view.exportImage(svg));
    QImage image(png);
    QVERIFY(!image.isNull());
    QVERIFY(image.width() >= 900);
    QFile f(svg);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QByteArray body = f.readAll();
    QVERIFY(body.contains("<svg"));
    QVERIFY(body.contains("Proxyscope"));
  }

  void clickingANodeRequestsItsFlows() {
    TopologyModel m;
    m.setMode(TopologyMode::Forward, "127.0.0.1:8080");
    m.addFlow(forwardFlow("127.0.0.1:1", "only.test", 200));
    TopologyView view(&m);
    view.resize(800, 400);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QTest::qWait(150);
    QSignalSpy spy(&view, &TopologyView::filterRequested);
    // The single server node sits at 83% of the width, mid-height of its column.
    QPoint serverPos = view.mapFromScene(QPointF(view.sceneRect().width() * 0.83, 60 + (view.sceneRect().height() - 90) / 2));
    QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, serverPos);
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.first().first().toString(), QString("host:\"only.test\""));
  }

  void comparisonCardHighlightsTheCurrentMode() {
    TopologyModel m;
    m.setMode(TopologyMode::Reverse, "127.0.0.1:8000");
    TopologyPanel panel(&m);
    QTest::qWait(300);
    QTableWidget* card = panel.comparisonCard();
    QCOMPARE(card->rowCount(), 5);
    QCOMPARE(card->item(0, 1)->text(), QString("the server"));
    QVERIFY(card->item(0, 1)->font().bold());
    QVERIFY(!card->item(0, 0)->font().bold());
    m.setMode(TopologyMode::Forward, "127.0.0.1:8080");
    QTest::qWait(300);
    QVERIFY(card->item(1, 0)->font().bold());
    QCOMPARE(card->item(1, 0)->text(), QString("the client's identity"));
  }
};

QTEST_MAIN(TestTopology)
#include "test_topology.moc"
