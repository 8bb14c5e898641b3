// Replay through the live path: the same request reaches the origin byte for byte (modulo
// hop-by-hop fields), replays are new flows linked to their origin, "repeat" with concurrency.
#include <QtTest>

#include <thread>

#include "tests/support/proxy_harness.h"
#include "tests/support/test_origin.h"

using namespace ps::engine;
using namespace ps::test;
using namespace std::chrono_literals;

class TestReplay : public QObject {
  Q_OBJECT
 private slots:
  void replayReachesTheOriginUnchanged() {
    TestOrigin origin;
    ProxyHarness proxy;
    ProcessResult first = proxy.curl({"-H", "X-Case: MiXeD", "-H", "x-dup: 1", "-H", "X-Dup: 2", "-H", "Proxy-Connection: keep-alive",
                                      "--data-binary", "payload \x01 bytes", QString::fromStdString(origin.url("/echo?q=1"))});
    QCOMPARE(first.exitCode, 0);
    auto flows = proxy.finishedFlows(1);
    QCOMPARE(flows.size(), size_t(1));
    FlowPtr original = flows[0];

    auto id = proxy.engine().replay(original->request, original->id);
    QVERIFY2(id.ok(), id.ok() ? "" : id.error().message.c_str());
    flows = proxy.finishedFlows(2);
    QCOMPARE(flows.size(), size_t(2));
    FlowPtr replayed = flows[1];
    QCOMPARE(replayed->id, *id);
    QCOMPARE(replayed->replayOf, original->id);
    QVERIFY(replayed->hasTag("replay"));
    QVERIFY(replayed->response.has_value());
    QCOMPARE(replayed->response->status, 200);
    // The origin's echo of both requests is identical: method, target, every header in order, body hash.
    QCOMPARE(QString::fromStdString(replayed->response->body.captured), QString::fromStdString(original->response->body.captured));
    auto seen = origin.requests();
    QCOMPARE(seen.size(), size_t(2));
    QCOMPARE(seen[1].method, seen[0].method);
    QCOMPARE(seen[1].target, seen[0].target);
    QCOMPARE(seen[1].headers, seen[0].headers);
    QCOMPARE(seen[1].bodyLength, seen[0].bodyLength);
  }

  void editedReplayAndErrors() {
    TestOrigin origin;
    ProxyHarness proxy;
    Request r;
    r.method = "PUT";
    r.scheme = "http";
    r.host = "127.0.0.1";
    r.port = origin.port();
    r.path = "/echo";
    r.headers.add("Host", origin.authority());
    r.headers.add("Content-Type", "application/json");
    r.body.captured = "{\"edited\":true}";
    auto id = proxy.engine().replay(r, 0);
    QVERIFY(id.ok());
    auto flows = proxy.finishedFlows(1);
    QCOMPARE(flows.size(), size_t(1));
    QVERIFY(flows[0]->response->body.captured.find("\"method\":\"PUT\"") != std::string::npos);
    QVERIFY(flows[0]->response->body.captured.find("\"bodyLength\":15") != std::string::npos);

    Request nowhere = r;
    nowhere.host = "nonexistent.invalid";
    nowhere.port = 80;
    QVERIFY(proxy.engine().replay(nowhere, 0).ok());
    flows = proxy.finishedFlows(2);
    QCOMPARE(flows.size(), size_t(2));
    QVERIFY(flows[1]->error);
    QCOMPARE(flows[1]->error->kind, ErrorKind::UpstreamConnect);
    QVERIFY(flows[1]->response && flows[1]->response->status == 502);

    Request empty;
    QVERIFY(!proxy.engine().replay(empty, 0).ok());
  }

  void repeatWithConcurrency() {
    TestOrigin origin;
    ProxyHarness proxy;
    Request r;
    r.method = "GET";
    r.scheme = "http";
    r.host = "127.0.0.1";
    r.port = origin.port();
    r.path = "/delay?ms=20";
    auto ids = proxy.engine().repeat(r, 42, {20, 4, 0ms});
    QVERIFY(ids.ok());
    QCOMPARE(ids->size(), size_t(20));
    auto flows = proxy.finishedFlows(20, 20s);
    QCOMPARE(flows.size(), size_t(20));
    for (const auto& f : flows) {
      QCOMPARE(f->replayOf, uint64_t(42));
      QCOMPARE(f->response->status, 200);
    }
    QCOMPARE(origin.requests().size(), size_t(20));
  }

  void replayNeedsARunningEngine() {
    ProxyHarness proxy;
    proxy.engine().stop();
    Request r;
    r.method = "GET";
    r.host = "127.0.0.1";
    r.port = 1;
    auto id = proxy.engine().replay(r, 0);
    QVERIFY(!id.ok());
    QVERIFY(id.error().message.find("start the proxy") != std::string::npos);
  }
};

QTEST_GUILESS_MAIN(TestReplay)
#include "test_replay.moc"
