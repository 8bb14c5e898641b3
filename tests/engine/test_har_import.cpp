// HAR import of files shaped like Chrome's, Firefox's, Charles's and mitmproxy's exports
// (tests/data/har/), malformed files rejected with the JSON path, and the round trips
// export → import → export (identical text) and foreign file → export → import → export (stable).
#include <QtTest>

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "engine/har/content_coding.h"
#include "engine/har/har_entry.h"
#include "engine/har/har_export.h"
#include "engine/har/har_import.h"
#include "engine/har/har_text.h"
#include "tests/support/har_samples.h"
#include "tests/support/test_support.h"

using namespace ps::engine;
using namespace ps::engine::har;
using ps::engine::har::Json;

namespace {

std::string readData(const char* name) {
  std::ifstream in((ps::test::testDataDir() + "/har/" + name).toStdString(), std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

QString s(std::string_view v) { return QString::fromUtf8(v.data(), static_cast<qsizetype>(v.size())); }
QString header(const Headers& h, const char* name) { return s(h.get(name).value_or("<absent>")); }
QByteArray b(const std::string& v) { return QByteArray(v.data(), static_cast<qsizetype>(v.size())); }
std::string decoded(const Response& r) { return decodeContent(r.body.captured, r.headers.get("Content-Encoding").value_or(""))->data; }
nlohmann::json ext(const Flow& f) { return f.extensions.empty() ? nlohmann::json::object() : nlohmann::json::parse(f.extensions); }

std::vector<Flow> importOk(const std::string& text) {
  auto r = importHar(text);
  if (!r.ok()) qWarning("import failed: %s", r.error().message.c_str());
  return r.ok() ? *r : std::vector<Flow>{};
}

// JSON written with ' for " (keeps the test tables readable and moc's lexer happy).
QString dq(const char* text) { return QString::fromUtf8(text).replace(QLatin1Char('\''), QLatin1Char('"')); }

const std::string kPng = *base64Decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");

}  // namespace

class TestHarImport : public QObject {
  Q_OBJECT
 private slots:
  void chromeShaped() {
    auto flows = importOk(readData("chrome.har"));
    QCOMPARE(flows.size(), size_t(4));
    const Flow& doc = flows[0];
    QCOMPARE(doc.id, uint64_t(1));
    QCOMPARE(s(doc.request.method), QStringLiteral("GET"));
    QCOMPARE(s(doc.request.scheme), QStringLiteral("https"));
    QCOMPARE(s(doc.request.host), QStringLiteral("www.example.test"));
    QCOMPARE(doc.request.port, uint16_t(443));
    QCOMPARE(s(doc.request.path), QStringLiteral("/?lang=de&q=%C3%BC"));  // fragment dropped
    QCOMPARE(doc.request.versionMajor, 2);
    QCOMPARE(doc.request.headers.size(), size_t(8));
    QCOMPARE(s(doc.request.headers.fields()[0].name), QStringLiteral(":authority"));
    QCOMPARE(doc.response->status, 200);
    QCOMPARE(header(doc.response->headers, "content-encoding"), QStringLiteral("br"));
    // content.text was decoded; the Flow body carries the br coding again.
    QVERIFY(doc.response->body.captured != "<!doctype html><html><body>Grüße</body></html>\n");
    QCOMPARE(s(decoded(*doc.response)), QString::fromUtf8("<!doctype html><html><body>Grüße</body></html>\n"));
    QCOMPARE(s(doc.serverAddress), QStringLiteral("[2001:db8::10]:443"));
    QCOMPARE(doc.connectionId, uint64_t(1234));
    QCOMPARE(doc.timing.start, *parseIso8601("2026-03-01T10:00:00.000Z"));
    HarTimings t = harTimings(doc.timing);
    QCOMPARE(t.blocked, int64_t(2100));
    QCOMPARE(t.dns, int64_t(10000));
    QCOMPARE(t.connect, int64_t(35200));
    QCOMPARE(t.ssl, int64_t(20500));
    QCOMPARE(t.wait, int64_t(30500));
    QCOMPARE(t.receive, int64_t(7423));
    Json e = ext(doc);
    QCOMPARE(s(e["entry"]["_priority"].get<std::string>()), QStringLiteral("VeryHigh"));
    QCOMPARE(s(e["entry"]["_initiator"]["type"].get<std::string>()), QStringLiteral("other"));
    QCOMPARE(e["response"]["_transferSize"].get<int>(), 132);
    QCOMPARE(e["timings"]["_blocked_queueing"].get<double>(), 1.2);
    QVERIFY(!e["entry"].contains("pageref"));
    QCOMPARE(b(flows[1].response->body.captured), b(kPng));
    QCOMPARE(flows[1].timing.dnsDone, int64_t(0));
    QCOMPARE(s(flows[2].request.body.captured), QString::fromUtf8("{\"name\":\"ü\",\"ok\":true}"));
    QCOMPARE(flows[2].request.body.size, flows[2].request.body.captured.size());
    QCOMPARE(s(flows[2].request.target), QStringLiteral("/v1/save"));
    // A failed request: no response; Chrome's own _error string is kept.
    QVERIFY(!flows[3].response.has_value());
    QCOMPARE(s(ext(flows[3])["response"]["_error"].get<std::string>()), QStringLiteral("net::ERR_CONNECTION_REFUSED"));
    QCOMPARE(flows[3].request.versionMinor, 1);

    // Chrome's fields go back out on export.
    Json out = Json::parse(exportHar(flows));
    const Json& e0 = out["log"]["entries"][0];
    QCOMPARE(s(e0["_resourceType"].get<std::string>()), QStringLiteral("document"));
    QCOMPARE(e0["response"]["_transferSize"].get<int>(), 132);
    QCOMPARE(e0["timings"]["_blocked_queueing"].get<double>(), 1.2);
    QCOMPARE(s(e0["response"]["content"]["text"].get<std::string>()), QString::fromUtf8("<!doctype html><html><body>Grüße</body></html>\n"));
    QCOMPARE(s(e0["serverIPAddress"].get<std::string>()), QStringLiteral("2001:db8::10"));
    QCOMPARE(s(e0["request"]["httpVersion"].get<std::string>()), QStringLiteral("HTTP/2"));
    QCOMPARE(e0["request"]["headersSize"].get<int>(), -1);
    QCOMPARE(s(out["log"]["entries"][3]["response"]["_error"].get<std::string>()), QStringLiteral("net::ERR_CONNECTION_REFUSED"));
    QCOMPARE(out["log"]["entries"][3]["response"]["status"].get<int>(), 0);
  }

  void firefoxShaped() {
    auto flows = importOk(readData("firefox.har"));
    QCOMPARE(flows.size(), size_t(3));
    const Flow& login = flows[0];
    QCOMPARE(login.timing.start, *parseIso8601("2026-03-01T10:00:00.250Z"));  // +01:00 offset
    QCOMPARE(s(login.request.body.captured), QStringLiteral("user=alice&pass=s3cr3t+x"));
    QCOMPARE(login.response->status, 303);
    QCOMPARE(s(login.response->reason), QStringLiteral("See Other"));
    QVERIFY(login.response->body.captured.empty());
    QCOMPARE(login.connectionId, uint64_t(443));
    QCOMPARE(login.request.versionMajor, 2);
    QCOMPARE(s(ext(login)["entry"]["_securityState"].get<std::string>()), QStringLiteral("secure"));
    QCOMPARE(s(decoded(*flows[1].response)), QStringLiteral("{\"name\":\"Alice\",\"email\":\"alice@example.test\"}"));
    QCOMPARE(b(flows[2].response->body.captured), b(kPng));
    QCOMPARE(flows[2].timing.tlsDone - flows[2].timing.connectDone, int64_t(25000));
    QCOMPARE(s(flows[2].serverAddress), QStringLiteral("198.51.100.7:443"));
  }

  void charlesShaped() {
    auto flows = importOk(readData("charles.har"));
    QCOMPARE(flows.size(), size_t(2));
    const Flow& form = flows[0];
    QCOMPARE(form.timing.start, *parseIso8601("2026-03-02T13:15:30.456Z"));  // -05:00 offset
    QCOMPARE(form.request.port, uint16_t(8080));
    QCOMPARE(s(form.request.path), QStringLiteral("/api/form?debug=1"));
    // Charles wrote only params: the urlencoded body is rebuilt from them.
    QCOMPARE(s(form.request.body.captured), QStringLiteral("a=1+2&b=x%26y"));
    QCOMPARE(s(decoded(*form.response)), QStringLiteral("{\"result\":\"ok\",\"count\":2}\n"));
    QCOMPARE(harTimings(form.timing).connect, int64_t(12000));
    QCOMPARE(harTimings(form.timing).blocked, int64_t(-1));
    Json e = ext(form);
    QCOMPARE(s(e["entry"]["comment"].get<std::string>()), QStringLiteral("checked by hand"));
    QCOMPARE(s(e["response"]["_charlesStatus"].get<std::string>()), QStringLiteral("COMPLETE"));
    QCOMPARE(b(flows[1].response->body.captured), b(kPng));
  }

  void mitmproxyShaped() {
    auto flows = importOk(readData("mitmproxy.har"));
    QCOMPARE(flows.size(), size_t(3));
    QCOMPARE(flows[0].timing.start % 1000000, int64_t(123456));  // microseconds kept
    QCOMPARE(s(decoded(*flows[0].response)), QStringLiteral("{\"items\":[1,2,3]}\n"));
    QCOMPARE(header(flows[0].response->headers, "Set-Cookie").left(6), QStringLiteral("cart=7"));
    QCOMPARE(b(flows[1].request.body.captured), b(std::string("\x00\x01\xff\x7e", 4)));
    QCOMPARE(s(flows[1].serverAddress), QStringLiteral("198.51.100.20:443"));
    QCOMPARE(flows[2].response->status, 101);
    Json e = ext(flows[2]);
    QCOMPARE(e["entry"]["_webSocketMessages"].size(), size_t(2));
    QCOMPARE(s(e["entry"]["_resourceType"].get<std::string>()), QStringLiteral("websocket"));
    Json out = Json::parse(exportHar(flows));
    QCOMPARE(out["log"]["entries"][2]["_webSocketMessages"][1]["data"], Json("world"));
  }

  void malformedNamesThePath_data() {
    QTest::addColumn<QString>("har");
    QTest::addColumn<QString>("message");
    const QString ok = dq("{'startedDateTime':'2026-01-01T00:00:00Z','request':{'method':'GET','url':'http://h/','headers':[]},'response':{'status':200,'headers':[]}}");
    auto wrap = [&](const QString& second) { return dq("{'log':{'version':'1.2','entries':[%1,%2]}}").arg(ok, second); };
    QTest::newRow("not json") << "{\"log\": [" << "not JSON: byte";
    QTest::newRow("root") << "[]" << "(root): expected an object";
    QTest::newRow("no log") << "{}" << "log: missing";
    QTest::newRow("no entries") << dq("{'log':{}}") << "log.entries: missing";
    QTest::newRow("entries type") << dq("{'log':{'entries':{}}}") << "log.entries: expected an array";
    QTest::newRow("entry type") << wrap("\"x\"") << "log.entries[1]: expected an object";
    QTest::newRow("url type") << wrap(dq("{'request':{'method':'GET','url':42}}")) << "log.entries[1].request.url: expected a string";
    QTest::newRow("url missing") << wrap(dq("{'request':{'method':'GET'}}")) << "log.entries[1].request.url: missing";
    QTest::newRow("request missing") << wrap(dq("{'response':{}}")) << "log.entries[1].request: missing";
    QTest::newRow("relative url") << wrap(dq("{'request':{'method':'GET','url':'/x'}}")) << "log.entries[1].request.url: not an absolute http(s) URL: /x";
    QTest::newRow("headers type") << wrap(dq("{'request':{'method':'GET','url':'http://h/','headers':{}}}"))
                                  << "log.entries[1].request.headers: expected an array";
    QTest::newRow("header name") << wrap(dq("{'request':{'method':'GET','url':'http://h/'},'response':{'status':200,'headers':[{'name':'a','value':'1'},{'value':'2'}]}}"))
                                 << "log.entries[1].response.headers[1].name: missing";
    QTest::newRow("header value") << wrap(dq("{'request':{'method':'GET','url':'http://h/','headers':[{'name':'a','value':1}]}}"))
                                  << "log.entries[1].request.headers[0].value: expected a string";
    QTest::newRow("date") << wrap(dq("{'startedDateTime':'yesterday','request':{'method':'GET','url':'http://h/'}}"))
                          << "log.entries[1].startedDateTime: not an ISO 8601 date-time: yesterday";
    QTest::newRow("status") << wrap(dq("{'request':{'method':'GET','url':'http://h/'},'response':{'status':'200'}}"))
                            << "log.entries[1].response.status: expected a number";
    QTest::newRow("base64") << wrap(dq("{'request':{'method':'GET','url':'http://h/'},'response':{'status':200,'content':{'text':'!!!','encoding':'base64'}}}"))
                            << "log.entries[1].response.content.text: invalid base64";
    QTest::newRow("timing") << wrap(dq("{'request':{'method':'GET','url':'http://h/'},'timings':{'wait':'slow'}}"))
                            << "log.entries[1].timings.wait: expected a number";
    QTest::newRow("postData") << wrap(dq("{'request':{'method':'POST','url':'http://h/','postData':[]}}"))
                              << "log.entries[1].request.postData: expected an object";
    QTest::newRow("tags") << wrap(dq("{'request':{'method':'GET','url':'http://h/'},'_tags':['a',1]}")) << "log.entries[1]._tags[1]: expected a string";
  }
  void malformedNamesThePath() {
    QFETCH(QString, har);
    QFETCH(QString, message);
    auto r = importHar(har.toStdString());
    QVERIFY(!r.ok());
    QVERIFY2(s(r.error().message).startsWith(message), r.error().message.c_str());
  }

  void toleratesMinimalEntries() {
    auto flows = importOk(dq("{'log':{'entries':[{'request':{'method':'GET','url':'http://h:81/p'}}]}}").toStdString());
    QCOMPARE(flows.size(), size_t(1));
    QCOMPARE(flows[0].request.port, uint16_t(81));
    QVERIFY(!flows[0].response.has_value());
    QCOMPARE(flows[0].timing.start, int64_t(0));
  }

  void roundTripIsIdentical() {
    const std::vector<Flow> original = ps::test::harSampleFlows();
    for (bool pretty : {false, true}) {
      HarExportOptions opt;
      opt.pretty = pretty;
      opt.pageTitle = pretty ? "round trip" : "";
      const std::string first = exportHar(original, opt);
      auto imported = importHar(first);
      QVERIFY2(imported.ok(), imported.ok() ? "" : imported.error().message.c_str());
      const std::string second = exportHar(*imported, opt);
      if (first != second) {
        Json a = Json::parse(first), c = Json::parse(second);
        for (size_t i = 0; i < a["log"]["entries"].size(); ++i) {
          if (a["log"]["entries"][i] != c["log"]["entries"][i]) {
            qWarning("entry %zu differs:\n%s\n%s", i, a["log"]["entries"][i].dump().c_str(), c["log"]["entries"][i].dump().c_str());
          }
        }
      }
      QVERIFY(first == second);
    }
  }

  void roundTripRestoresTheFlows() {
    const std::vector<Flow> original = ps::test::harSampleFlows();
    auto imported = importHar(exportHar(original));
    QVERIFY(imported.ok());
    QCOMPARE(imported->size(), original.size());
    for (size_t i = 0; i < original.size(); ++i) {
      const Flow& a = original[i];
      const Flow& c = (*imported)[i];
      QCOMPARE(c.id, a.id);
      QCOMPARE(c.connectionId, a.connectionId);
      QCOMPARE(c.mode, a.mode);
      QCOMPARE(c.kind, a.kind);
      QCOMPARE(s(c.clientAddress), s(a.clientAddress));
      QCOMPARE(s(c.serverAddress), s(a.serverAddress));
      QCOMPARE(s(c.backend), s(a.backend));
      QCOMPARE(c.replayOf, a.replayOf);
      QCOMPARE(c.tags, a.tags);
      QCOMPARE(c.error.has_value(), a.error.has_value());
      if (a.error) {
        QCOMPARE(c.error->kind, a.error->kind);
        QCOMPARE(s(c.error->message), s(a.error->message));
      }
      QCOMPARE(c.bytesFromClient, a.bytesFromClient);
      QCOMPARE(s(c.request.method), s(a.request.method));
      QCOMPARE(s(c.request.target), s(a.request.target));
      QCOMPARE(s(c.request.url()), s(a.request.url()));
      QCOMPARE(c.request.versionMinor, a.request.versionMinor);
      QVERIFY(c.request.headers == a.request.headers);
      QCOMPARE(b(c.request.body.captured), b(a.request.body.captured));
      QCOMPARE(c.request.body.size, a.request.body.size);
      QCOMPARE(c.response.has_value(), a.response.has_value());
      if (a.response) {
        QCOMPARE(c.response->status, a.response->status);
        QCOMPARE(s(c.response->reason), s(a.response->reason));
        QVERIFY(c.response->headers == a.response->headers);
        // Proxyscope's encoders are deterministic, so even the coded bytes come back.
        QCOMPARE(b(c.response->body.captured), b(a.response->body.captured));
        QCOMPARE(c.response->body.size, a.response->body.size);
        // Marks relative to the start (startedDateTime keeps milliseconds only).
        for (auto mark : {&Timing::requestHeaders, &Timing::dnsDone, &Timing::connectDone, &Timing::tlsDone, &Timing::requestSent,
                          &Timing::responseStart, &Timing::end}) {
          const int64_t want = a.timing.*mark == 0 ? 0 : a.timing.*mark - a.timing.start;
          const int64_t got = c.timing.*mark == 0 ? 0 : c.timing.*mark - c.timing.start;
          QCOMPARE(got, want);
        }
      }
      QCOMPARE(c.timing.start / 1000, a.timing.start / 1000);
      QVERIFY2(ext(c) == ext(a), (c.extensions + " vs " + a.extensions).c_str());
    }
  }

  // Mutated and truncated files: every outcome is a flow list or an error message, never a crash
  // (run under ASan/UBSan to make this bite).
  void damagedFilesNeverCrash() {
    uint32_t seed = 12345;
    auto rnd = [&] { return seed = seed * 1103515245u + 12345u, (seed >> 8); };
    int rejected = 0;
    for (const char* name : {"chrome.har", "firefox.har", "charles.har", "mitmproxy.har"}) {
      const std::string text = readData(name);
      for (int round = 0; round < 150; ++round) {
        std::string damaged = text;
        if (round % 3 == 0) {
          damaged.resize(rnd() % damaged.size());
        } else {
          for (int k = 0; k < 1 + round % 5; ++k) damaged[rnd() % damaged.size()] = static_cast<char>(" \"{}[],:0a-"[rnd() % 12]);
        }
        auto r = importHar(damaged);
        if (!r.ok()) {
          ++rejected;
          QVERIFY(!r.error().message.empty());
        } else {
          (void)exportHar(*r);
        }
      }
    }
    QVERIFY(rejected > 0);
  }

  void foreignFilesAreStable_data() {
    QTest::addColumn<QString>("file");
    for (const char* f : {"chrome.har", "firefox.har", "charles.har", "mitmproxy.har"}) QTest::newRow(f) << QString::fromLatin1(f);
  }
  void foreignFilesAreStable() {
    QFETCH(QString, file);
    auto once = importOk(readData(file.toLatin1().constData()));
    QVERIFY(!once.empty());
    const std::string a = exportHar(once);
    auto twice = importOk(a);
    const std::string c = exportHar(twice);
    QVERIFY(a == c);
  }
};

QTEST_APPLESS_MAIN(TestHarImport)
#include "test_har_import.moc"
