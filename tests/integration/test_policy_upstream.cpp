// The upstream-proxies policy end to end (issue 10): two Proxyscope engines chained on loopback. The
// first (A) routes through a pool of second-hop engines (B1, B2); what each hop recorded and what
// the in-test origin saw are checked: rotation across the pool, the Proxy-Authorization header
// arriving at the upstream proxy, CONNECT through it for https, a 502 naming a dead proxy, and
// failover past a dead proxy to a live one (plain http and CONNECT).
#include <QtTest>

#include <thread>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include "engine/policy/policy_config.h"
#include "engine/policy/upstream_proxies.h"
#include "tests/support/policy_test_support.h"
#include "tests/support/proxy_harness.h"
#include "tests/support/test_origin.h"
#include "tests/support/test_support.h"

using namespace ps::engine;
using namespace ps::test;

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

UpstreamProxyConfig proxyEntry(const std::string& url, const std::string& name = {}) {
  auto parsed = parseUpstreamProxyUrl(url);
  if (!parsed) qFatal("proxy url: %s", parsed.error().message.c_str());
  UpstreamProxyConfig p = std::move(parsed.value());
  if (!name.empty()) p.name = name;
  return p;
}

std::function<void(EngineConfig&)> chainedTo(std::vector<UpstreamProxyConfig> proxies,
                                             UpstreamProxiesPolicyConfig::Rotation rotation =
                                                 UpstreamProxiesPolicyConfig::Rotation::RoundRobin,
                                             UpstreamProxiesPolicyConfig::Per per = UpstreamProxiesPolicyConfig::Per::Request,
                                             bool intercept = true) {
  auto policies = std::make_shared<PolicyConfig>();
  policies->upstreamProxies.enabled = true;
  policies->upstreamProxies.rotation = rotation;
  policies->upstreamProxies.per = per;
  policies->upstreamProxies.proxies = std::move(proxies);
  return [policies, intercept](EngineConfig& c) {
    c.policies = policies;
    c.tls.intercept = intercept;
  };
}

// A loopback port nothing listens on: bound, then closed.
uint16_t deadPort() {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  uint16_t port = acceptor.local_endpoint().port();
  acceptor.close();
  return port;
}

}  // namespace

class TestPolicyUpstream : public QObject {
  Q_OBJECT
 private slots:
  void roundRobinAcrossTwoChainedProxies() {
    TestOrigin origin;
    ProxyHarness b1, b2;
    ProxyHarness a(chainedTo({proxyEntry(b1.proxyUrl(), "b1"), proxyEntry(b2.proxyUrl(), "b2")}));
    for (int i = 0; i < 4; ++i) {
      auto r = a.curl({q(origin.url("/hello"))});
      QCOMPARE(r.exitCode, 0);
      QCOMPARE(r.out, QByteArray("hello world\n"));
    }
    QCOMPARE(origin.requests().size(), size_t(4));
    // Each second hop saw half of the requests, in absolute form (it is a proxy to A).
    auto seen1 = b1.finishedFlows(2), seen2 = b2.finishedFlows(2);
    QCOMPARE(seen1.size(), size_t(2));
    QCOMPARE(seen2.size(), size_t(2));
    QCOMPARE(seen1[0]->request.target, origin.url("/hello"));
    QVERIFY(seen1[0]->request.headers.get("Proxy-Authorization") == std::nullopt);
    auto flows = a.finishedFlows(4);
    QCOMPARE(flows.size(), size_t(4));
    // Round-robin: the pool alternates.
    for (size_t i = 0; i < flows.size(); ++i) {
      QVERIFY2(flows[i]->hasTag(i % 2 == 0 ? "upstream-proxy:b1" : "upstream-proxy:b2"), tagsOf(flows[i]).c_str());
    }
    QCOMPARE(counter(a.engine(), "upstream.b1.requests"), uint64_t(2));
    QCOMPARE(counter(a.engine(), "upstream.b2.requests"), uint64_t(2));
  }

