// Map Local, Map Remote and Rewrite through the real engine (issue 10): real curl clients through
// ProxyHarness to in-test origins on 127.0.0.1, with assertions on what each origin and the client saw
// and on the tags recorded on the flows.
#include <QtTest>

#include <csignal>
#include <fstream>
#include <regex>

#include "engine/policy/policy_config.h"
#include "engine/proxy/reverse_config.h"
#include "tests/support/policy_test_support.h"
#include "tests/support/proxy_harness.h"
#include "tests/support/proxy_process.h"
#include "tests/support/test_origin.h"
#include "tests/support/test_support.h"

using namespace ps::engine;
using namespace ps::test;

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

// curl -i output split at the blank line ending the (last) head.
struct Answer {
  QByteArray head, body;
  QByteArray header(const QByteArray& name) const {
    for (const QByteArray& line : head.split('\n')) {
      const QByteArray trimmed = line.trimmed();
      if (trimmed.toLower().startsWith(name.toLower() + ":")) return trimmed.mid(name.size() + 1).trimmed();
    }
    return {};
  }
};
Answer split(const QByteArray& out) {
  const qsizetype end = out.indexOf("\r\n\r\n");
  if (end < 0) return {out, {}};
  return {out.left(end), out.mid(end + 4)};
}

void writeFile(const QString& path, const std::string& text) { std::ofstream(path.toStdString(), std::ios::binary) << text; }

}  // namespace

class TestPolicyRewrite : public QObject {
  Q_OBJECT
 private slots:
  // A file mapping and a folder mapping answer without the origin; ".." (plain or encoded) never
  // leaves the folder; a missing file is a 404 naming it.
  void mapLocalServesFilesWithoutTheOrigin() {
    TestOrigin origin;
    QTemporaryDir dir;
    QVERIFY(QDir(dir.path()).mkdir("static"));
    writeFile(dir.filePath("app.js"), "console.log('mapped');\n");
    writeFile(dir.filePath("secret.txt"), "do not serve\n");
    writeFile(dir.filePath("static/data.json"), "{\"local\": true}\n");
    const std::string file = dir.filePath("app.js").toStdString();
    const std::string folder = dir.filePath("static").toStdString();
    ProxyHarness proxy(withPolicies([&](PolicyConfig& p) {
      p.mapLocal.enabled = true;
      p.mapLocal.rules.push_back({origin.url("/one.js"), file});
      p.mapLocal.rules.push_back({origin.url("/static/"), folder});
    }));
    auto js = split(proxy.curl({"-s", "-i", q(origin.url("/one.js?v=2"))}).out);
    QVERIFY2(js.head.startsWith("HTTP/1.1 200"), js.head.constData());
    QCOMPARE(js.body, QByteArray("console.log('mapped');\n"));
    QCOMPARE(js.header("Content-Type"), QByteArray("text/javascript"));
    auto json = split(proxy.curl({"-s", "-i", q(origin.url("/static/data.json"))}).out);
    QCOMPARE(json.body, QByteArray("{\"local\": true}\n"));
    QCOMPARE(json.header("Content-Type"), QByteArray("application/json"));
    QCOMPARE(json.header("Content-Length"), QByteArray::number(json.body.size()));
    auto up = proxy.curl({"-s", "-i", "--path-as-is", q(origin.url("/static/../secret.txt"))});
    QVERIFY2(up.out.startsWith("HTTP/1.1 403"), up.out.constData());
    QVERIFY(!up.out.contains("do not serve"));
    auto encoded = proxy.curl({"-s", "-i", "--path-as-is", q(origin.url("/static/%2e%2e/secret.txt"))});
    QVERIFY2(encoded.out.startsWith("HTTP/1.1 403"), encoded.out.constData());
    auto missing = proxy.curl({"-s", "-i", q(origin.url("/static/missing.css"))});
    QVERIFY2(missing.out.startsWith("HTTP/1.1 404"), missing.out.constData());
    QVERIFY2(missing.out.contains(QByteArray::fromStdString(folder + "/missing.css")), missing.out.constData());
    QCOMPARE(origin.requests().size(), size_t(0));  // the upstream was never contacted
    auto flows = proxy.finishedFlows(5);
    QCOMPARE(flows.size(), size_t(5));
    QVERIFY2(flows[0]->hasTag("map-local:" + file), tagsOf(flows[0]).c_str());
    QVERIFY2(flows[1]->hasTag("map-local:" + folder + "/data.json"), tagsOf(flows[1]).c_str());
    QVERIFY2(flows[4]->hasTag("map-local:" + folder + "/missing.css"), tagsOf(flows[4]).c_str());
    QCOMPARE(flows[4]->response->status, 404);
    QCOMPARE(counter(proxy.engine(), "mapLocal.served"), uint64_t(5));
    // An URL outside every prefix goes to the origin as usual.
    QCOMPARE(proxy.curl({"-s", q(origin.url("/hello"))}).out, QByteArray("hello world\n"));
    QCOMPARE(origin.requests().size(), size_t(1));
  }

