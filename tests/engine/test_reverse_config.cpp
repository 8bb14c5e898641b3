// ReverseConfig: JSON loading with precise errors (file:line:column: pointer: reason), the command
// line form, URL parsing and route matching.
#include <QtTest>

#include <fstream>

#include "engine/proxy/json_locator.h"
#include "engine/proxy/reverse_config.h"

using namespace ps::engine;

namespace QTest {
template <>
inline char* toString(const std::string& s) {
  return qstrdup(s.c_str());
}
}  // namespace QTest

namespace {

std::string errorOf(std::string_view json) {
  auto r = parseReverseConfig(json, "t.json");
  if (r) return "(accepted)";
  return r.error().message;
}

std::string dataFile(const char* name) {
  return std::string(PROXYSCOPE_TEST_DATA_DIR) + "/reverse/" + name;
}

}  // namespace

class TestReverseConfig : public QObject {
  Q_OBJECT

 private slots:
  void sampleFileLoads() {
    auto r = loadReverseConfigFile(std::string(PROXYSCOPE_TEST_DATA_DIR) + "/../../resources/samples/reverse.json");
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
    QCOMPARE(r->pools.size(), size_t(2));
    const PoolConfig* api = r->findPool("api");
    QVERIFY(api != nullptr);
    QCOMPARE(api->strategy, BalanceStrategy::LeastConnections);
    QCOMPARE(api->backends.size(), size_t(3));
    QCOMPARE(api->backends[0].weight, 2u);
    QCOMPARE(api->backends[2].enabled, false);
    QCOMPARE(api->health.path, std::string("/health"));
    QCOMPARE(api->responseTimeout.count(), 15000);
    const PoolConfig* web = r->findPool("web");
    QCOMPARE(web->backends[1].host, std::string("::1"));
    QCOMPARE(web->backends[1].port, uint16_t(4002));
    QCOMPARE(web->health.enabled, false);
    QVERIFY(r->headers.stripBackendIdentity);
    QCOMPARE(r->routes.size(), size_t(3));
    QCOMPARE(r->matchRoute("x", "/api/users")->pool, std::string("api"));
    QCOMPARE(r->matchRoute("a.example.test", "/index")->pool, std::string("web"));
  }

  void wrongTypeNamesPointerAndLine() {
    auto r = loadReverseConfigFile(dataFile("bad_weight.json"));
    QVERIFY(!r.ok());
    QCOMPARE(r.error().message,
             dataFile("bad_weight.json") + ":6:53: /pools/api/backends/1/weight: expected an integer, got a string");
  }

  void unknownKeyIsAnError() {
    auto r = loadReverseConfigFile(dataFile("unknown_key.json"));
    QVERIFY(!r.ok());
    QCOMPARE(r.error().message,
             dataFile("unknown_key.json") +
                 ":6:21: /pools/api/helthCheck: unknown key 'helthCheck' (allowed here: strategy, backends, "
                 "healthCheck, ejection, retries, connectTimeoutMs, responseTimeoutMs, cookieName)");
  }

  void syntaxErrorHasLineAndColumn() {
    auto r = loadReverseConfigFile(dataFile("syntax_error.json"));
    QVERIFY(!r.ok());
    const std::string& m = r.error().message;
    QVERIFY2(m.starts_with(dataFile("syntax_error.json") + ":4:57: invalid JSON: "), m.c_str());
    QVERIFY2(m.find("syntax error") != std::string::npos, m.c_str());
  }

  void badUrl() {
    auto r = loadReverseConfigFile(dataFile("bad_url.json"));
    QVERIFY(!r.ok());
    QCOMPARE(r.error().message, dataFile("bad_url.json") +
                                    ":4:43: /pools/api/backends/0/url: unsupported scheme 'ftp' in "
                                    "'ftp://127.0.0.1:3001' (expected http or https)");
  }

  void duplicateBackendName() {
    auto r = loadReverseConfigFile(dataFile("duplicate_name.json"));
    QVERIFY(!r.ok());
    QCOMPARE(r.error().message, dataFile("duplicate_name.json") +
                                    ":6:19: /pools/api/backends/1/name: duplicate backend name 'a' in pool 'api'");
  }