  void perHostKeepsOneProxyAndRandomUsesThePool() {
    TestOrigin origin;
    ProxyHarness b1, b2;
    ProxyHarness perHost(chainedTo({proxyEntry(b1.proxyUrl(), "b1"), proxyEntry(b2.proxyUrl(), "b2")},
                                   UpstreamProxiesPolicyConfig::Rotation::RoundRobin, UpstreamProxiesPolicyConfig::Per::Host));
    for (int i = 0; i < 4; ++i) QCOMPARE(perHost.curl({q(origin.url("/hello"))}).exitCode, 0);
    auto counts = std::make_pair(counter(perHost.engine(), "upstream.b1.requests"), counter(perHost.engine(), "upstream.b2.requests"));
    QVERIFY2((counts == std::make_pair(uint64_t(4), uint64_t(0))) || (counts == std::make_pair(uint64_t(0), uint64_t(4))),
             (std::to_string(counts.first) + "/" + std::to_string(counts.second)).c_str());

    ProxyHarness random(chainedTo({proxyEntry(b1.proxyUrl(), "b1"), proxyEntry(b2.proxyUrl(), "b2")},
                                  UpstreamProxiesPolicyConfig::Rotation::Random));
    for (int i = 0; i < 16; ++i) QCOMPARE(random.curl({q(origin.url("/hello"))}).exitCode, 0);
    uint64_t r1 = counter(random.engine(), "upstream.b1.requests"), r2 = counter(random.engine(), "upstream.b2.requests");
    QCOMPARE(r1 + r2, uint64_t(16));
    // Both proxies were used (all 16 on one: probability 2^-15).
    QVERIFY2(r1 > 0 && r2 > 0, (std::to_string(r1) + "/" + std::to_string(r2)).c_str());
  }

  void basicAuthArrivesAtTheUpstreamProxy() {
    TestOrigin origin;
    ProxyHarness b;
    std::string url = "http://alice:s%3Acret@127.0.0.1:" + std::to_string(b.port());
    ProxyHarness a(chainedTo({proxyEntry(url, "auth")}));
    auto r = a.curl({q(origin.url("/hello"))});
    QCOMPARE(r.out, QByteArray("hello world\n"));
    auto seen = b.finishedFlows(1);
    QCOMPARE(seen.size(), size_t(1));
    auto auth = seen[0]->request.headers.get("Proxy-Authorization");
    QVERIFY(auth.has_value());
    // base64("alice:s:cret")
    QCOMPARE(std::string(*auth), "Basic " + QByteArray("alice:s:cret").toBase64().toStdString());
  }

  void hostPatternsChooseTheProxy() {
    TestOrigin origin;
    ProxyHarness b;
    auto only = proxyEntry(b.proxyUrl(), "only-example");
    only.hosts = {"*.example"};
    ProxyHarness a(chainedTo({only}));
    QCOMPARE(a.curl({q(origin.url("/hello"))}).out, QByteArray("hello world\n"));  // 127.0.0.1: direct
    QCOMPARE(counter(a.engine(), "upstream.direct"), uint64_t(1));
    QCOMPARE(counter(a.engine(), "upstream.only-example.requests"), uint64_t(0));
    auto flows = a.finishedFlows(1);
    QVERIFY2(tagsOf(flows[0]).find("upstream-proxy:") == std::string::npos, tagsOf(flows[0]).c_str());
  }

  void httpsTunnelsThroughTheUpstreamProxy() {
    QTemporaryDir dir;
    QString cert = dir.filePath("cert.pem"), key = dir.filePath("key.pem");
    QVERIFY(makeSelfSignedCertificate(cert, key, "127.0.0.1"));
    TestOrigin origin(cert.toStdString(), key.toStdString());
    ProxyHarness b([](EngineConfig& c) { c.tls.intercept = false; });
    ProxyHarness a(chainedTo({proxyEntry(b.proxyUrl(), "b")}, UpstreamProxiesPolicyConfig::Rotation::RoundRobin,
                             UpstreamProxiesPolicyConfig::Per::Request, false));
    auto r = a.curl({"-p", "-k", q("https://" + origin.authority() + "/hello")});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QCOMPARE(r.out, QByteArray("hello world\n"));
    auto seen = b.finishedFlows(1);
    QCOMPARE(seen.size(), size_t(1));
    QCOMPARE(int(seen[0]->kind), int(FlowKind::Tunnel));
    QCOMPARE(seen[0]->request.method, std::string("CONNECT"));
    QCOMPARE(seen[0]->request.target, origin.authority());
    auto flows = a.finishedFlows(1);
    QVERIFY2(flows[0]->hasTag("upstream-proxy:b"), tagsOf(flows[0]).c_str());
  }

