// Loading the "policies" object of the --config file: a valid file gives the config; each mistake
// names the file, line:column, the JSON pointer and the reason.
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

#include "engine/policy/policy_config.h"

using namespace ps::engine;

namespace {

std::string writeFile(const QTemporaryDir& dir, const std::string& name, const std::string& text) {
  std::string path = dir.filePath(QString::fromStdString(name)).toStdString();
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

}  // namespace

class TestPolicyConfig : public QObject {
  Q_OBJECT
 private slots:
  // (URLs in the raw string below are written "http:\/\/" — valid JSON — because moc reads "//"
  // inside a raw string as a comment.)
  void loadsEveryPolicy() {
    QTemporaryDir dir;
    auto path = writeFile(dir, "ok.json", R"({
  "mode": "reverse",
  "policies": {
    "cache": {"enabled": true, "maxBytes": 1048576, "persist": true},
    "filter": {"enabled": true, "mode": "block", "block": [{"name": "no-admin", "expression": "path:/admin"}]},
    "anonymity": {"enabled": true, "strip": ["User-Agent"], "stripCookiesFor": ["tracker.example"]},
    "rateLimit": {"enabled": true, "perSecond": 5, "burst": 10, "key": "route"},
    "compression": {"enabled": true, "codings": ["gzip", "br"], "minBytes": 2048, "modes": ["reverse", "forward"]},
    "upstreamProxies": {"enabled": true, "rotation": "random", "per": "host", "cooldownSeconds": 5, "proxies": [
      {"url": "http:\/\/user:p%40ss@127.0.0.1:3128", "hosts": ["*.example"]},
      {"url": "http:\/\/[::1]:8080\/", "name": "v6"}]}
  }
})");
    auto r = loadPolicyConfig(path);
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
    const PolicyConfig& c = **r;
    QVERIFY(c.cache.enabled);
    QVERIFY(c.cache.persist);
    QCOMPARE(c.upstreamProxies.cooldownSeconds, 5u);
    QCOMPARE(c.cache.maxBytes, size_t(1048576));
    QCOMPARE(c.filter.block.size(), size_t(1));
    QCOMPARE(c.filter.block[0].name, std::string("no-admin"));
    QCOMPARE(c.anonymity.policy.strip, std::vector<std::string>{"User-Agent"});
    QCOMPARE(c.rateLimit.perSecond, 5.0);
    QCOMPARE(c.rateLimit.burst, 10.0);
    QVERIFY(c.rateLimit.key == RateLimitPolicyConfig::Key::Route);
    QVERIFY(c.compression.enabled && c.compression.reverse && c.compression.forward);
    QCOMPARE(c.compression.codings, (std::vector<std::string>{"gzip", "br"}));
    QCOMPARE(c.compression.minBytes, uint64_t(2048));
    const auto& u = c.upstreamProxies;
    QVERIFY(u.enabled);
    QVERIFY(u.rotation == UpstreamProxiesPolicyConfig::Rotation::Random);
    QVERIFY(u.per == UpstreamProxiesPolicyConfig::Per::Host);
    QCOMPARE(u.proxies.size(), size_t(2));
    QCOMPARE(u.proxies[0].name, std::string("127.0.0.1:3128"));
    QCOMPARE(u.proxies[0].user, std::string("user"));
    QCOMPARE(u.proxies[0].password, std::string("p@ss"));
    QCOMPARE(u.proxies[0].hosts, std::vector<std::string>{"*.example"});
    QCOMPARE(u.proxies[1].host, std::string("::1"));
    QCOMPARE(u.proxies[1].port, uint16_t(8080));
    QCOMPARE(u.proxies[1].name, std::string("v6"));
  }

  // The shipped sample documents every key; it must stay loadable.
  void sampleFileLoads() {
    auto r = loadPolicyConfig(std::string(PROXYSCOPE_TEST_DATA_DIR) + "/../../resources/samples/policies.json");
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
    QVERIFY((*r)->compression.enabled);
    QCOMPARE((*r)->upstreamProxies.proxies.size(), size_t(2));
    QCOMPARE((*r)->upstreamProxies.proxies[0].name, std::string("squid"));
    // Map and rewrite are documented there switched off, with rules of every kind.
    QVERIFY(!(*r)->mapLocal.enabled && !(*r)->mapRemote.enabled && !(*r)->rewrite.enabled);
    QCOMPARE((*r)->mapLocal.rules.size(), size_t(2));
    QCOMPARE((*r)->mapRemote.rules.size(), size_t(1));
    QCOMPARE((*r)->rewrite.rules.size(), size_t(5));
    QVERIFY(!(*r)->networkConditions.enabled);
    QCOMPARE((*r)->networkConditions.rules.size(), size_t(2));
  }