  void routeToUnknownPool() {
    auto r = loadReverseConfigFile(dataFile("unknown_pool.json"));
    QVERIFY(!r.ok());
    QCOMPARE(r.error().message,
             dataFile("unknown_pool.json") + ":2:47: /routes/0/pool: no pool named 'apii' under /pools");
  }

  void missingFile() {
    auto r = loadReverseConfigFile("/nonexistent/reverse.json");
    QVERIFY(!r.ok());
    QCOMPARE(r.error().message, std::string("/nonexistent/reverse.json: cannot open the reverse-proxy configuration file"));
  }

  void inlineErrors() {
    QCOMPARE(errorOf("[1,2]"), std::string("t.json:1:1: /: expected an object, got an array"));
    QCOMPARE(errorOf("{}"), std::string("t.json:1:1: /: missing key 'pools' (an object of named upstream pools)"));
    QCOMPARE(errorOf("{\"pools\": {\"a/b\": {\"backends\": []}}}"),
             std::string("t.json:1:32: /pools/a~1b/backends: a pool needs at least one backend"));
    QCOMPARE(errorOf("{\"pools\": {\"p\": {\"backends\": [{\"url\": \"http://h:1\", \"weight\": 0}]}}}"),
             std::string("t.json:1:63: /pools/p/backends/0/weight: expected an integer from 1 to 1000, got 0"));
    QCOMPARE(errorOf("{\"pools\": {\"p\": {\"backends\": [{\"url\": \"http://h:1\", \"weight\": -2}]}}}"),
             std::string("t.json:1:63: /pools/p/backends/0/weight: expected an integer from 1 to 1000, got -2"));
    QCOMPARE(errorOf("{\"pools\": {\"p\": {\"strategy\": \"fastest\", \"backends\": [{\"url\": \"http://h:1\"}]}}}"),
             std::string("t.json:1:30: /pools/p/strategy: unknown strategy 'fastest' (expected round-robin, weighted, "
                         "least-connections, random-two, ip-hash or cookie)"));
    QCOMPARE(errorOf("{\"pools\": {\"p\": {\"backends\": [{\"url\": \"http://h:99999\"}]}}}"),
             std::string("t.json:1:39: /pools/p/backends/0/url: invalid port '99999' in 'http://h:99999' (1-65535)"));
    QCOMPARE(errorOf("{\"pools\": {\"p\": {\"backends\": [{\"url\": \"http://h:1/x\"}]}}}"),
             std::string("t.json:1:39: /pools/p/backends/0/url: a backend URL has no path: 'http://h:1/x' "
                         "(routes strip or keep paths)"));
    QCOMPARE(errorOf("{\"pools\": {\"p\": {\"backends\": [{\"url\": \"http://h:1\"}], \"healthCheck\": {\"timeoutMs\": 1.5}}}}"),
             std::string("t.json:1:84: /pools/p/healthCheck/timeoutMs: expected an integer, got a number with a fraction"));
    QCOMPARE(errorOf("{\"listeners\": [{\"listen\": \"nowhere\"}], \"pools\": {\"p\": {\"backends\": [{\"url\": \"http://h:1\"}]}}}"),
             std::string("t.json:1:27: /listeners/0/listen: invalid port in 'nowhere' (expected HOST:PORT, port 0-65535)"));
    QCOMPARE(errorOf("{\"pools\": {\"p\": {\"backends\": [{\"url\": \"http://h:1\"}]}}, \"headers\": {\"preserveHost\": \"yes\"}}"),
             std::string("t.json:1:85: /headers/preserveHost: expected true or false, got a string"));
  }

