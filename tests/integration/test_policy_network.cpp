// The network-conditions policy end to end (issue 10): the engine in-process, real curl as the
// client, in-test origins on 127.0.0.1. Throttling is asserted as a measured RATE within 10% of the
// setting (curl's own %{speed_download}/%{speed_upload}); latency only as a lower bound; failure
// injection by what the client and the origin saw; reverse mode by the balancer's passive ejection.
#include <QtTest>

#include <algorithm>
#include <chrono>
#include <thread>

#include "engine/policy/policy_config.h"
#include "engine/proxy/reverse_config.h"
#include "tests/support/policy_test_support.h"
#include "tests/support/proxy_harness.h"
#include "tests/support/test_origin.h"
#include "tests/support/test_support.h"

using namespace ps::engine;
using namespace ps::test;

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

std::shared_ptr<PolicyConfig> rulePolicies(const NetworkConditions& rule) {
  auto policies = std::make_shared<PolicyConfig>();
  policies->networkConditions.enabled = true;
  policies->networkConditions.rules.push_back(rule);
  return policies;
}

std::unique_ptr<ProxyHarness> forwardProxy(const NetworkConditions& rule) {
  auto policies = rulePolicies(rule);
  return std::make_unique<ProxyHarness>([policies](EngineConfig& c) { c.policies = policies; });
}

size_t requestsTo(const TestOrigin& origin, const std::string& prefix) {
  auto all = origin.requests();
  return static_cast<size_t>(std::count_if(all.begin(), all.end(), [&](const OriginRequest& r) {
    return r.target.rfind(prefix, 0) == 0;
  }));
}

// Pool "app" with b1 and b2, no active health checks (only passive ejection decides), one retry.
std::string twoBackendPool(const TestOrigin& b1, const TestOrigin& b2) {
  return "{\"pools\":{\"app\":{\"strategy\":\"round-robin\",\"retries\":1,\"healthCheck\":{\"enabled\":false},"
         "\"ejection\":{\"consecutiveFailures\":2,\"cooldownMs\":60000},\"backends\":["
         "{\"name\":\"b1\",\"url\":\"" + b1.url("") + "\"},{\"name\":\"b2\",\"url\":\"" + b2.url("") + "\"}]}}}";
}

}  // namespace

class TestPolicyNetwork : public QObject {
  Q_OBJECT
 private slots:
  // ~1 MB through a 512 KiB/s cap: curl's measured average rate is within 10% of the setting.
  void downloadRateWithinTenPercent() {
    TestOrigin origin;
    NetworkConditions rule;
    rule.hostPattern = "127.0.0.1";
    rule.downloadBytesPerSecond = 512 * 1024;
    auto proxy = forwardProxy(rule);
    const uint64_t size = 1024 * 1024;
    auto r = proxy->curl({"-o", "/dev/null", "-w", "%{size_download} %{speed_download}",
                          q(origin.url("/big?size=" + std::to_string(size)))});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    auto parts = QString::fromUtf8(r.out).split(' ');
    QCOMPARE(parts.size(), qsizetype(2));
    QCOMPARE(parts[0].toULongLong(), size);
    double speed = parts[1].toDouble();
    double expected = rule.downloadBytesPerSecond;
    qInfo("download: measured %.0f B/s for a setting of %.0f B/s", speed, expected);
    QVERIFY2(std::abs(speed - expected) <= 0.10 * expected,
             qPrintable(QString("measured %1 B/s, setting %2 B/s").arg(speed).arg(expected)));
    auto flows = proxy->finishedFlows(1);
    QCOMPARE(flows.size(), size_t(1));
    QVERIFY(anyTagStartingWith(flows[0], "network:127.0.0.1"));
    QVERIFY(anyTagStartingWith(flows[0], "network-applied:down=512KBps"));
    QCOMPARE(flows[0]->response->body.size, size);
  }

