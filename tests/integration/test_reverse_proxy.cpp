// Reverse proxy end to end: the engine in-process on 127.0.0.1 port 0 in front of three real demo
// backends (DemoBackends), driven by curl (keep-alive: many URLs in one invocation). Distribution per
// strategy, a backend killed mid-run and restarted, all down (503), slow backend (504), forwarding
// headers as the backend saw them, and config errors from the real binary.
#include <QtTest>

#include <nlohmann/json.hpp>
#include <signal.h>
#include <thread>

#include "engine/proxy/demo_backend.h"
#include "engine/proxy/reverse_config.h"
#include "tests/support/proxy_harness.h"
#include "tests/support/proxy_process.h"

using namespace ps::engine;
using ps::test::ProxyHarness;
using ps::test::waitFor;

namespace {

// A reverse config over the demo backends; `pool` holds extra pool members as JSON text.
std::shared_ptr<const ReverseConfig> configFor(const DemoBackends& demo, const std::string& strategy,
                                               const std::vector<unsigned>& weights = {},
                                               const std::string& pool = {}, int healthIntervalMs = 100) {
  std::string backends;
  auto urls = demo.urls();
  auto names = demo.names();
  for (size_t i = 0; i < urls.size(); ++i) {
    if (!backends.empty()) backends += ",";
    backends += R"({"name":")" + names[i] + R"(","url":")" + urls[i] + "\"";
    if (i < weights.size()) backends += ",\"weight\":" + std::to_string(weights[i]);
    backends += "}";
  }
  std::string json = R"({"pools":{"app":{"strategy":")" + strategy + R"(","backends":[)" + backends +
                     R"(],"healthCheck":{"intervalMs":)" + std::to_string(healthIntervalMs) +
                     R"(,"timeoutMs":500,"unhealthyAfter":1})" + pool + "}}}";
  auto parsed = parseReverseConfig(json, "test.json");
  if (!parsed) qFatal("config: %s", parsed.error().message.c_str());
  return std::make_shared<const ReverseConfig>(std::move(parsed.value()));
}

std::unique_ptr<ProxyHarness> proxyFor(std::shared_ptr<const ReverseConfig> reverse) {
  return std::make_unique<ProxyHarness>([&](EngineConfig& c) {
    c.mode = ProxyMode::Reverse;
    c.reverse = reverse;
  });
}

// n requests over keep-alive connections (one curl run) to path; returns the response bodies'
// "backend" fields in order, and "status:N" for non-JSON answers.
struct Run {
  std::vector<std::string> backends;
  QByteArray out;
  QByteArray err;
  int exitCode = -1;
  int count(const std::string& name) const { return static_cast<int>(std::count(backends.begin(), backends.end(), name)); }
};

Run requests(const ProxyHarness& proxy, int n, const std::string& path = "/", QStringList extra = {}) {
  QStringList args{"-sS", "--max-time", "60", "-w", "\n"};
  args += extra;
  for (int i = 0; i < n; ++i) args << QString::fromStdString("http://127.0.0.1:" + std::to_string(proxy.port()) + path);
  auto r = ps::test::run("curl", args, 90000);
  Run out;
  out.out = r.out;
  out.err = r.err;
  out.exitCode = r.exitCode;
  for (const QByteArray& line : r.out.split('\n')) {
    if (line.trimmed().isEmpty()) continue;
    auto j = nlohmann::json::parse(line.toStdString(), nullptr, false);
    out.backends.push_back(j.is_object() && j.contains("backend") ? j["backend"].get<std::string>()
                                                                    : "other:" + line.left(60).toStdString());
  }
  return out;
}

BackendStatus statusOf(Engine& engine, const std::string& name) {
  for (const auto& s : engine.backendStats()) {
    if (s.name == name) return s.status;
  }
  return BackendStatus::Disabled;
}

}  // namespace

