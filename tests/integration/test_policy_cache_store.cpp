// The Cache policy beyond serving (issue 10): purge by filter (two hosts cached, one purged: its next
// request goes to the origin, the other's is still a HIT), persistence in the session file (two runs
// of the real binary on one --session: the second serves a HIT without the origin), and a config
// swap (a policy switched off and on) keeping both the cache and the counters.
#include <QtTest>

#include <csignal>

#include "engine/policy/cache_persistence.h"
#include "engine/policy/policy_config.h"
#include "engine/store/flow_reader.h"
#include "engine/store/flow_store.h"
#include "tests/support/policy_test_support.h"
#include "tests/support/proxy_harness.h"
#include "tests/support/proxy_process.h"
#include "tests/support/test_origin.h"
#include "tests/support/test_support.h"

using namespace ps::engine;
using namespace ps::test;

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

// The same origin under two host names: "localhost" (a) and "127.0.0.1" (b).
std::string urlOnHost(const TestOrigin& origin, const std::string& host, const std::string& path) {
  return "http://" + host + ":" + std::to_string(origin.port()) + path;
}

size_t originRequestsFor(const TestOrigin& origin, const std::string& host) {
  size_t n = 0;
  for (const auto& r : origin.requests()) {
    if (r.header("Host").rfind(host + ":", 0) == 0) ++n;
  }
  return n;
}

std::function<void(EngineConfig&)> cacheOn() {
  return withPolicies([](PolicyConfig& p) { p.cache.enabled = true; });
}

}  // namespace