  // ~1 MB request body through a 512 KiB/s upload cap: the rate the proxy sent it on at, as curl
  // measures its upload (it cannot send faster than the proxy drains it, once socket buffers fill).
  void uploadRateWithinTenPercent() {
    TestOrigin origin;
    NetworkConditions rule;
    rule.hostPattern = "127.0.0.1";
    rule.uploadBytesPerSecond = 512 * 1024;
    auto proxy = forwardProxy(rule);
    const uint64_t size = 1024 * 1024;
    QTemporaryDir dir;
    QString file = dir.filePath("body.bin");
    {
      QFile f(file);
      QVERIFY(f.open(QIODevice::WriteOnly));
      f.write(QByteArray::fromStdString(seededBytes(size, 7)));
    }
    auto r = proxy->curl({"-o", "/dev/null", "-H", "Expect:", "--data-binary", "@" + file, "-w",
                          "%{size_upload} %{speed_upload}", q(origin.url("/echo"))});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    auto parts = QString::fromUtf8(r.out).split(' ');
    QCOMPARE(parts.size(), qsizetype(2));
    QCOMPARE(parts[0].toULongLong(), size);
    double speed = parts[1].toDouble();
    double expected = rule.uploadBytesPerSecond;
    qInfo("upload: measured %.0f B/s for a setting of %.0f B/s", speed, expected);
    QVERIFY2(std::abs(speed - expected) <= 0.10 * expected,
             qPrintable(QString("measured %1 B/s, setting %2 B/s").arg(speed).arg(expected)));
    auto requests = origin.requests();
    QCOMPARE(requests.size(), size_t(1));
    QCOMPARE(requests[0].bodyLength, size);
  }

  // Lower bound only: the exchange takes at least the configured latency.
  void latencyAddsAtLeastTheSetting() {
    TestOrigin origin;
    NetworkConditions rule;
    rule.hostPattern = "*";
    rule.latency = std::chrono::milliseconds(400);
    auto proxy = forwardProxy(rule);
    auto r = proxy->curl({"-s", "-o", "/dev/null", "-w", "%{http_code} %{time_total}", q(origin.url("/hello"))});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    auto parts = QString::fromUtf8(r.out).split(' ');
    QCOMPARE(parts[0], QString("200"));
    QVERIFY2(parts[1].toDouble() >= 0.4, r.out.constData());
    auto flows = proxy->finishedFlows(1);
    QVERIFY(anyTagStartingWith(flows[0], "network-applied:latency=400ms"));
  }

  void injectedServerErrorsAnswerEveryRequest() {
    TestOrigin origin;
    NetworkConditions rule;
    rule.name = "flaky";
    rule.hostPattern = "127.0.0.1";
    rule.failureRate = 1.0;
    rule.failure = NetworkConditions::Failure::ServerError;
    rule.failureStatus = 503;
    auto proxy = forwardProxy(rule);
    for (int i = 0; i < 5; ++i) {
      auto r = proxy->curl({"-i", q(origin.url("/hello"))});
      QVERIFY2(r.out.startsWith("HTTP/1.1 503"), r.out.constData());
      QVERIFY2(r.out.contains("injected by Proxyscope network conditions rule 'flaky'"), r.out.constData());
    }
    QCOMPARE(origin.requests().size(), size_t(0));  // answered by the proxy: the origin never saw them
    auto flows = proxy->finishedFlows(5);
    QCOMPARE(flows.size(), size_t(5));
    for (const auto& f : flows) {
      QVERIFY(anyTagStartingWith(f, "network:flaky"));
      QVERIFY(anyTagStartingWith(f, "network-applied:injected=503"));
    }
  }

  void injectedResetClosesTheClient() {
    TestOrigin origin;
    NetworkConditions rule;
    rule.hostPattern = "127.0.0.1";
    rule.failureRate = 1.0;
    rule.failure = NetworkConditions::Failure::Reset;
    auto proxy = forwardProxy(rule);
    auto r = proxy->curl({"-i", q(origin.url("/hello"))});
    // 52: empty reply from server; 56: connection reset by peer (the proxy closes with RST).
    QVERIFY2(r.exitCode == 52 || r.exitCode == 56, qPrintable(QString::number(r.exitCode) + " " + r.err));
    QVERIFY(r.out.isEmpty());
    qInfo("curl exit %d: %s", r.exitCode, r.err.trimmed().constData());
    QCOMPARE(origin.requests().size(), size_t(0));
    auto flows = proxy->finishedFlows(1);
    QVERIFY(anyTagStartingWith(flows[0], "network-applied:injected=reset"));
  }

