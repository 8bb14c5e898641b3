// Policies through the real engine (issue 10): real curl clients and the in-test origin. Cache (a
// fresh response served without the origin, Vary, 304 revalidation, no-store), filtering (403 naming
// the rule, allow-list), anonymity (what the origin saw), rate limiting (429 + Retry-After).
#include <QtTest>

#include <csignal>

#include "engine/policy/policy_config.h"
#include "tests/support/policy_test_support.h"
#include "tests/support/proxy_harness.h"
#include "tests/support/proxy_process.h"
#include "tests/support/test_support.h"
#include "tests/support/test_origin.h"

using namespace ps::engine;
using namespace ps::test;
using namespace std::chrono_literals;

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

}  // namespace

class TestPolicies : public QObject {
  Q_OBJECT
 private slots:
  // The real binary: a policies-only --config keeps forward mode, and its block rule answers 403
  // naming the rule; a reverse file with a "policies" key is accepted too.
  void policiesOnlyConfigFileKeepsForwardMode() {
    TestOrigin origin;
    QTemporaryDir dir;
    QFile file(dir.filePath("policies.json"));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(R"({"policies": {"filter": {"enabled": true, "mode": "block",
                   "block": [{"name": "no-admin", "expression": "path:/admin"}]}}})");
    file.close();
    ProxyProcess proxy;
    QVERIFY2(proxy.start({"--config", file.fileName(), "--data-dir", dir.path()}), qPrintable(proxy.output() + proxy.errors()));
    QVERIFY2(proxy.output().contains("forward proxy listening"), qPrintable(proxy.output()));
    auto ok = run("curl", {"-s", "--max-time", "10", "-x", proxy.proxyUrl(), q(origin.url("/hello"))});
    QCOMPARE(ok.out, QByteArray("hello world\n"));
    auto blocked = run("curl", {"-s", "-i", "--max-time", "10", "-x", proxy.proxyUrl(), q(origin.url("/admin/x"))});
    QVERIFY2(blocked.out.startsWith("HTTP/1.1 403"), blocked.out.constData());
    QVERIFY2(blocked.out.contains("no-admin"), blocked.out.constData());
    QCOMPARE(origin.requests().size(), size_t(1));
    QCOMPARE(proxy.stop(SIGTERM), 0);

    // A file with pools is reverse mode, and the start line says so (with its "policies" too).
    QFile reverse(dir.filePath("reverse.json"));
    QVERIFY(reverse.open(QIODevice::WriteOnly));
    const std::string reverseJson = "{\"listeners\": [{\"listen\": \"127.0.0.1:0\"}], \"pools\": {\"app\": {\"backends\": "
                                    "[{\"url\": \"" + origin.url("") + "\"}]}}, \"policies\": {\"cache\": {\"enabled\": true}}}";
    reverse.write(QByteArray::fromStdString(reverseJson));
    reverse.close();
    ProxyProcess reverseProxy;
    QVERIFY2(reverseProxy.start({"--config", reverse.fileName(), "--data-dir", dir.path()}),
             qPrintable(reverseProxy.output() + reverseProxy.errors()));
    QVERIFY2(reverseProxy.output().contains("reverse proxy listening"), qPrintable(reverseProxy.output()));
    QCOMPARE(reverseProxy.stop(SIGTERM), 0);
  }

  void cacheServesFreshResponseWithoutOrigin() {
    TestOrigin origin;
    ProxyHarness proxy(withPolicies([](PolicyConfig& p) { p.cache.enabled = true; }));
    auto first = proxy.curl({q(origin.url("/cacheable"))});
    QCOMPARE(first.exitCode, 0);
    QCOMPARE(first.out, QByteArray("cacheable #0\n"));
    proxy.finishedFlows(1);  // stored after the first response completed
    auto second = proxy.curl({"-i", q(origin.url("/cacheable"))});
    QCOMPARE(second.exitCode, 0);
    QVERIFY2(second.out.endsWith("cacheable #0\n"), second.out.constData());
    QVERIFY(second.out.contains("X-Proxyscope-Cache: HIT"));
    QCOMPARE(origin.requests().size(), size_t(1));  // the origin was not contacted again
    auto flows = proxy.finishedFlows(2);
    QCOMPARE(flows.size(), size_t(2));
    QVERIFY2(flows[0]->hasTag("cache:MISS"), tagsOf(flows[0]).c_str());
    QVERIFY2(flows[1]->hasTag("cache:HIT"), tagsOf(flows[1]).c_str());
    QCOMPARE(counter(proxy.engine(), "cache.hits"), uint64_t(1));
    QCOMPARE(proxy.engine().purgeCache(), size_t(1));
    auto third = proxy.curl({q(origin.url("/cacheable"))});
    QCOMPARE(third.out, QByteArray("cacheable #1\n"));  // purged: fetched again
  }

  void cacheRespectsVary() {
    TestOrigin origin;
    ProxyHarness proxy(withPolicies([](PolicyConfig& p) { p.cache.enabled = true; }));
    const std::string url = origin.url("/cacheable?vary=Accept-Language");
    auto en = proxy.curl({"-H", "Accept-Language: en", q(url)});
    proxy.finishedFlows(1);
    auto de = proxy.curl({"-H", "Accept-Language: de", q(url)});
    proxy.finishedFlows(2);
    auto enAgain = proxy.curl({"-H", "Accept-Language: en", q(url)});
    QCOMPARE(en.out, QByteArray("cacheable #0 Accept-Language=en\n"));
    QCOMPARE(de.out, QByteArray("cacheable #1 Accept-Language=de\n"));
    QCOMPARE(enAgain.out, en.out);
    QCOMPARE(origin.requests().size(), size_t(2));
  }

  void cacheRevalidatesWith304() {
    TestOrigin origin;
    ProxyHarness proxy(withPolicies([](PolicyConfig& p) { p.cache.enabled = true; }));
    const std::string url = origin.url("/cacheable?cc=no-cache");
    auto first = proxy.curl({q(url)});
    QCOMPARE(first.out, QByteArray("cacheable #0\n"));
    proxy.finishedFlows(1);
    auto second = proxy.curl({q(url)});
    QCOMPARE(second.exitCode, 0);
    QCOMPARE(second.out, QByteArray("cacheable #0\n"));  // the stored body, served after the 304
    auto requests = origin.requests();
    QCOMPARE(requests.size(), size_t(2));
    QCOMPARE(requests[1].header("If-None-Match"), std::string("\"v1\""));
    auto flows = proxy.finishedFlows(2);
    QVERIFY2(flows[1]->hasTag("cache:REVALIDATED"), tagsOf(flows[1]).c_str());
    QCOMPARE(flows[1]->response->status, 200);
  }

  void noStoreIsNeverCached() {
    TestOrigin origin;
    ProxyHarness proxy(withPolicies([](PolicyConfig& p) { p.cache.enabled = true; }));
    const std::string url = origin.url("/cacheable?cc=no-store");
    auto first = proxy.curl({q(url)});
    proxy.finishedFlows(1);
    auto second = proxy.curl({q(url)});
    QCOMPARE(first.out, QByteArray("cacheable #0\n"));
    QCOMPARE(second.out, QByteArray("cacheable #1\n"));
    QCOMPARE(origin.requests().size(), size_t(2));
    auto flows = proxy.finishedFlows(2);
    bool notStored = false;
    for (const auto& t : flows[0]->tags) notStored = notStored || t.rfind("cache-not-stored:", 0) == 0;
    QVERIFY2(notStored, tagsOf(flows[0]).c_str());
  }

  void filterBlocksWith403NamingTheRule() {
    TestOrigin origin;
    ProxyHarness proxy(withPolicies([](PolicyConfig& p) {
      p.filter.enabled = true;
      p.filter.block.push_back({"no-echo", "path:/echo"});
    }));
    auto blocked = proxy.curl({"-i", q(origin.url("/echo"))});
    QVERIFY2(blocked.out.startsWith("HTTP/1.1 403"), blocked.out.constData());
    QVERIFY(blocked.out.contains("no-echo"));
    auto passed = proxy.curl({q(origin.url("/hello"))});
    QCOMPARE(passed.out, QByteArray("hello world\n"));
    QCOMPARE(origin.requests().size(), size_t(1));
    auto flows = proxy.finishedFlows(2);
    QVERIFY2(flows[0]->hasTag("blocked:no-echo"), tagsOf(flows[0]).c_str());
    QCOMPARE(counter(proxy.engine(), "filter.blocked"), uint64_t(1));
  }

  void allowListBlocksEverythingElse() {
    TestOrigin origin;
    ProxyHarness proxy(withPolicies([](PolicyConfig& p) {
      p.filter.enabled = true;
      p.filter.allowList = true;
      p.filter.allow.push_back({"hello-only", "path:/hello"});
    }));
    QCOMPARE(proxy.curl({q(origin.url("/hello"))}).out, QByteArray("hello world\n"));
    auto other = proxy.curl({"-i", q(origin.url("/echo"))});
    QVERIFY2(other.out.startsWith("HTTP/1.1 403"), other.out.constData());
    QCOMPARE(origin.requests().size(), size_t(1));
  }

  void anonymityStripsIdentifyingFields() {
    TestOrigin origin;
    ProxyHarness proxy(withPolicies([](PolicyConfig& p) { p.anonymity.enabled = true; }));
    auto r = proxy.curl({"-A", "secret-agent/1.0", "-H", "Accept-Language: de", "-H", "Referer: http://me.example/",
                         "-H", "X-Keep: yes", q(origin.url("/echo"))});
    QCOMPARE(r.exitCode, 0);
    auto requests = origin.requests();
    QCOMPARE(requests.size(), size_t(1));
    QCOMPARE(requests[0].header("User-Agent"), std::string());
    QCOMPARE(requests[0].header("Accept-Language"), std::string());
    QCOMPARE(requests[0].header("Referer"), std::string());
    QCOMPARE(requests[0].header("X-Keep"), std::string("yes"));
    QCOMPARE(requests[0].header("X-Forwarded-For"), std::string());
    QCOMPARE(requests[0].header("Via"), std::string());
    auto flows = proxy.finishedFlows(1);
    bool tagged = false;
    for (const auto& t : flows[0]->tags) tagged = tagged || t.find("anonymized:") == 0;
    QVERIFY2(tagged, tagsOf(flows[0]).c_str());
  }

  void rateLimitAnswers429WithRetryAfter() {
    TestOrigin origin;
    ProxyHarness proxy(withPolicies([](PolicyConfig& p) {
      p.rateLimit.enabled = true;
      p.rateLimit.perSecond = 1;
      p.rateLimit.burst = 3;
    }));
    const int total = 10;
    auto start = std::chrono::steady_clock::now();
    int ok = 0, limited = 0;
    bool retryAfter = true;
    for (int i = 0; i < total; ++i) {
      auto r = proxy.curl({"-i", q(origin.url("/hello"))});
      if (r.out.startsWith("HTTP/1.1 200")) ++ok;
      if (r.out.startsWith("HTTP/1.1 429")) {
        ++limited;
        retryAfter = retryAfter && r.out.contains("Retry-After: ");
      }
    }
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    // The bucket admits the burst plus the rate over the elapsed time, no more.
    QVERIFY2(ok >= 3, QByteArray::number(ok).constData());
    QVERIFY2(ok <= 3 + static_cast<int>(elapsed * 1.0) + 1, QByteArray::number(ok).constData());
    QCOMPARE(ok + limited, total);
    QVERIFY(limited > 0);
    QVERIFY(retryAfter);
    QCOMPARE(origin.requests().size(), size_t(ok));
    QCOMPARE(counter(proxy.engine(), "rateLimit.limited"), uint64_t(limited));
  }
};

QTEST_APPLESS_MAIN(TestPolicies)
#include "test_policies.moc"