  // With interception on, the decrypted request is re-encrypted to the origin through a CONNECT to
  // the upstream proxy: the flow is an HTTP flow tagged with the proxy.
  void interceptedHttpsGoesThroughTheUpstreamProxy() {
    QTemporaryDir dir;
    QString cert = dir.filePath("cert.pem"), key = dir.filePath("key.pem");
    QVERIFY(makeSelfSignedCertificate(cert, key, "127.0.0.1"));
    TestOrigin origin(cert.toStdString(), key.toStdString());
    ProxyHarness b([](EngineConfig& c) { c.tls.intercept = false; });
    auto chain = chainedTo({proxyEntry(b.proxyUrl(), "b")});
    ProxyHarness a([&](EngineConfig& c) {
      chain(c);
      c.tls.insecureUpstream = {"127.0.0.1"};  // the test origin's certificate is self-signed
    });
    auto r = a.curl({"-k", q("https://" + origin.authority() + "/hello")});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QCOMPARE(r.out, QByteArray("hello world\n"));
    auto flows = a.finishedFlows(2);
    bool tagged = false;
    for (const auto& f : flows) {
      if (f->kind == FlowKind::Http && f->request.path == "/hello") tagged = f->hasTag("upstream-proxy:b");
    }
    QVERIFY(tagged);
    // A keeps its connection through B in its pool, so B's tunnel is still open: look for its start.
    bool sawConnect = false;
    for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
         !sawConnect && std::chrono::steady_clock::now() < until;) {
      for (const auto& e : b.allEvents()) {
        sawConnect = sawConnect || (e.flow && e.flow->request.method == "CONNECT" && e.flow->request.target == origin.authority());
      }
      if (!sawConnect) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    QVERIFY(sawConnect);
  }

  void unreachableProxyIs502NamingIt() {
    TestOrigin origin;
    const uint16_t port = deadPort();
    ProxyHarness a(chainedTo({proxyEntry("http://127.0.0.1:" + std::to_string(port), "dead-one")}));
    auto r = a.curl({"-i", q(origin.url("/hello"))});
    QVERIFY2(r.out.startsWith("HTTP/1.1 502"), r.out.constData());
    QVERIFY2(r.out.contains("upstream proxy dead-one (127.0.0.1:" + QByteArray::number(port) + ")"), r.out.constData());
    QVERIFY2(r.out.contains("refused"), r.out.constData());
    QCOMPARE(origin.requests().size(), size_t(0));
    auto flows = a.finishedFlows(1);
    QVERIFY(flows[0]->error.has_value());
    QVERIFY2(flows[0]->hasTag("upstream-proxy:dead-one"), tagsOf(flows[0]).c_str());

    // A CONNECT through the dead proxy is a 502 naming it too.
    auto tunnel = a.curl({"-p", "-k", "-sS", q("https://" + origin.authority() + "/")});
    QVERIFY(tunnel.exitCode != 0);
    QVERIFY2(tunnel.err.contains("502"), tunnel.err.constData());
  }