  // Map Local / Map Remote / Rewrite (issue 10): every field read, the defaults off.
  void loadsMapAndRewrite() {
    auto r = parsePolicyConfig(R"json({"policies": {
  "mapLocal": {"enabled": true, "rules": [{"urlPrefix": "http:\/\/api.test\/static\/", "path": "\/srv\/static"}]},
  "mapRemote": {"enabled": true, "rules": [{"urlPrefix": "http:\/\/api.test\/v1\/", "target": "http:\/\/127.0.0.1:3000\/v2\/"}]},
  "rewrite": {"enabled": true, "rules": [
    {"name": "tag-req", "stage": "request", "action": "addHeader", "header": "X-Dev", "value": "1"},
    {"name": "teapot", "action": "setStatus", "status": 418, "urlPrefix": "http:\/\/api.test\/"},
    {"name": "swap", "stage": "response", "action": "replaceBody", "pattern": "hello (\\w+)", "value": "bye $1"}]}
}})json",
                               "x.json");
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
    const PolicyConfig& c = **r;
    QVERIFY(c.mapLocal.enabled && c.mapRemote.enabled && c.rewrite.enabled);
    QCOMPARE(c.mapLocal.rules.size(), size_t(1));
    QCOMPARE(c.mapLocal.rules[0].path, std::string("/srv/static"));
    QCOMPARE(c.mapRemote.rules[0].target, std::string("http://127.0.0.1:3000/v2/"));
    QCOMPARE(c.rewrite.rules.size(), size_t(3));
    QVERIFY(c.rewrite.rules[0].stage == RewriteRule::Stage::Request);
    QVERIFY(c.rewrite.rules[0].action == RewriteRule::Action::AddHeader);
    QVERIFY(c.rewrite.rules[1].stage == RewriteRule::Stage::Response);  // the default stage
    QCOMPARE(c.rewrite.rules[1].status, 418);
    QCOMPARE(c.rewrite.rules[1].urlPrefix, std::string("http://api.test/"));
    QCOMPARE(c.rewrite.rules[2].pattern, std::string("hello (\\w+)"));
    auto defaults = parsePolicyConfig(R"({"policies": {}})", "x.json");
    QVERIFY(!(*defaults)->mapLocal.enabled && !(*defaults)->mapRemote.enabled && !(*defaults)->rewrite.enabled);
  }

  void compressionAndProxiesDefaultOff() {
    auto r = parsePolicyConfig(R"({"policies": {}})", "x.json");
    QVERIFY(r.ok());
    QVERIFY(!(*r)->compression.enabled && !(*r)->upstreamProxies.enabled);
    QVERIFY((*r)->compression.reverse && !(*r)->compression.forward);
  }

  void loadsNetworkConditions() {
    auto r = parsePolicyConfig(R"({"policies": {"networkConditions": {"enabled": true, "rules": [
      {"name": "slow", "hosts": "*.example", "latencyMs": 200, "jitterMs": 50, "downloadKBps": 256, "uploadKBps": 64,
       "failureRate": 0.1, "failure": "reset"},
      {"hosts": "b1", "failureRate": 1, "failure": "5xx", "failureStatus": 502}]}}})",
                               "x.json");
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
    const auto& n = (*r)->networkConditions;
    QVERIFY(n.enabled);
    QCOMPARE(n.rules.size(), size_t(2));
    QCOMPARE(n.rules[0].name, std::string("slow"));
    QCOMPARE(n.rules[0].hostPattern, std::string("*.example"));
    QCOMPARE(n.rules[0].latency.count(), 200);
    QCOMPARE(n.rules[0].jitter.count(), 50);
    QCOMPARE(n.rules[0].downloadBytesPerSecond, 256.0 * 1024);
    QCOMPARE(n.rules[0].uploadBytesPerSecond, 64.0 * 1024);
    QCOMPARE(n.rules[0].failureRate, 0.1);
    QVERIFY(n.rules[0].failure == NetworkConditions::Failure::Reset);
    QVERIFY(n.rules[1].failure == NetworkConditions::Failure::ServerError);
    QCOMPARE(n.rules[1].failureStatus, 502);
    QVERIFY(!(*parsePolicyConfig("{}", "x.json"))->networkConditions.enabled);
  }

  void noPoliciesGivesDefaults() {
    auto r = parsePolicyConfig(R"({"mode": "forward"})", "x.json");
    QVERIFY(r.ok());
    QVERIFY(!(*r)->cache.enabled && !(*r)->filter.enabled && !(*r)->rateLimit.enabled);
  }

  void errorsNameFileLinePointerAndReason_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("where");    // "LINE:COLUMN"
    QTest::addColumn<QString>("pointer");
    QTest::addColumn<QString>("reason");
    QTest::newRow("rate out of range") << "{\n  \"policies\": {\n    \"rateLimit\": {\"perSecond\": -3}\n  }\n}"
                                       << ":3:32:" << "/policies/rateLimit/perSecond" << "expected a number from";
    QTest::newRow("unknown policy") << "{\"policies\": {\n  \"cahce\": {}\n}}" << ":2:12:" << "/policies/cahce"
                                    << "unknown key 'cahce'";
    QTest::newRow("cache persist type") << "{\"policies\": {\"cache\": {\"persist\": 1}}}" << ":1:36:"
                                        << "/policies/cache/persist" << "expected true or false";
    QTest::newRow("proxy cooldown") << "{\"policies\": {\"upstreamProxies\": {\"cooldownSeconds\": -1}}}" << ":1:54:"
                                    << "/policies/upstreamProxies/cooldownSeconds" << "expected a number from";
    QTest::newRow("cache wrong type") << "{\"policies\": {\"cache\": {\"enabled\": \"yes\"}}}" << ":1:36:"
                                      << "/policies/cache/enabled" << "expected true or false";
    QTest::newRow("bad filter") << "{\"policies\": {\"filter\": {\"block\": [\n {\"name\": \"x\", \"expression\": \"status:>=\"}]}}}"
                                << ":2:30:" << "/policies/filter/block/0/expression" << "invalid filter";
    QTest::newRow("filter mode") << "{\"policies\": {\"filter\": {\"mode\": \"deny\"}}}" << ":1:34:"
                                 << "/policies/filter/mode" << "expected \"block\" or \"allow\"";
    QTest::newRow("rule without expression") << "{\"policies\": {\"filter\": {\"block\": [{\"name\": \"x\"}]}}}"
                                             << ":1:36:" << "/policies/filter/block/0" << "needs";
    QTest::newRow("anonymity strip type") << "{\"policies\": {\"anonymity\": {\"strip\": \"User-Agent\"}}}"
                                          << ":1:38:" << "/policies/anonymity/strip" << "expected an array";
    QTest::newRow("rate key") << "{\"policies\": {\"rateLimit\": {\"key\": \"ip\"}}}" << ":1:36:"
                              << "/policies/rateLimit/key" << "expected \"client\" or \"route\"";
    QTest::newRow("compression coding") << "{\"policies\": {\"compression\": {\"codings\": [\"gzip\", \"lzma\"]}}}"
                                        << ":1:51:" << "/policies/compression/codings/1" << "expected \"br\", \"zstd\" or \"gzip\"";
    QTest::newRow("compression minBytes") << "{\"policies\": {\"compression\": {\"minBytes\": \"1k\"}}}" << ":1:43:"
                                          << "/policies/compression/minBytes" << "expected a number";
    QTest::newRow("compression mode") << "{\"policies\": {\"compression\": {\"modes\": [\"both\"]}}}" << ":1:41:"
                                      << "/policies/compression/modes/0" << "expected \"reverse\" or \"forward\"";
    QTest::newRow("proxy url scheme")
        << "{\"policies\": {\"upstreamProxies\": {\"proxies\": [\n  {\"url\": \"socks5://127.0.0.1:1080\"}]}}}" << ":2:11:"
        << "/policies/upstreamProxies/proxies/0/url" << "expected an http:// proxy URL";
    QTest::newRow("proxy port") << "{\"policies\": {\"upstreamProxies\": {\"proxies\": [{\"url\": \"http://h:99999\"}]}}}"
                                << ":1:55:" << "/policies/upstreamProxies/proxies/0/url" << "invalid port";
    QTest::newRow("proxy without url") << "{\"policies\": {\"upstreamProxies\": {\"proxies\": [{\"hosts\": []}]}}}"
                                       << ":1:47:" << "/policies/upstreamProxies/proxies/0" << "needs \"url\"";
    QTest::newRow("proxy rotation") << "{\"policies\": {\"upstreamProxies\": {\"rotation\": \"lru\"}}}" << ":1:47:"
                                    << "/policies/upstreamProxies/rotation" << "expected \"round-robin\" or \"random\"";
    QTest::newRow("proxy per") << "{\"policies\": {\"upstreamProxies\": {\"per\": \"client\"}}}" << ":1:42:"
                               << "/policies/upstreamProxies/per" << "expected \"request\" or \"host\"";
    QTest::newRow("proxy hosts type") << "{\"policies\": {\"upstreamProxies\": {\"proxies\": [{\"url\": \"http://h:1\", \"hosts\": \"*\"}]}}}"
                                      << ":1:78:" << "/policies/upstreamProxies/proxies/0/hosts" << "expected an array";
    QTest::newRow("enabled without proxies") << "{\"policies\": {\"upstreamProxies\": {\"enabled\": true}}}" << ":1:34:"
                                             << "/policies/upstreamProxies" << "enabled without \"proxies\"";
    QTest::newRow("duplicate proxy names")
        << "{\"policies\": {\"upstreamProxies\": {\"proxies\": [{\"url\": \"http://h:1\"},\n{\"url\": \"http://h:1\"}]}}}"
        << ":2:1:" << "/policies/upstreamProxies/proxies/1" << "two proxies are named";
    QTest::newRow("map local relative path")
        << "{\"policies\": {\"mapLocal\": {\"rules\": [\n  {\"urlPrefix\": \"http://a.test/\", \"path\": \"static\"}]}}}"
        << ":2:43:" << "/policies/mapLocal/rules/0/path" << "expected an absolute path";
    QTest::newRow("map local missing path") << "{\"policies\": {\"mapLocal\": {\"rules\": [{\"urlPrefix\": \"http://a.test/\"}]}}}"
                                            << ":1:38:" << "/policies/mapLocal/rules/0" << "needs \"urlPrefix\" and \"path\"";
    QTest::newRow("map local prefix") << "{\"policies\": {\"mapLocal\": {\"rules\": [{\"urlPrefix\": \"a.test/\", \"path\": \"/x\"}]}}}"
                                      << ":1:52:" << "/policies/mapLocal/rules/0/urlPrefix" << "expected an http:// or https:// URL prefix";
    QTest::newRow("map local enabled without rules") << "{\"policies\": {\"mapLocal\": {\"enabled\": true}}}" << ":1:27:"
                                                     << "/policies/mapLocal" << "enabled without \"rules\"";
    QTest::newRow("map remote target") << "{\"policies\": {\"mapRemote\": {\"rules\": [\n{\"urlPrefix\": \"http://a.test/\", \"target\": \"ftp://b/\"}]}}}"
                                       << ":2:43:" << "/policies/mapRemote/rules/0/target" << "expected an http:// or https:// URL";
    QTest::newRow("map remote unknown key") << "{\"policies\": {\"mapRemote\": {\"rules\": [{\"urlPrefix\": \"http://a/\", \"to\": \"http://b/\"}]}}}"
                                            << ":1:72:" << "/policies/mapRemote/rules/0/to" << "unknown key 'to'";
    QTest::newRow("rewrite bad regex")
        << "{\"policies\": {\"rewrite\": {\"rules\": [\n  {\"name\": \"r\", \"action\": \"replaceBody\", \"pattern\": \"(a\", \"value\": \"b\"}]}}}"
        << ":2:53:" << "/policies/rewrite/rules/0/pattern" << "invalid regular expression '(a'";
    QTest::newRow("rewrite action") << "{\"policies\": {\"rewrite\": {\"rules\": [{\"name\": \"r\", \"action\": \"dropBody\"}]}}}"
                                    << ":1:61:" << "/policies/rewrite/rules/0/action" << "expected \"addHeader\"";
    QTest::newRow("rewrite stage") << "{\"policies\": {\"rewrite\": {\"rules\": [{\"name\": \"r\", \"action\": \"removeHeader\", \"header\": \"A\", \"stage\": \"both\"}]}}}"
                                   << ":1:101:" << "/policies/rewrite/rules/0/stage" << "expected \"request\" or \"response\"";
    QTest::newRow("rewrite header missing") << "{\"policies\": {\"rewrite\": {\"rules\": [{\"name\": \"r\", \"action\": \"addHeader\", \"value\": \"1\"}]}}}"
                                            << ":1:37:" << "/policies/rewrite/rules/0" << "a header action needs \"header\"";
    QTest::newRow("rewrite value missing") << "{\"policies\": {\"rewrite\": {\"rules\": [{\"name\": \"r\", \"action\": \"setHeader\", \"header\": \"A\"}]}}}"
                                           << ":1:37:" << "/policies/rewrite/rules/0" << "action \"setHeader\" needs \"value\"";
    QTest::newRow("rewrite status range") << "{\"policies\": {\"rewrite\": {\"rules\": [{\"name\": \"r\", \"action\": \"setStatus\", \"status\": 42}]}}}"
                                          << ":1:84:" << "/policies/rewrite/rules/0/status" << "expected a number from 100";
    QTest::newRow("rewrite status on request") << "{\"policies\": {\"rewrite\": {\"rules\": [{\"name\": \"r\", \"stage\": \"request\", \"action\": \"setStatus\", \"status\": 500}]}}}"
                                               << ":1:81:" << "/policies/rewrite/rules/0/action" << "response stage only";
    QTest::newRow("rewrite duplicate name")
        << "{\"policies\": {\"rewrite\": {\"rules\": [{\"name\": \"r\", \"action\": \"removeHeader\", \"header\": \"A\"},\n{\"name\": \"r\", \"action\": \"removeHeader\", \"header\": \"B\"}]}}}"
        << ":2:10:" << "/policies/rewrite/rules/1/name" << "two rewrite rules are named \"r\"";
    QTest::newRow("network failureRate") << "{\"policies\": {\"networkConditions\": {\"rules\": [{\"hosts\": \"*\", \"failureRate\": 1.5}]}}}"
        << ":1:77:" << "/policies/networkConditions/rules/0/failureRate" << "expected a fraction from 0 to 1";
    QTest::newRow("network negative rate") << "{\"policies\": {\"networkConditions\": {\"rules\": [\n{\"hosts\": \"*\", \"downloadKBps\": -1}]}}}"
        << ":2:32:" << "/policies/networkConditions/rules/0/downloadKBps" << "expected a number from 0";
    QTest::newRow("network negative latency") << "{\"policies\": {\"networkConditions\": {\"rules\": [{\"hosts\": \"*\", \"latencyMs\": -5}]}}}"
        << ":1:75:" << "/policies/networkConditions/rules/0/latencyMs" << "expected a number from 0";
    QTest::newRow("network failure kind") << "{\"policies\": {\"networkConditions\": {\"rules\": [{\"hosts\": \"*\", \"failure\": \"timeout\"}]}}}"
        << ":1:73:" << "/policies/networkConditions/rules/0/failure" << "expected \"reset\" or \"5xx\"";
    QTest::newRow("network failure status") << "{\"policies\": {\"networkConditions\": {\"rules\": [{\"hosts\": \"*\", \"failureStatus\": 404}]}}}"
        << ":1:79:" << "/policies/networkConditions/rules/0/failureStatus" << "expected a 5xx status (500 to 599), got 404";
    QTest::newRow("network rule without hosts") << "{\"policies\": {\"networkConditions\": {\"rules\": [{\"latencyMs\": 5}]}}}"
        << ":1:47:" << "/policies/networkConditions/rules/0" << "needs \"hosts\"";
    QTest::newRow("network unknown key") << "{\"policies\": {\"networkConditions\": {\"rules\": [{\"hosts\": \"*\", \"delayMs\": 5}]}}}"
        << ":1:73:" << "/policies/networkConditions/rules/0/delayMs" << "unknown key 'delayMs'";
  }

  void errorsNameFileLinePointerAndReason() {
    QFETCH(QString, text);
    QFETCH(QString, where);
    QFETCH(QString, pointer);
    QFETCH(QString, reason);
    QTemporaryDir dir;
    auto path = writeFile(dir, "bad.json", text.toStdString());
    auto r = loadPolicyConfig(path);
    QVERIFY(!r.ok());
    const std::string& m = r.error().message;
    QVERIFY2(m.rfind(path + where.toStdString(), 0) == 0, m.c_str());
    QVERIFY2(m.find(pointer.toStdString() + ": ") != std::string::npos, m.c_str());
    QVERIFY2(m.find(reason.toStdString()) != std::string::npos, m.c_str());
  }

  void syntaxErrorNamesThePosition() {
    auto r = parsePolicyConfig("{\n  \"policies\": {,}\n}", "cfg.json");
    QVERIFY(!r.ok());
    QVERIFY2(r.error().message.rfind("cfg.json:2:", 0) == 0, r.error().message.c_str());
  }

  void missingFileIsNamed() {
    auto r = loadPolicyConfig("/nonexistent/policies.json");
    QVERIFY(!r.ok());
    QVERIFY(r.error().message.find("/nonexistent/policies.json") != std::string::npos);
  }
};

QTEST_APPLESS_MAIN(TestPolicyConfig)
#include "test_policy_config.moc"