class TestPolicyCacheStore : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() {
    // "localhost" must reach the loopback origin for the two-host test.
    auto probe = run("getent", {"hosts", "localhost"});
    if (probe.exitCode != 0) QSKIP("localhost does not resolve here");
  }

  void purgeByFilterRemovesOnlyMatchingHost() {
    TestOrigin origin;
    ProxyHarness proxy(cacheOn());
    const std::string a = urlOnHost(origin, "localhost", "/cacheable");
    const std::string b = urlOnHost(origin, "127.0.0.1", "/cacheable");
    QCOMPARE(proxy.curl({q(a)}).out, QByteArray("cacheable #0\n"));
    QCOMPARE(proxy.curl({q(b)}).out, QByteArray("cacheable #1\n"));
    proxy.finishedFlows(2);
    QCOMPARE(counter(proxy.engine(), "cache.entries"), uint64_t(2));

    // An invalid expression is refused and purges nothing.
    auto bad = proxy.engine().purgeCacheMatching("hots:localhost");
    QVERIFY(!bad.ok());
    QVERIFY2(bad.error().message.find("hots") != std::string::npos, bad.error().message.c_str());
    QCOMPARE(counter(proxy.engine(), "cache.entries"), uint64_t(2));

    auto purged = proxy.engine().purgeCacheMatching("host:localhost");
    QVERIFY2(purged.ok(), purged.ok() ? "" : purged.error().message.c_str());
    QCOMPARE(*purged, size_t(1));

    // a goes to the origin again (MISS); b is still served from the cache (HIT).
    auto againA = proxy.curl({"-i", q(a)});
    QVERIFY2(againA.out.endsWith("cacheable #2\n"), againA.out.constData());
    QVERIFY(!againA.out.contains("X-Proxyscope-Cache: HIT"));
    auto againB = proxy.curl({"-i", q(b)});
    QVERIFY2(againB.out.endsWith("cacheable #1\n"), againB.out.constData());
    QVERIFY(againB.out.contains("X-Proxyscope-Cache: HIT"));
    QCOMPARE(originRequestsFor(origin, "localhost"), size_t(2));
    QCOMPARE(originRequestsFor(origin, "127.0.0.1"), size_t(1));
    auto flows = proxy.finishedFlows(4);
    QVERIFY2(flows[2]->hasTag("cache:MISS"), tagsOf(flows[2]).c_str());
    QVERIFY2(flows[3]->hasTag("cache:HIT"), tagsOf(flows[3]).c_str());

    // Other fields work too (method, status), and a blank expression purges everything.
    QCOMPARE(proxy.engine().purgeCacheMatching("method:POST").value(), size_t(0));
    QCOMPARE(proxy.engine().purgeCacheMatching("status:200 path:/cacheable").value(), size_t(2));
    QCOMPARE(counter(proxy.engine(), "cache.entries"), uint64_t(0));
  }

  // Two runs of the real binary on one session file: the second serves the first one's entry.
  void persistedCacheSurvivesARestart() {
    TestOrigin origin;
    QTemporaryDir dir;
    QFile file(dir.filePath("cache.json"));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(R"({"policies": {"cache": {"enabled": true, "persist": true}}})");
    file.close();
    const QString session = dir.filePath("run.pxsession");
    const QStringList args{"--config", file.fileName(), "--data-dir", dir.path(), "--session", session};
    {
      ProxyProcess first;
      QVERIFY2(first.start(args), qPrintable(first.output() + first.errors()));
      auto r = run("curl", {"-s", "--max-time", "10", "-x", first.proxyUrl(), q(origin.url("/cacheable"))});
      QCOMPARE(r.out, QByteArray("cacheable #0\n"));
      QCOMPARE(first.stop(SIGTERM), 0);
    }
    QCOMPARE(origin.requests().size(), size_t(1));
    {
      ProxyProcess second;
      QVERIFY2(second.start(args), qPrintable(second.output() + second.errors()));
      auto r = run("curl", {"-s", "-i", "--max-time", "10", "-x", second.proxyUrl(), q(origin.url("/cacheable"))});
      QVERIFY2(r.out.endsWith("cacheable #0\n"), r.out.constData());
      QVERIFY2(r.out.contains("X-Proxyscope-Cache: HIT"), r.out.constData());
      QCOMPARE(second.stop(SIGTERM), 0);
    }
    QCOMPARE(origin.requests().size(), size_t(1));  // the second run never asked the origin
    // The session is still a session: its flows are readable, the cache has a table of its own.
    auto reader = FlowReader::open(session.toStdString());
    QVERIFY2(reader.ok(), reader.ok() ? "" : reader.error().message.c_str());
  }

  // Two engine lifetimes in-process on one session file, through the Engine API.
  void attachCacheSessionLoadsWhatTheLastEngineKept() {
    TestOrigin origin;
    QTemporaryDir dir;
    const std::string session = dir.filePath("api.pxsession").toStdString();
    {
      StoreOptions options;
      options.mode = OpenMode::Create;
      auto store = FlowStore::open(session, options);  // the session file the app would record into
      QVERIFY(store.ok());
    }
    {
      ProxyHarness proxy(cacheOn());
      QCOMPARE(proxy.engine().attachCacheSession(session).value(), size_t(0));
      QCOMPARE(proxy.curl({q(origin.url("/cacheable"))}).out, QByteArray("cacheable #0\n"));
      proxy.finishedFlows(1);
    }
    {
      ProxyHarness proxy(cacheOn());
      QCOMPARE(proxy.engine().attachCacheSession(session).value(), size_t(1));
      auto r = proxy.curl({"-i", q(origin.url("/cacheable"))});
      QVERIFY2(r.out.endsWith("cacheable #0\n"), r.out.constData());
      QVERIFY2(r.out.contains("X-Proxyscope-Cache: HIT"), r.out.constData());
      // A purge reaches the file too: the next engine starts empty.
      QCOMPARE(proxy.engine().purgeCache(), size_t(1));
    }
    {
      ProxyHarness proxy(cacheOn());
      QCOMPARE(proxy.engine().attachCacheSession(session).value(), size_t(0));
    }
    QCOMPARE(origin.requests().size(), size_t(1));
    // Not a session file: a clear error naming it.
    auto missing = ProxyHarness(cacheOn()).engine().attachCacheSession(dir.filePath("nope/x.pxsession").toStdString());
    QVERIFY(!missing.ok());
    QVERIFY2(missing.error().message.find("nope/x.pxsession") != std::string::npos, missing.error().message.c_str());
  }

  // Switching a policy off and on (a config swap) keeps the cache and the counters.
  void configSwapKeepsCacheAndCounters() {
    TestOrigin origin;
    ProxyHarness proxy(cacheOn());
    proxy.curl({q(origin.url("/cacheable"))});
    proxy.finishedFlows(1);
    proxy.curl({q(origin.url("/cacheable"))});
    proxy.finishedFlows(2);
    QCOMPARE(counter(proxy.engine(), "cache.hits"), uint64_t(1));
    auto swap = [&](bool on) {
      auto next = std::make_shared<EngineConfig>(*proxy.engine().config());
      auto policies = std::make_shared<PolicyConfig>(*next->policies);
      policies->cache.enabled = on;
      next->policies = policies;
      proxy.engine().setConfig(next);
    };
    swap(false);
    // Off: the origin is asked, nothing is counted, the entry stays.
    QCOMPARE(proxy.curl({q(origin.url("/cacheable"))}).out, QByteArray("cacheable #1\n"));
    proxy.finishedFlows(3);
    QCOMPARE(counter(proxy.engine(), "cache.hits"), uint64_t(1));
    QCOMPARE(counter(proxy.engine(), "cache.misses"), uint64_t(1));
    QCOMPARE(counter(proxy.engine(), "cache.entries"), uint64_t(1));
    swap(true);
    auto r = proxy.curl({"-i", q(origin.url("/cacheable"))});
    QVERIFY2(r.out.endsWith("cacheable #0\n"), r.out.constData());  // the entry stored before the swaps
    proxy.finishedFlows(4);
    QCOMPARE(counter(proxy.engine(), "cache.hits"), uint64_t(2));
    QCOMPARE(counter(proxy.engine(), "cache.misses"), uint64_t(1));
    QCOMPARE(origin.requests().size(), size_t(2));
  }
};

QTEST_GUILESS_MAIN(TestPolicyCacheStore)
#include "test_policy_cache_store.moc"
