// Map Local / Map Remote / Rewrite / Anonymity as pure functions on real files.
#include <QtTest>

#include <fstream>

#include "engine/policy/rewrite_rules.h"

using namespace ps::engine;

namespace {
Request req(const std::string& host, const std::string& path) {
  Request r;
  r.method = "GET";
  r.scheme = "http";
  r.host = host;
  r.port = 80;
  r.path = path;
  return r;
}
}  // namespace

class TestRewriteRules : public QObject {
  Q_OBJECT
 private slots:
  void hostPatterns() {
    QVERIFY(hostMatches("*.example.com", "api.example.com"));
    QVERIFY(hostMatches("*.EXAMPLE.com", "a.b.example.COM"));
    QVERIFY(!hostMatches("*.example.com", "example.com"));
    QVERIFY(!hostMatches("*.example.com", "badexample.com"));
    QVERIFY(hostMatches("example.com", "Example.com"));
    QVERIFY(hostMatches("*", "anything"));
  }

  void mapLocalFolderAndFile() {
    QTemporaryDir dir;
    std::ofstream(dir.filePath("app.js").toStdString()) << "console.log(1)";
    QDir(dir.path()).mkdir("sub");
    std::ofstream(dir.filePath("sub/index.html").toStdString()) << "<h1>hi</h1>";
    std::ofstream(dir.filePath("../secret-proxyscope-test.txt").toStdString()) << "secret";
    MapLocalRule folder{"http://api.test/static/", dir.path().toStdString()};

    auto js = mapLocal(folder, req("api.test", "/static/app.js?v=3"));
    QCOMPARE(js.status, 200);
    QCOMPARE(js.body, std::string("console.log(1)"));
    QCOMPARE(js.contentType, std::string("text/javascript"));
    auto index = mapLocal(folder, req("api.test", "/static/sub/"));
    QCOMPARE(index.status, 200);
    QCOMPARE(index.body, std::string("<h1>hi</h1>"));
    auto missing = mapLocal(folder, req("api.test", "/static/nope.css"));
    QCOMPARE(missing.status, 404);
    QVERIFY(missing.body.find("nope.css") != std::string::npos);
    for (const char* escape : {"/static/../secret-proxyscope-test.txt", "/static/%2e%2e/secret-proxyscope-test.txt",
                               "/static/sub/../../secret-proxyscope-test.txt"}) {
      auto traversal = mapLocal(folder, req("api.test", escape));
      QVERIFY2(traversal.status == 403, escape);
      QVERIFY(traversal.body.find("secret") == std::string::npos || traversal.body.find("leaves") != std::string::npos);
    }
    QFile::remove(dir.filePath("../secret-proxyscope-test.txt"));

    MapLocalRule file{"http://api.test/config.json", dir.filePath("app.js").toStdString()};
    QCOMPARE(mapLocal(file, req("api.test", "/config.json")).body, std::string("console.log(1)"));
  }

  void mapRemoteReplacesThePrefix() {
    MapRemoteRule rule{"http://api.test/v1/", "http://127.0.0.1:3000/v2/"};
    QCOMPARE(mapRemote(rule, req("api.test", "/v1/users?id=1")).value_or(""), std::string("http://127.0.0.1:3000/v2/users?id=1"));
    QVERIFY(!mapRemote(rule, req("other.test", "/v1/users")).has_value());
  }

  void rewriteActions() {
    Headers h{{"Content-Type", "text/html"}, {"Set-Cookie", "a=1; Secure"}, {"set-cookie", "b=2; Secure"}};
    std::string body = "Hello World, hello world";
    int status = 200;
    using A = RewriteRule::Action;
    QVERIFY(applyRewrite({"add", RewriteRule::Stage::Response, A::AddHeader, "X-Rewritten", "1", "", 0, ""}, h, body, status));
    QCOMPARE(std::string(*h.get("x-rewritten")), std::string("1"));
    QVERIFY(applyRewrite({"strip secure", RewriteRule::Stage::Response, A::ReplaceHeaderValue, "Set-Cookie", "", "; ?Secure", 0, ""}, h, body, status));
    QCOMPARE(h.getAll("set-cookie")[1], std::string_view("b=2"));
    QVERIFY(applyRewrite({"body", RewriteRule::Stage::Response, A::ReplaceBody, "", "Proxyscope", "[Ww]orld", 0, ""}, h, body, status));
    QCOMPARE(body, std::string("Hello Proxyscope, hello Proxyscope"));
    QVERIFY(!applyRewrite({"body again", RewriteRule::Stage::Response, A::ReplaceBody, "", "x", "absent", 0, ""}, h, body, status));
    QVERIFY(applyRewrite({"status", RewriteRule::Stage::Response, A::SetStatus, "", "", "", 418, ""}, h, body, status));
    QCOMPARE(status, 418);
    QVERIFY(applyRewrite({"rm", RewriteRule::Stage::Response, A::RemoveHeader, "set-cookie", "", "", 0, ""}, h, body, status));
    QVERIFY(!h.has("Set-Cookie"));

    QVERIFY(!validateRewrite({"bad", RewriteRule::Stage::Response, A::ReplaceBody, "", "", "([", 0, ""}).ok());
    QVERIFY(validateRewrite({"bad", RewriteRule::Stage::Response, A::ReplaceBody, "", "", "([", 0, ""}).error().message.find("invalid regular expression") != std::string::npos);
    QVERIFY(!validateRewrite({"bad", RewriteRule::Stage::Response, A::AddHeader, "", "v", "", 0, ""}).ok());
    QVERIFY(!validateRewrite({"bad", RewriteRule::Stage::Response, A::SetStatus, "", "", "", 42, ""}).ok());
  }

  void anonymityStripsAndReplaces() {
    AnonymityPolicy policy;
    policy.replace = {{"User-Agent", "Mozilla/5.0"}};
    policy.stripCookiesFor = {"*.tracker.test"};
    Headers h{{"User-Agent", "curl/8"}, {"Accept-Language", "de"}, {"Cookie", "id=1"}, {"Accept", "*/*"}, {"Referer", "http://x/"}};
    auto changed = applyAnonymity(policy, "ads.tracker.test", h);
    QVERIFY(!h.has("Accept-Language"));
    QVERIFY(!h.has("Referer"));
    QVERIFY(!h.has("Cookie"));
    QCOMPARE(std::string(*h.get("User-Agent")), std::string("Mozilla/5.0"));
    QCOMPARE(std::string(*h.get("Accept")), std::string("*/*"));
    QVERIFY(std::find(changed.begin(), changed.end(), "Cookie") != changed.end());
    QVERIFY(std::find(changed.begin(), changed.end(), "User-Agent") != changed.end());
    Headers other{{"Cookie", "id=1"}};
    applyAnonymity(policy, "example.test", other);
    QVERIFY(other.has("Cookie"));  // cookies only stripped for the listed hosts
  }
};

QTEST_APPLESS_MAIN(TestRewriteRules)
#include "test_rewrite_rules.moc"
