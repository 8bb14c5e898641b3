// Chaining to the prior system proxy (engine/sysproxy/prior_proxy_chain.h) and the bypass entries it
// carries into the upstream-proxies policy (hostBypassed, UpstreamProxySelector).
#include <QtTest>

#include "engine/policy/upstream_proxies.h"
#include "engine/sysproxy/prior_proxy_chain.h"

using namespace ps::engine;

class TestPriorProxyChain : public QObject {
  Q_OBJECT

 private slots:
  void bypassEntries() {
    QVERIFY(hostBypassed("localhost", "localhost"));
    QVERIFY(hostBypassed("a.intranet.example", "*.intranet.example"));
    QVERIFY(!hostBypassed("intranet.example.com", "*.intranet.example"));
    QVERIFY(hostBypassed("127.1.2.3", "127.0.0.0/8"));
    QVERIFY(!hostBypassed("128.0.0.1", "127.0.0.0/8"));
    QVERIFY(hostBypassed("10.1.255.7", "10.1.0.0/16"));
    QVERIFY(!hostBypassed("10.2.0.1", "10.1.0.0/16"));
    QVERIFY(hostBypassed("::1", "::1"));
    QVERIFY(hostBypassed("[::1]", "::1"));
    QVERIFY(hostBypassed("fd00::5", "fd00::/8"));
    QVERIFY(!hostBypassed("fe80::1", "fd00::/8"));
    QVERIFY(!hostBypassed("example.com", "127.0.0.0/8"));
    QVERIFY(!hostBypassed("127.0.0.1", "127.0.0.0/x"));
  }

  void chainedConfigSelectsThePriorProxyExceptBypassed() {
    EngineConfig config;
    config.listen = {"127.0.0.1", 8080};
    auto chained = chainPriorProxy(config, "proxy.corp:3128", {"localhost", "127.0.0.0/8", "*.intranet"});
    QVERIFY2(chained.ok(), chained.ok() ? "" : chained.error().message.c_str());
    QVERIFY(priorProxyChained(**chained));
    QVERIFY(!priorProxyChained(config));
    const auto& upstream = (*chained)->policies->upstreamProxies;
    QVERIFY(upstream.enabled);
    QCOMPARE(upstream.proxies.size(), size_t(1));
    QCOMPARE(upstream.proxies[0].host, std::string("proxy.corp"));
    QCOMPARE(upstream.proxies[0].port, uint16_t(3128));
    UpstreamProxySelector selector(upstream);
    auto proxy = selector.select("example.com");
    QVERIFY(proxy);
    QCOMPARE(proxy->name, std::string(kPriorProxyName));
    QVERIFY(!selector.select("127.0.0.1"));
    QVERIFY(!selector.select("wiki.intranet"));

    auto unchained = unchainPriorProxy(**chained);
    QVERIFY(!priorProxyChained(*unchained));
    QVERIFY(!unchained->policies->upstreamProxies.enabled);
  }

  void refusedWhenItWouldLoopOrJoinTheUsersProxies() {
    EngineConfig config;
    config.listen = {"127.0.0.1", 8080};
    QVERIFY(!chainPriorProxy(config, "127.0.0.1:8080", {}).ok());  // Proxyscope itself
    QVERIFY(!chainPriorProxy(config, "not a proxy:x", {}).ok());
    auto policies = std::make_shared<PolicyConfig>();
    policies->upstreamProxies.enabled = true;
    policies->upstreamProxies.proxies.push_back(UpstreamProxyConfig{});
    config.policies = policies;
    auto refused = chainPriorProxy(config, "proxy.corp:3128", {});
    QVERIFY(!refused.ok());
    QVERIFY(refused.error().message.find("configured already") != std::string::npos);
  }
};

QTEST_APPLESS_MAIN(TestPriorProxyChain)
#include "test_prior_proxy_chain.moc"