  // One --config file serves both loaders: reverse keys here, "policies" for engine/policy.
  void policiesKeyIsLeftToThePolicyLoader() {
    auto r = parseReverseConfig("{\"pools\": {\"p\": {\"backends\": [{\"url\": \"http://b\"}]}}, \"policies\": {}}", "t.json");
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
    QTemporaryDir dir;
    const std::string policiesOnly = dir.filePath("p.json").toStdString();
    const std::string reverse = dir.filePath("r.json").toStdString();
    std::ofstream(policiesOnly) << "{\"policies\": {}}";
    std::ofstream(reverse) << "{\"pools\": {}, \"policies\": {}}";
    QVERIFY(!fileHasReverseConfig(policiesOnly));
    QVERIFY(fileHasReverseConfig(reverse));
    QVERIFY(fileHasReverseConfig(dir.filePath("missing.json").toStdString()));  // its loader says why
  }

  void defaults() {
    auto r = parseReverseConfig("{\"pools\": {\"p\": {\"backends\": [{\"url\": \"https://[::1]\"}, {\"url\": \"http://b\"}]}}}", "t.json");
    QVERIFY(r.ok());
    QCOMPARE(r->routes.size(), size_t(1));
    QCOMPARE(r->routes[0].pool, std::string("p"));
    const auto& b = r->pools[0].backends;
    QCOMPARE(b[0].name, std::string("b1"));
    QCOMPARE(b[0].scheme, std::string("https"));
    QCOMPARE(b[0].port, uint16_t(443));
    QCOMPARE(b[1].name, std::string("b2"));
    QCOMPARE(b[1].port, uint16_t(80));
    QCOMPARE(r->pools[0].strategy, BalanceStrategy::RoundRobin);
  }

  void commandLine() {
    auto r = reverseConfigFromCommandLine({"http://127.0.0.1:3001", "http://127.0.0.1:3002"}, "p2c",
                                          Endpoint{"127.0.0.1", 8000});
    QVERIFY(r.ok());
    QCOMPARE(r->pools[0].strategy, BalanceStrategy::PowerOfTwo);
    QCOMPARE(r->pools[0].backends[1].name, std::string("b2"));
    QCOMPARE(r->pools[0].backends[1].port, uint16_t(3002));
    QCOMPARE(r->listeners[0].listen.port, uint16_t(8000));
    auto bad = reverseConfigFromCommandLine({"http://127.0.0.1:3001"}, "fastest", Endpoint{});
    QVERIFY(!bad.ok());
    QVERIFY(bad.error().message.starts_with("--balance: unknown strategy 'fastest'"));
    auto badUrl = reverseConfigFromCommandLine({"127.0.0.1:3001"}, "", Endpoint{});
    QCOMPARE(badUrl.error().message, std::string("--backend: '127.0.0.1:3001' is not a URL (expected http://HOST:PORT)"));
    QVERIFY(!reverseConfigFromCommandLine({}, "", Endpoint{}).ok());
  }

  void routeMatching() {
    RouteConfig r{"", "/api", true, "p"};
    QVERIFY(r.matches("h", "/api"));
    QVERIFY(r.matches("h", "/api/x"));
    QVERIFY(r.matches("h", "/api?x=1"));
    QVERIFY(!r.matches("h", "/apix"));
    RouteConfig w{"*.example.test", "/", false, "p"};
    QVERIFY(w.matches("a.example.test", "/"));
    QVERIFY(w.matches("A.Example.Test", "/z"));
    QVERIFY(!w.matches("example.test", "/"));
    QVERIFY(!w.matches("a.example.testx", "/"));
  }

  void locator() {
    std::string_view text = "{\n  \"a\": [1, {\"b\": \"x\"}],\n  \"c\": 2\n}";
    auto pos = locateJsonPointer(text, "/a/1/b");
    QVERIFY(pos.has_value());
    QCOMPARE(positionAt(text, *pos).line, size_t(2));
    QCOMPARE(text.substr(*pos, 3), std::string_view("\"x\""));
    auto c = locateJsonPointer(text, "/c");
    QCOMPARE(positionAt(text, *c).line, size_t(3));
    QCOMPARE(positionAt(text, *c).column, size_t(8));
  }
};

QTEST_APPLESS_MAIN(TestReverseConfig)
#include "test_reverse_config.moc"