  // The request goes to the second origin (path prefix replaced, Host updated); the first sees nothing.
  void mapRemoteSendsToAnotherOrigin() {
    TestOrigin first, second;
    const std::string target = second.url("/");
    ProxyHarness proxy(withPolicies([&](PolicyConfig& p) {
      p.mapRemote.enabled = true;
      p.mapRemote.rules.push_back({first.url("/v1/"), target});
    }));
    auto r = proxy.curl({"-s", q(first.url("/v1/echo?x=1"))});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.contains("\"target\":\"/echo?x=1\""), r.out.constData());
    QCOMPARE(first.requests().size(), size_t(0));
    auto seen = second.requests();
    QCOMPARE(seen.size(), size_t(1));
    QCOMPARE(seen[0].target, std::string("/echo?x=1"));
    QCOMPARE(seen[0].header("Host"), second.authority());
    // Outside the prefix: the first origin as usual.
    QCOMPARE(proxy.curl({"-s", q(first.url("/hello"))}).out, QByteArray("hello world\n"));
    QCOMPARE(first.requests().size(), size_t(1));
    auto flows = proxy.finishedFlows(2);
    QVERIFY2(flows[0]->hasTag("map-remote:" + target), tagsOf(flows[0]).c_str());
    QCOMPARE(flows[0]->request.url(), first.url("/v1/echo?x=1"));  // the flow keeps what the client asked
    QVERIFY2(!flows[1]->hasTag("map-remote:" + target), tagsOf(flows[1]).c_str());
    QCOMPARE(counter(proxy.engine(), "mapRemote.applied"), uint64_t(1));
  }

  // Request rules edit the forwarded request: headers as the origin saw them, a textual body replaced
  // with its Content-Length fixed.
  void rewriteRequestSeenByOrigin() {
    TestOrigin origin;
    ProxyHarness proxy(withPolicies([](PolicyConfig& p) {
      using A = RewriteRule::Action;
      const auto req = RewriteRule::Stage::Request;
      p.rewrite.enabled = true;
      p.rewrite.rules.push_back({"add-dev", req, A::AddHeader, "X-Dev", "1", "", 0, ""});
      p.rewrite.rules.push_back({"no-agent", req, A::RemoveHeader, "User-Agent", "", "", 0, ""});
      p.rewrite.rules.push_back({"accept-v2", req, A::ReplaceHeaderValue, "Accept", "v2", "v1", 0, ""});
      p.rewrite.rules.push_back({"bye", req, A::ReplaceBody, "", "bye", "hello", 0, ""});
    }));
    auto r = proxy.curl({"-s", "-A", "agent/1", "-H", "Accept: application/v1+json", q(origin.url("/echo"))});
    QCOMPARE(r.exitCode, 0);
    auto body = proxy.curl({"-s", "-H", "Content-Type: text/plain", "--data-binary", "hello world, hello",
                            q(origin.url("/echo-body"))});
    QCOMPARE(body.out, QByteArray("bye world, bye"));
    auto seen = origin.requests();
    QCOMPARE(seen.size(), size_t(2));
    QCOMPARE(seen[0].header("X-Dev"), std::string("1"));
    QCOMPARE(seen[0].header("User-Agent"), std::string());
    QCOMPARE(seen[0].header("Accept"), std::string("application/v2+json"));
    QCOMPARE(seen[1].bodyLength, uint64_t(14));
    QCOMPARE(seen[1].header("Content-Length"), std::string("14"));
    auto flows = proxy.finishedFlows(2);
    for (const char* tag : {"rewrite:add-dev", "rewrite:no-agent", "rewrite:accept-v2"}) {
      QVERIFY2(flows[0]->hasTag(tag), tagsOf(flows[0]).c_str());
    }
    QVERIFY2(!flows[0]->hasTag("rewrite:bye"), tagsOf(flows[0]).c_str());  // no body: not applied
    QVERIFY2(flows[1]->hasTag("rewrite:bye"), tagsOf(flows[1]).c_str());
  }

  // Response rules as the client sees them: headers and status on a streamed response; a chunked
  // textual body replaced whole and sent with the right Content-Length; a binary body left alone.
  void rewriteResponseSeenByClient() {
    TestOrigin origin;
    ProxyHarness proxy(withPolicies([&](PolicyConfig& p) {
      using A = RewriteRule::Action;
      const auto resp = RewriteRule::Stage::Response;
      p.rewrite.enabled = true;
      p.rewrite.rules.push_back({"mark", resp, A::SetHeader, "X-Rewritten", "yes", "", 0, ""});
      p.rewrite.rules.push_back({"hide-origin", resp, A::RemoveHeader, "X-Origin", "", "", 0, ""});
      p.rewrite.rules.push_back({"teapot", resp, A::SetStatus, "", "", "", 418, origin.url("/hello")});
      p.rewrite.rules.push_back({"fox", resp, A::ReplaceBody, "", "slow $1 cat", "quick (brown) fox", 0, ""});
    }));
    auto hello = split(proxy.curl({"-s", "-i", q(origin.url("/hello"))}).out);
    QVERIFY2(hello.head.startsWith("HTTP/1.1 418"), hello.head.constData());
    QCOMPARE(hello.header("X-Rewritten"), QByteArray("yes"));
    QCOMPARE(hello.header("X-Origin"), QByteArray());
    QCOMPARE(hello.body, QByteArray("hello world\n"));

    auto text = split(proxy.curl({"-s", "-i", q(origin.url("/text?size=5000&chunked=1"))}).out);
    QVERIFY2(text.head.startsWith("HTTP/1.1 200"), text.head.constData());  // teapot is for /hello only
    const std::string expected = std::regex_replace(originText(5000), std::regex("quick (brown) fox"), "slow $1 cat");
    QCOMPARE(text.body.size(), qsizetype(expected.size()));
    QCOMPARE(text.body.toStdString(), expected);
    QCOMPARE(text.header("Content-Length"), QByteArray::number(qsizetype(expected.size())));
    QCOMPARE(text.header("Transfer-Encoding"), QByteArray());
    QCOMPARE(text.header("X-Rewritten"), QByteArray("yes"));

    // Not textual: streamed as the origin sent it.
    auto big = proxy.curl({"-s", q(origin.url("/big?size=100000&seed=3"))});
    QCOMPARE(big.out.size(), qsizetype(100000));
    QCOMPARE(sha256Hex(big.out.toStdString()), sha256Hex(seededBytes(100000, 3)));

    auto flows = proxy.finishedFlows(3);
    QCOMPARE(flows.size(), size_t(3));
    for (const char* tag : {"rewrite:mark", "rewrite:hide-origin", "rewrite:teapot"}) {
      QVERIFY2(flows[0]->hasTag(tag), tagsOf(flows[0]).c_str());
    }
    QVERIFY2(flows[1]->hasTag("rewrite:fox") && flows[1]->hasTag("rewrite:mark"), tagsOf(flows[1]).c_str());
    QVERIFY2(!flows[1]->hasTag("rewrite:teapot"), tagsOf(flows[1]).c_str());
    QVERIFY2(!flows[2]->hasTag("rewrite:fox"), tagsOf(flows[2]).c_str());
    QCOMPARE(counter(proxy.engine(), "rewrite.applied"), uint64_t(6));  // 3 + fox and mark + mark
  }
  // The proxy's own answers (the filter's 403, Map Local, a cache HIT, the rate limiter's 429) get the
  // response rules like an origin's answer, and so do bodiless answers (204, 304): headers, status,
  // and the body text of textual answers.
  void rewriteAppliesToProxyAnswersAndBodilessResponses() {
    TestOrigin origin;
    QTemporaryDir dir;
    writeFile(dir.filePath("local.txt"), "local file\n");
    using A = RewriteRule::Action;
    const auto resp = RewriteRule::Stage::Response;
    auto rules = [&](PolicyConfig& p) {
      p.rewrite.enabled = true;
      p.rewrite.rules.push_back({"mark", resp, A::SetHeader, "X-Rewritten", "yes", "", 0, ""});
      p.rewrite.rules.push_back({"reword", resp, A::ReplaceBody, "", "Refused", "Blocked", 0, ""});
      p.rewrite.rules.push_back({"no-content-to-ok", resp, A::SetStatus, "", "", "", 200, origin.url("/status?code=204&ok")});
    };
    ProxyHarness proxy(withPolicies([&](PolicyConfig& p) {
      rules(p);
      p.filter.enabled = true;
      p.filter.block.push_back({"no-admin", "path:/admin"});
      p.mapLocal.enabled = true;
      p.mapLocal.rules.push_back({origin.url("/local"), dir.filePath("local.txt").toStdString()});
      p.cache.enabled = true;
    }));
    auto blocked = split(proxy.curl({"-s", "-i", q(origin.url("/admin/x"))}).out);
    QVERIFY2(blocked.head.startsWith("HTTP/1.1 403"), blocked.head.constData());
    QCOMPARE(blocked.header("X-Rewritten"), QByteArray("yes"));
    QVERIFY2(blocked.body.startsWith("Refused by Proxyscope filter rule 'no-admin'"), blocked.body.constData());
    QCOMPARE(blocked.header("Content-Length"), QByteArray::number(blocked.body.size()));

    auto local = split(proxy.curl({"-s", "-i", q(origin.url("/local"))}).out);
    QVERIFY2(local.head.startsWith("HTTP/1.1 200"), local.head.constData());
    QCOMPARE(local.header("X-Rewritten"), QByteArray("yes"));
    QCOMPARE(local.body, QByteArray("local file\n"));

    QCOMPARE(proxy.curl({"-s", q(origin.url("/cacheable"))}).out, QByteArray("cacheable #0\n"));
    proxy.finishedFlows(3);
    auto hit = split(proxy.curl({"-s", "-i", q(origin.url("/cacheable"))}).out);
    QCOMPARE(hit.header("X-Proxyscope-Cache"), QByteArray("HIT"));
    QCOMPARE(hit.header("X-Rewritten"), QByteArray("yes"));

    // Bodiless: the header rule on a 204 and on a 304 (the client's own conditional request).
    auto noContent = split(proxy.curl({"-s", "-i", q(origin.url("/status?code=204"))}).out);
    QVERIFY2(noContent.head.startsWith("HTTP/1.1 204"), noContent.head.constData());
    QCOMPARE(noContent.header("X-Rewritten"), QByteArray("yes"));
    auto notModified = split(proxy.curl({"-s", "-i", q(origin.url("/status?code=304"))}).out);
    QVERIFY2(notModified.head.startsWith("HTTP/1.1 304"), notModified.head.constData());
    QCOMPARE(notModified.header("X-Rewritten"), QByteArray("yes"));
    // A 204 rewritten to 200 says its empty length, so the client does not wait for a body.
    auto ok = proxy.curl({"-s", "-i", "--max-time", "5", q(origin.url("/status?code=204&ok"))});
    QCOMPARE(ok.exitCode, 0);
    auto okAnswer = split(ok.out);
    QVERIFY2(okAnswer.head.startsWith("HTTP/1.1 200"), okAnswer.head.constData());
    QCOMPARE(okAnswer.header("Content-Length"), QByteArray("0"));
    QCOMPARE(okAnswer.body, QByteArray());

    auto flows = proxy.finishedFlows(7);
    QCOMPARE(flows.size(), size_t(7));
    QVERIFY2(flows[0]->hasTag("rewrite:mark") && flows[0]->hasTag("rewrite:reword"), tagsOf(flows[0]).c_str());
    QCOMPARE(flows[0]->response->status, 403);
    QVERIFY(flows[0]->response->body.captured.starts_with("Refused"));
    QVERIFY2(flows[1]->hasTag("rewrite:mark") && flows[1]->hasTag("map-local:" + dir.filePath("local.txt").toStdString()),
             tagsOf(flows[1]).c_str());
    QVERIFY2(flows[3]->hasTag("rewrite:mark") && flows[3]->hasTag("cache:HIT"), tagsOf(flows[3]).c_str());
    QVERIFY2(flows[4]->hasTag("rewrite:mark"), tagsOf(flows[4]).c_str());
    QVERIFY2(flows[6]->hasTag("rewrite:no-content-to-ok"), tagsOf(flows[6]).c_str());
    // The origin saw only the cacheable MISS and the three status requests.
    QCOMPARE(origin.requests().size(), size_t(4));

    // The rate limiter's 429 keeps its Retry-After and gets the rules too.
    ProxyHarness limited(withPolicies([&](PolicyConfig& p) {
      rules(p);
      p.rateLimit.enabled = true;
      p.rateLimit.perSecond = 0.01;
      p.rateLimit.burst = 1;
    }));
    QCOMPARE(limited.curl({"-s", q(origin.url("/hello"))}).out, QByteArray("hello world\n"));
    auto tooMany = split(limited.curl({"-s", "-i", q(origin.url("/hello"))}).out);
    QVERIFY2(tooMany.head.startsWith("HTTP/1.1 429"), tooMany.head.constData());
    QCOMPARE(tooMany.header("X-Rewritten"), QByteArray("yes"));
    QVERIFY(!tooMany.header("Retry-After").isEmpty());
  }

  // Reverse mode (the same stage): in front of one backend, Map Local answers, Map Remote sends to a
  // second origin instead of the backend, and a response rule marks what the backend answered.
  void reverseModeMapsAndRewrites() {
    TestOrigin backend, other;
    QTemporaryDir dir;
    writeFile(dir.filePath("local.txt"), "from disk\n");
    const std::string json =
        "{\"pools\":{\"app\":{\"backends\":[{\"name\":\"b1\",\"url\":\"http://" + backend.authority() + "\"}]}}}";
    auto parsed = parseReverseConfig(json, "test.json");
    QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().message.c_str());
    auto reverse = std::make_shared<const ReverseConfig>(std::move(parsed.value()));
    auto policies = std::make_shared<PolicyConfig>();
    policies->mapLocal.enabled = true;
    policies->mapLocal.rules.push_back({"http://app.test/local", dir.filePath("local.txt").toStdString()});
    policies->mapRemote.enabled = true;
    policies->mapRemote.rules.push_back({"http://app.test/v1/", other.url("/")});
    policies->rewrite.enabled = true;
    policies->rewrite.rules.push_back(
        {"mark", RewriteRule::Stage::Response, RewriteRule::Action::AddHeader, "X-Mark", "1", "", 0, ""});
    ProxyHarness proxy([reverse, policies](EngineConfig& c) {
      c.mode = ProxyMode::Reverse;
      c.reverse = reverse;
      c.policies = policies;
    });
    const QString base = q("http://127.0.0.1:" + std::to_string(proxy.port()));
    auto local = run("curl", {"-s", "--max-time", "20", "-H", "Host: app.test", base + "/local"}, 30000);
    QCOMPARE(local.out, QByteArray("from disk\n"));
    auto remote = run("curl", {"-s", "--max-time", "20", "-H", "Host: app.test", base + "/v1/hello"}, 30000);
    QCOMPARE(remote.out, QByteArray("hello world\n"));
    auto plain = split(run("curl", {"-s", "-i", "--max-time", "20", "-H", "Host: app.test", base + "/hello"}, 30000).out);
    QCOMPARE(plain.body, QByteArray("hello world\n"));
    QCOMPARE(plain.header("X-Mark"), QByteArray("1"));
    QCOMPARE(other.requests().size(), size_t(1));
    QCOMPARE(other.requests()[0].target, std::string("/hello"));
    // Only the unmapped request reached the backend (its health checks ask for "/").
    std::vector<std::string> reached;
    for (const auto& r : backend.requests()) {
      if (r.target != "/") reached.push_back(r.target);
    }
    QCOMPARE(reached, std::vector<std::string>{"/hello"});
    auto flows = proxy.finishedFlows(3);
    QCOMPARE(flows.size(), size_t(3));
    QVERIFY2(flows[0]->hasTag("map-local:" + dir.filePath("local.txt").toStdString()), tagsOf(flows[0]).c_str());
    QVERIFY2(flows[1]->hasTag("map-remote:" + other.url("/")), tagsOf(flows[1]).c_str());
    QCOMPARE(flows[1]->backend, std::string());  // the balancer's backend was not used
    QCOMPARE(flows[2]->backend, std::string("b1"));
    QVERIFY2(flows[2]->hasTag("rewrite:mark"), tagsOf(flows[2]).c_str());
  }

  // The real binary reads the three from its --config file.
  void configFileDrivesTheBinary() {
    TestOrigin origin;
    QTemporaryDir dir;
    writeFile(dir.filePath("page.html"), "<p>local</p>\n");
    const std::string config = "{\"policies\": {\"mapLocal\": {\"enabled\": true, \"rules\": [{\"urlPrefix\": \"" +
                               origin.url("/page") + "\", \"path\": \"" + dir.filePath("page.html").toStdString() +
                               "\"}]}, \"rewrite\": {\"enabled\": true, \"rules\": [{\"name\": \"dev\", \"stage\": "
                               "\"request\", \"action\": \"setHeader\", \"header\": \"X-Dev\", \"value\": \"yes\"}]}}}";
    writeFile(dir.filePath("policies.json"), config);
    ProxyProcess proxy;
    QVERIFY2(proxy.start({"--config", dir.filePath("policies.json"), "--data-dir", dir.path()}),
             qPrintable(proxy.output() + proxy.errors()));
    auto page = run("curl", {"-s", "--max-time", "10", "-x", proxy.proxyUrl(), q(origin.url("/page"))}, 20000);
    QCOMPARE(page.out, QByteArray("<p>local</p>\n"));
    auto echo = run("curl", {"-s", "--max-time", "10", "-x", proxy.proxyUrl(), q(origin.url("/echo"))}, 20000);
    QCOMPARE(echo.exitCode, 0);
    auto seen = origin.requests();
    QCOMPARE(seen.size(), size_t(1));
    QCOMPARE(seen[0].target, std::string("/echo"));
    QCOMPARE(seen[0].header("X-Dev"), std::string("yes"));
    QCOMPARE(proxy.stop(SIGTERM), 0);
  }
};

QTEST_APPLESS_MAIN(TestPolicyRewrite)
#include "test_policy_rewrite.moc"