class TestReverseProxy : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    auto started = m_demo.start(3);
    QVERIFY2(started.ok(), started.ok() ? "" : started.error().message.c_str());
  }

  void roundRobinIsEven() {
    auto proxy = proxyFor(configFor(m_demo, "round-robin"));
    auto r = requests(*proxy, 300);
    QCOMPARE(int(r.backends.size()), 300);
    QCOMPARE(r.count("demo-1"), 100);
    QCOMPARE(r.count("demo-2"), 100);
    QCOMPARE(r.count("demo-3"), 100);
    // Consecutive requests on one keep-alive connection still rotate.
    QVERIFY(r.backends[0] != r.backends[1] && r.backends[1] != r.backends[2]);
    auto flows = proxy->finishedFlows(300);
    QCOMPARE(flows.size(), size_t(300));
    QCOMPARE(flows[0]->attempts.size(), size_t(1));
    QCOMPARE(flows[0]->backend, flows[0]->attempts[0].backend);
    QCOMPARE(flows[0]->mode, ProxyMode::Reverse);
  }

  void weightedIsProportional() {
    auto proxy = proxyFor(configFor(m_demo, "weighted", {3, 2, 1}));
    auto r = requests(*proxy, 300);
    QCOMPARE(r.count("demo-1"), 150);
    QCOMPARE(r.count("demo-2"), 100);
    QCOMPARE(r.count("demo-3"), 50);
  }

  void leastConnectionsAndRandomTwo() {
    auto lc = proxyFor(configFor(m_demo, "least-connections"));
    auto r = requests(*lc, 300);
    // One request at a time: every backend is idle at each pick, ties rotate.
    QCOMPARE(r.count("demo-1"), 100);
    QCOMPARE(r.count("demo-2"), 100);
    QCOMPARE(r.count("demo-3"), 100);
    auto p2c = proxyFor(configFor(m_demo, "random-two"));
    auto p = requests(*p2c, 300);
    QCOMPARE(int(p.backends.size()), 300);
    for (const char* n : {"demo-1", "demo-2", "demo-3"}) QVERIFY2(p.count(n) > 50, n);
  }

  void ipHashIsStable() {
    auto proxy = proxyFor(configFor(m_demo, "ip-hash"));
    auto r = requests(*proxy, 300);
    QCOMPARE(int(r.backends.size()), 300);
    QCOMPARE(r.count(r.backends[0]), 300);  // one client address → one backend
  }

  void cookieIsSticky() {
    auto proxy = proxyFor(configFor(m_demo, "cookie"));
    QTemporaryDir dir;
    QString jar = dir.filePath("jar");
    auto r = requests(*proxy, 300, "/", {"-c", jar, "-b", jar});
    QCOMPARE(int(r.backends.size()), 300);
    QCOMPARE(r.count(r.backends[0]), 300);
    // Without the cookie, requests spread out again.
    auto fresh = requests(*proxy, 30);
    QVERIFY(fresh.count(fresh.backends[0]) < 30);
  }

  void killedBackendIsCoveredByRetries() {
    // The active check is slow at first (60 s), so that the requests, not the check, meet the dead
    // backend (on a loaded machine a 100 ms check could win the race and leave nothing to retry).
    const std::string ejection = R"(,"ejection":{"consecutiveFailures":2,"cooldownMs":60000})";
    auto proxy = proxyFor(configFor(m_demo, "round-robin", {}, ejection, 60'000));
    auto before = requests(*proxy, 30);
    QCOMPARE(before.count("demo-2"), 10);
    m_demo.stop(1);  // demo-2 refuses connections from now on
    auto during = requests(*proxy, 300);
    QCOMPARE(int(during.backends.size()), 300);  // no client saw an error
    QCOMPARE(during.count("demo-2"), 0);
    QCOMPARE(during.count("demo-1") + during.count("demo-3"), 300);
    QVERIFY(waitFor([&] { return statusOf(proxy->engine(), "demo-2") != BackendStatus::Healthy; }, std::chrono::seconds(5)));
    // The flows that met the dead backend record both attempts.
    auto flows = proxy->finishedFlows(330);
    bool sawRetry = false;
    for (const auto& f : flows) {
      if (f->attempts.size() == 2) {
        sawRetry = true;
        QCOMPARE(f->attempts[0].backend, std::string("demo-2"));
        QCOMPARE(f->attempts[0].outcome, std::string("connect-failed"));
        QVERIFY(f->attempts[1].backend != "demo-2");
        QCOMPARE(f->attempts[1].outcome, std::string("ok"));
        QVERIFY(!f->error.has_value());
      }
    }
    QVERIFY(sawRetry);
    // The health-change events were published.
    bool sawEvent = false;
    for (const auto& e : proxy->allEvents()) {
      if (e.type == FlowEventType::BackendHealth && e.detail.find("app/demo-2") != std::string::npos) sawEvent = true;
    }
    QVERIFY(sawEvent);
    // Restarted: the active check (100 ms from a run-time config swap; health state carries over)
    // brings it back long before the cool-down ends.
    QVERIFY(m_demo.restart(1).ok());
    auto faster = std::make_shared<EngineConfig>(*proxy->engine().config());
    faster->reverse = configFor(m_demo, "round-robin", {}, ejection, 100);
    proxy->engine().setConfig(faster);
    QVERIFY(waitFor([&] { return statusOf(proxy->engine(), "demo-2") == BackendStatus::Healthy; }, std::chrono::seconds(10)));
    auto after = requests(*proxy, 30);
    QCOMPARE(after.count("demo-2"), 10);
  }

  // Issue 7: a replay in reverse mode goes through the balancer, and its flow names the backend
  // that took it (round-robin: the next one after the original's).
  void replayGoesThroughTheBalancer() {
    auto proxy = proxyFor(configFor(m_demo, "round-robin"));
    auto r = requests(*proxy, 1);
    QCOMPARE(int(r.backends.size()), 1);
    auto flows = proxy->finishedFlows(1);
    QCOMPARE(flows.size(), size_t(1));
    FlowPtr original = flows[0];
    QCOMPARE(original->backend, r.backends[0]);
    auto id = proxy->engine().replay(original->request, original->id);
    QVERIFY2(id.ok(), id.ok() ? "" : id.error().message.c_str());
    flows = proxy->finishedFlows(2);
    QCOMPARE(flows.size(), size_t(2));
    FlowPtr replayed = flows[1];
    QCOMPARE(replayed->id, *id);
    QCOMPARE(replayed->replayOf, original->id);
    QVERIFY(!replayed->backend.empty());
    QVERIFY(replayed->backend != original->backend);
    QVERIFY(replayed->response.has_value());
    auto j = nlohmann::json::parse(replayed->response->body.captured, nullptr, false);
    QVERIFY2(j.is_object() && j.contains("backend"), replayed->response->body.captured.c_str());
    QCOMPARE(QString::fromStdString(j["backend"].get<std::string>()), QString::fromStdString(replayed->backend));
  }

  void allDownAnswers503() {
    DemoBackends gone;
    QVERIFY(gone.start(2, DemoBackendOptions{{}, 0, "gone-"}).ok());
    auto config = configFor(gone, "round-robin");
    gone.stop(0);
    gone.stop(1);
    auto proxy = proxyFor(config);
    QVERIFY(waitFor([&] {
      auto s = proxy->engine().backendStats();
      return s.size() == 2 && s[0].status == BackendStatus::Down && s[1].status == BackendStatus::Down;
    }, std::chrono::seconds(5)));
    auto r = ps::test::run("curl", {"-sS", "-i", "--max-time", "10", QString::fromStdString("http://127.0.0.1:" + std::to_string(proxy->port()) + "/")});
    QVERIFY2(r.out.startsWith("HTTP/1.1 503"), r.out.constData());
    QVERIFY2(r.out.contains("no healthy backend in pool 'app': gone-1 down"), r.out.constData());
    auto flows = proxy->finishedFlows(1);
    QVERIFY(!flows.empty() && flows.back()->error);
    QCOMPARE(flows.back()->error->kind, ErrorKind::NoBackend);
  }

  void slowBackendAnswers504() {
    auto proxy = proxyFor(configFor(m_demo, "round-robin", {}, R"(,"responseTimeoutMs":300)"));
    auto r = ps::test::run("curl", {"-sS", "-i", "--max-time", "10",
                                    QString::fromStdString("http://127.0.0.1:" + std::to_string(proxy->port()) + "/?delay=3000")});
    QVERIFY2(r.out.startsWith("HTTP/1.1 504"), r.out.constData());
    QVERIFY2(r.out.contains("did not answer within 300 ms"), r.out.constData());
    auto flows = proxy->finishedFlows(1);
    QCOMPARE(flows.back()->error->kind, ErrorKind::UpstreamTimeout);
    QCOMPARE(flows.back()->attempts.size(), size_t(1));  // a slow backend is not retried
  }

  void backendSeesForwardingHeaders() {
    auto proxy = proxyFor(configFor(m_demo, "round-robin"));
    std::string authority = "127.0.0.1:" + std::to_string(proxy->port());
    auto r = ps::test::run("curl", {"-sS", "--max-time", "10", "-H", "X-Forwarded-For: 203.0.113.9",
                                    QString::fromStdString("http://" + authority + "/seen")});
    auto j = nlohmann::json::parse(r.out.toStdString(), nullptr, false);
    QVERIFY2(j.is_object(), r.out.constData());
    std::map<std::string, std::string> seen;
    for (const auto& field : j["headers"]) seen[field[0].get<std::string>()] = field[1].get<std::string>();
    QCOMPARE(QString::fromStdString(seen["X-Forwarded-For"]), QString("203.0.113.9, 127.0.0.1"));
    QCOMPARE(QString::fromStdString(seen["X-Forwarded-Proto"]), QString("http"));
    QCOMPARE(QString::fromStdString(seen["X-Forwarded-Host"]), QString::fromStdString(authority));
    QCOMPARE(QString::fromStdString(seen["Forwarded"]),
             QString::fromStdString("for=127.0.0.1;host=\"" + authority + "\";proto=http"));
    QCOMPARE(QString::fromStdString(seen["Host"]), QString::fromStdString(authority));  // preserved
    QCOMPARE(QString::fromStdString(j["path"].get<std::string>()), QString("/seen"));
  }

  void adminAndConfigSwap() {
    auto proxy = proxyFor(configFor(m_demo, "round-robin"));
    Engine& engine = proxy->engine();
    QVERIFY(engine.adminBackend("app", "demo-1", BackendAdminAction::Disable).ok());
    auto r = requests(*proxy, 30);
    QCOMPARE(r.count("demo-1"), 0);
    QCOMPARE(r.count("demo-2") + r.count("demo-3"), 30);
    auto bad = engine.adminBackend("nope", "demo-1", BackendAdminAction::Enable);
    QVERIFY(!bad.ok());
    QCOMPARE(QString::fromStdString(bad.error().message), QString("no pool named 'nope'"));
    QVERIFY(engine.adminBackend("app", "demo-1", BackendAdminAction::Enable).ok());
    uint64_t demo2Before = 0;
    for (const auto& st : engine.backendStats()) {
      if (st.name == "demo-2") demo2Before = st.requests;
      QVERIFY(st.p50Micros > 0 || st.requests == 0);
    }
    QCOMPARE(demo2Before, uint64_t(15));
    // A new config at run time: weights change, counters carry over.
    auto next = std::make_shared<EngineConfig>(*engine.config());
    next->reverse = configFor(m_demo, "weighted", {1, 1, 4});
    engine.setConfig(next);
    for (const auto& st : engine.backendStats()) {
      if (st.name == "demo-2") QCOMPARE(st.requests, demo2Before);
    }
    auto after = requests(*proxy, 60);  // a new connection: the new config
    QCOMPARE(after.count("demo-3"), 40);
    QCOMPARE(after.count("demo-1"), 10);
  }

  void tlsTermination() {
    // https to Proxyscope with a certificate from its CA; plain http to the backend.
    QTemporaryDir dataDir;
    ReverseConfig config = *configFor(m_demo, "round-robin");
    config.listeners.push_back(ReverseListener{{"127.0.0.1", 0}, true, {}, {}, {}});
    auto shared = std::make_shared<const ReverseConfig>(std::move(config));
    ProxyHarness proxy([&](EngineConfig& c) {
      c.mode = ProxyMode::Reverse;
      c.reverse = shared;
      c.dataDir = dataDir.path().toStdString();
    });
    QString url = QString::fromStdString("https://127.0.0.1:" + std::to_string(proxy.port()) + "/secure");
    auto r = ps::test::run("curl", {"-sS", "--max-time", "10", "--cacert", dataDir.filePath("proxyscope-ca.pem"), url, url});
    QCOMPARE(r.exitCode, 0);
    auto lines = r.out.trimmed().split('\n');
    QCOMPARE(lines.size(), 2);  // two requests over one TLS connection
    auto j = nlohmann::json::parse(lines[0].toStdString(), nullptr, false);
    QVERIFY2(j.is_object(), r.out.constData());
    std::map<std::string, std::string> seen;
    for (const auto& field : j["headers"]) seen[field[0].get<std::string>()] = field[1].get<std::string>();
    QCOMPARE(QString::fromStdString(seen["X-Forwarded-Proto"]), QString("https"));
    QVERIFY(seen["Forwarded"].ends_with(";proto=https"));
    auto flows = proxy.finishedFlows(2);
    QCOMPARE(flows.size(), size_t(2));
    QCOMPARE(flows[0]->request.scheme, std::string("https"));
    // Without the CA, curl refuses the certificate: it really is TLS with our CA.
    auto untrusted = ps::test::run("curl", {"-sS", "--max-time", "10", url});
    QVERIFY(untrusted.exitCode != 0);
  }

  void tlsTerminationWithTheUsersCertificate() {
    // --tls-cert/--tls-key: the user's own certificate (here a self-signed one made by openssl) is
    // presented as it is; a key that does not match is refused at start, naming both files.
    QTemporaryDir dir;
    QVERIFY(ps::test::makeSelfSignedCertificate(dir.filePath("cert.pem"), dir.filePath("key.pem"), "dev.test",
                                                "IP:127.0.0.1,DNS:dev.test"));
    ps::test::ProxyProcess proxy;
    QVERIFY(proxy.start({"--mode", "reverse", "--demo-backends", "1", "--no-session", "--data-dir", dir.filePath("data"),
                         "--tls-cert", dir.filePath("cert.pem"), "--tls-key", dir.filePath("key.pem")}));
    QString url = "https://127.0.0.1:" + proxy.port() + "/mine";
    auto r = ps::test::run("curl", {"-sS", "--max-time", "10", "--cacert", dir.filePath("cert.pem"), url});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.contains("demo-1"), r.out.constData());
    auto subject = ps::test::run("curl", {"-sS", "-v", "-o", "/dev/null", "--max-time", "10", "--cacert", dir.filePath("cert.pem"), url});
    QVERIFY2(subject.err.contains("CN=dev.test"), subject.err.constData());  // not a Proxyscope CA leaf
    QCOMPARE(proxy.stop(SIGTERM), 0);

    auto other = ps::test::run("openssl", {"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out",
                                           dir.filePath("other.pem")});
    QCOMPARE(other.exitCode, 0);
    auto refused = ps::test::run(ps::test::proxyscopeBinary(),
                                 {"--headless", "--mode", "reverse", "--demo-backends", "1", "--no-session", "--listen",
                                  "127.0.0.1:0", "--data-dir", dir.filePath("data"), "--tls-cert", dir.filePath("cert.pem"),
                                  "--tls-key", dir.filePath("other.pem")});
    QVERIFY(refused.exitCode != 0);
    QVERIFY2(refused.err.contains("private key " + dir.filePath("other.pem").toUtf8()), refused.err.constData());
    QVERIFY2(refused.err.contains("mismatch"), refused.err.constData());
    auto half = ps::test::run(ps::test::proxyscopeBinary(), {"--headless", "--mode", "reverse", "--tls-cert", dir.filePath("cert.pem")});
    QCOMPARE(half.exitCode, 2);
    QVERIFY2(half.err.contains("--tls-cert and --tls-key go together"), half.err.constData());
  }

  void badConfigFromBinary() {
    struct Case {
      const char* file;
      const char* message;
    };
    const Case cases[] = {
        {"bad_weight.json", ":6:53: /pools/api/backends/1/weight: expected an integer, got a string"},
        {"unknown_key.json", ":6:21: /pools/api/helthCheck: unknown key 'helthCheck'"},
        {"bad_url.json", ":4:43: /pools/api/backends/0/url: unsupported scheme 'ftp'"},
        {"duplicate_name.json", ":6:19: /pools/api/backends/1/name: duplicate backend name 'a' in pool 'api'"},
        {"unknown_pool.json", ":2:47: /routes/0/pool: no pool named 'apii' under /pools"},
        {"syntax_error.json", ":4:57: invalid JSON: syntax error"},
    };
    for (const Case& c : cases) {
      QString path = ps::test::testDataDir() + "/reverse/" + c.file;
      auto r = ps::test::run(ps::test::proxyscopeBinary(), {"--headless", "--listen", "127.0.0.1:0", "--config", path}, 20000);
      QCOMPARE(r.exitCode, 2);
      QByteArray expected = "proxyscope: " + path.toUtf8() + c.message;
      QVERIFY2(r.err.startsWith(expected), (r.err + " | expected " + expected).constData());
    }
  }

 private:
  DemoBackends m_demo;
};

QTEST_GUILESS_MAIN(TestReverseProxy)
#include "test_reverse_proxy.moc"