  void nonMatchingRuleLeavesTrafficAlone() {
    TestOrigin origin;
    NetworkConditions rule;
    rule.hostPattern = "*.example";
    rule.failureRate = 1.0;
    rule.latency = std::chrono::milliseconds(2000);
    auto proxy = forwardProxy(rule);
    auto r = proxy->curl({"-i", q(origin.url("/hello"))});
    QVERIFY2(r.out.startsWith("HTTP/1.1 200"), r.out.constData());
    QVERIFY(r.out.endsWith("hello world\n"));
    auto flows = proxy->finishedFlows(1);
    QVERIFY(!anyTagStartingWith(flows[0], "network"));
  }

  // Reverse mode: a rule that fails every attempt on backend "b1" makes the balancer see b1 failing:
  // the requests are retried on b2, and after the configured consecutive failures b1 is ejected.
  void reverseFailingBackendIsEjected() {
    TestOrigin b1, b2;
    std::string json = twoBackendPool(b1, b2);
    auto parsed = parseReverseConfig(json, "test.json");
    QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().message.c_str());
    auto reverse = std::make_shared<const ReverseConfig>(std::move(parsed.value()));
    NetworkConditions rule;
    rule.hostPattern = "b1";
    rule.failureRate = 1.0;
    rule.failure = NetworkConditions::Failure::ServerError;
    auto policies = rulePolicies(rule);
    ProxyHarness proxy([reverse, policies](EngineConfig& c) {
      c.mode = ProxyMode::Reverse;
      c.reverse = reverse;
      c.policies = policies;
    });
    const int n = 8;
    for (int i = 0; i < n; ++i) {
      auto r = run("curl", {"-sS", "-i", "--max-time", "10", q("http://127.0.0.1:" + std::to_string(proxy.port()) + "/hello")});
      QVERIFY2(r.out.startsWith("HTTP/1.1 200"), r.out.constData());  // retried on b2
    }
    QCOMPARE(requestsTo(b1, "/hello"), size_t(0));
    QCOMPARE(requestsTo(b2, "/hello"), size_t(n));
    QVERIFY(waitFor([&] {
      for (const auto& s : proxy.engine().backendStats()) {
        if (s.name == "b1") return s.status == BackendStatus::Ejected && s.errors >= 2;
      }
      return false;
    }, std::chrono::seconds(5)));
    for (const auto& s : proxy.engine().backendStats()) {
      if (s.name == "b1") QVERIFY2(s.lastError.find("injected by network conditions rule 'b1'") != std::string::npos, s.lastError.c_str());
      if (s.name == "b2") QCOMPARE(s.status, BackendStatus::Healthy);
    }
    auto flows = proxy.finishedFlows(n);
    QCOMPARE(flows.size(), size_t(n));
    size_t shaped = 0;
    for (const auto& f : flows) {
      QCOMPARE(f->backend, std::string("b2"));
      if (anyTagStartingWith(f, "network:b1")) {
        ++shaped;
        QVERIFY(anyTagStartingWith(f, "network-applied:injected=backend-failure"));
        QCOMPARE(f->attempts.size(), size_t(2));  // b1 (failed), then b2
        QCOMPARE(f->attempts[0].backend, std::string("b1"));
        QCOMPARE(f->attempts[0].outcome, std::string("connect-failed"));
      }
    }
    // Round-robin offered b1 until it was ejected after two failed attempts.
    QCOMPARE(shaped, size_t(2));
  }
};

QTEST_GUILESS_MAIN(TestPolicyNetwork)
#include "test_policy_network.moc"