  // Failover: a dead proxy first in the pool is skipped for the live one; the flow records both
  // attempts, the dead one is down for the cool-down (the next request goes straight to the live one).
  void deadProxyIsSkippedForTheNextOne() {
    TestOrigin origin;
    ProxyHarness live;
    const uint16_t port = deadPort();
    ProxyHarness a(chainedTo({proxyEntry("http://127.0.0.1:" + std::to_string(port), "dead"),
                              proxyEntry(live.proxyUrl(), "live")}));
    auto first = a.curl({"-i", q(origin.url("/hello"))});
    QVERIFY2(first.out.startsWith("HTTP/1.1 200"), first.out.constData());
    QVERIFY(first.out.endsWith("hello world\n"));
    auto flows = a.finishedFlows(1);
    QVERIFY2(flows[0]->hasTag("upstream-proxy:dead") && flows[0]->hasTag("upstream-proxy:live"), tagsOf(flows[0]).c_str());
    QVERIFY(!flows[0]->error.has_value());
    QCOMPARE(flows[0]->attempts.size(), size_t(2));
    QCOMPARE(flows[0]->attempts[0].backend, std::string("dead"));
    QCOMPARE(flows[0]->attempts[0].outcome, std::string("connect-failed"));
    QVERIFY2(flows[0]->attempts[0].error.find("refused") != std::string::npos, flows[0]->attempts[0].error.c_str());
    QCOMPARE(flows[0]->attempts[1].backend, std::string("live"));
    QCOMPARE(flows[0]->attempts[1].outcome, std::string("ok"));
    QCOMPARE(counter(a.engine(), "upstream.dead.failures"), uint64_t(1));

    // Round-robin would pick "dead" now and then; while it is down every request goes to "live".
    for (int i = 0; i < 3; ++i) QCOMPARE(a.curl({q(origin.url("/hello"))}).out, QByteArray("hello world\n"));
    flows = a.finishedFlows(4);
    for (size_t i = 1; i < flows.size(); ++i) {
      QVERIFY2(flows[i]->hasTag("upstream-proxy:live") && !flows[i]->hasTag("upstream-proxy:dead"), tagsOf(flows[i]).c_str());
      QVERIFY(flows[i]->attempts.empty());
    }
    QCOMPARE(counter(a.engine(), "upstream.dead.failures"), uint64_t(1));
    QCOMPARE(live.finishedFlows(4).size(), size_t(4));
    QCOMPARE(origin.requests().size(), size_t(4));
  }

  // A CONNECT tunnel fails over the same way.
  void tunnelFailsOverToTheLiveProxy() {
    QTemporaryDir dir;
    QString cert = dir.filePath("cert.pem"), key = dir.filePath("key.pem");
    QVERIFY(makeSelfSignedCertificate(cert, key, "127.0.0.1"));
    TestOrigin origin(cert.toStdString(), key.toStdString());
    ProxyHarness live([](EngineConfig& c) { c.tls.intercept = false; });
    ProxyHarness a(chainedTo({proxyEntry("http://127.0.0.1:" + std::to_string(deadPort()), "dead"),
                              proxyEntry(live.proxyUrl(), "live")},
                             UpstreamProxiesPolicyConfig::Rotation::RoundRobin, UpstreamProxiesPolicyConfig::Per::Request,
                             false));
    auto r = a.curl({"-p", "-k", q("https://" + origin.authority() + "/hello")});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QCOMPARE(r.out, QByteArray("hello world\n"));
    auto flows = a.finishedFlows(1);
    QCOMPARE(int(flows[0]->kind), int(FlowKind::Tunnel));
    QVERIFY2(flows[0]->hasTag("upstream-proxy:dead") && flows[0]->hasTag("upstream-proxy:live"), tagsOf(flows[0]).c_str());
    QCOMPARE(flows[0]->attempts.size(), size_t(2));
    QCOMPARE(flows[0]->attempts[1].outcome, std::string("ok"));
  }

  // Only when every proxy of the pool fails is the answer a 502, and it names each of them.
  void allProxiesDeadIs502NamingEach() {
    TestOrigin origin;
    const uint16_t p1 = deadPort(), p2 = deadPort();
    ProxyHarness a(chainedTo({proxyEntry("http://127.0.0.1:" + std::to_string(p1), "first"),
                              proxyEntry("http://127.0.0.1:" + std::to_string(p2), "second")}));
    auto r = a.curl({"-i", q(origin.url("/hello"))});
    QVERIFY2(r.out.startsWith("HTTP/1.1 502"), r.out.constData());
    QVERIFY2(r.out.contains("every upstream proxy failed"), r.out.constData());
    QVERIFY2(r.out.contains("first (127.0.0.1:" + QByteArray::number(p1) + ")"), r.out.constData());
    QVERIFY2(r.out.contains("second (127.0.0.1:" + QByteArray::number(p2) + ")"), r.out.constData());
    QCOMPARE(origin.requests().size(), size_t(0));
    auto flows = a.finishedFlows(1);
    QVERIFY(flows[0]->error.has_value());
    QCOMPARE(flows[0]->attempts.size(), size_t(2));
    QCOMPARE(counter(a.engine(), "upstream.first.failures") + counter(a.engine(), "upstream.second.failures"), uint64_t(2));
  }
};

QTEST_APPLESS_MAIN(TestPolicyUpstream)
#include "test_policy_upstream.moc"
