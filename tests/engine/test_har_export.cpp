// HAR 1.2 export: fields, timings, cookies, query strings, postData params, base64 bodies, content
// codings, "_" fields, streaming volume, and validation against the HAR 1.2 schema with the real
// har-validator from npm.
#include <QtTest>

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "engine/har/content_coding.h"
#include "engine/har/har_export.h"
#include "engine/har/har_import.h"
#include "engine/har/har_text.h"
#include "tests/support/har_samples.h"
#include "tests/support/test_support.h"

using namespace ps::engine;
using namespace ps::engine::har;
using Json = nlohmann::json;

namespace {

QString q(const Json& j) { return QString::fromStdString(j.is_string() ? j.get<std::string>() : j.dump()); }

Json entryOf(const Flow& f) {
  Json doc = Json::parse(exportHar({f}));
  return doc["log"]["entries"][0];
}

// <build>/npm: beside the build's tests folder, found from this executable's path.
QString npmPrefix() {
  QFileInfo exe(QStringLiteral("/proc/self/exe"));
  return QFileInfo(exe.canonicalFilePath()).dir().absoluteFilePath(QStringLiteral("../npm"));
}

}  // namespace

class TestHarExport : public QObject {
  Q_OBJECT
  std::vector<Flow> m_flows = ps::test::harSampleFlows();
  QTemporaryDir m_dir;

 private slots:
  void envelope() {
    HarExportOptions opt;
    opt.creatorVersion = "9.8.7";
    Json doc = Json::parse(exportHar(m_flows, opt));
    QCOMPARE(q(doc["log"]["version"]), QStringLiteral("1.2"));
    QCOMPARE(q(doc["log"]["creator"]["name"]), QStringLiteral("Proxyscope"));
    QCOMPARE(q(doc["log"]["creator"]["version"]), QStringLiteral("9.8.7"));
    QCOMPARE(doc["log"]["entries"].size(), m_flows.size());
    QVERIFY(doc["log"]["pages"].is_array() && doc["log"]["pages"].empty());
    opt.pageTitle = "Session 1";
    opt.pretty = true;
    Json paged = Json::parse(exportHar(m_flows, opt));
    QCOMPARE(paged["log"]["pages"].size(), size_t(1));
    QCOMPARE(q(paged["log"]["pages"][0]["startedDateTime"]), QStringLiteral("2025-11-26T23:58:10.123Z"));
    QCOMPARE(q(paged["log"]["entries"][3]["pageref"]), QStringLiteral("page_1"));
    QCOMPARE(paged["log"]["entries"], [&] {
      Json e = doc["log"]["entries"];
      for (auto& x : e) x["pageref"] = "page_1";
      return e;
    }());
    Json empty = Json::parse(exportHar({}));
    QVERIFY(empty["log"]["entries"].empty());
  }

  void requestFields() {
    Json e = entryOf(m_flows[0]);
    QCOMPARE(q(e["startedDateTime"]), QStringLiteral("2025-11-26T23:58:10.123Z"));
    const Json& rq = e["request"];
    QCOMPARE(q(rq["method"]), QStringLiteral("GET"));
    QCOMPARE(q(rq["url"]), QStringLiteral("http://example.test/search?q=caf%C3%A9&x=a+b&empty=&flag&raw=%FF"));
    QCOMPARE(q(rq["httpVersion"]), QStringLiteral("HTTP/1.1"));
    // Headers exactly as received: case, order, duplicates, empty values.
    QCOMPARE(rq["headers"].size(), size_t(6));
    QCOMPARE(q(rq["headers"][4]["name"]), QStringLiteral("cookie"));
    QCOMPARE(q(rq["headers"][5]["value"]), QString());
    // Query string percent-decoded, '+' as space; undecodable bytes stay encoded.
    const Json& qs = rq["queryString"];
    QCOMPARE(qs.size(), size_t(5));
    QCOMPARE(q(qs[0]["value"]), QString::fromUtf8("café"));
    QCOMPARE(q(qs[1]["value"]), QStringLiteral("a b"));
    QCOMPARE(q(qs[3]["name"]), QStringLiteral("flag"));
    QCOMPARE(q(qs[4]["value"]), QStringLiteral("%FF"));
    // Cookies from every Cookie field.
    QCOMPARE(rq["cookies"].size(), size_t(3));
    QCOMPARE(q(rq["cookies"][1]["name"]), QStringLiteral("theme"));
    QCOMPARE(q(rq["cookies"][2]["value"]), QStringLiteral("1"));
    QVERIFY(!rq.contains("postData"));
    QCOMPARE(rq["bodySize"].get<int>(), 0);
    // headersSize: request line + fields + blank line, absolute-form target as received.
    std::string head = "GET " + m_flows[0].request.target + " HTTP/1.1\r\n";
    for (const auto& f : m_flows[0].request.headers) head += f.value.empty() ? f.name + ":\r\n" : f.name + ": " + f.value + "\r\n";
    head += "\r\n";
    QCOMPARE(rq["headersSize"].get<size_t>(), head.size());
    QCOMPARE(q(rq["_target"]), QString::fromStdString(m_flows[0].request.target));
    QCOMPARE(q(e["serverIPAddress"]), QStringLiteral("93.184.216.34"));
    QCOMPARE(q(e["connection"]), QStringLiteral("10"));
    QVERIFY(!e.contains("_serverAddress"));
    QCOMPARE(e["_wireBytes"]["toClient"].get<int>(), 654);
    QCOMPARE(q(entryOf(m_flows[7])["request"]["httpVersion"]), QStringLiteral("HTTP/1.0"));
    QCOMPARE(q(entryOf(m_flows[1])["serverIPAddress"]), QStringLiteral("2001:db8::1"));
  }

  void responseCookiesAndContent() {
    Json e = entryOf(m_flows[0]);
    const Json& rs = e["response"];
    QCOMPARE(rs["status"].get<int>(), 200);
    QCOMPARE(q(rs["statusText"]), QStringLiteral("OK"));
    QCOMPARE(rs["cookies"].size(), size_t(2));
    const Json& c = rs["cookies"][0];
    QCOMPARE(q(c["name"]), QStringLiteral("id"));
    QCOMPARE(q(c["value"]), QStringLiteral("a3fWa"));
    QCOMPARE(q(c["path"]), QStringLiteral("/"));
    QCOMPARE(q(c["domain"]), QStringLiteral("example.test"));
    QCOMPARE(q(c["expires"]), QStringLiteral("2015-10-21T07:28:00.000Z"));
    QCOMPARE(c["httpOnly"].get<bool>(), true);
    QCOMPARE(c["secure"].get<bool>(), true);
    QCOMPARE(q(c["sameSite"]), QStringLiteral("Lax"));
    // Max-Age counts from when the response arrived (RFC 6265 5.2.2; its first byte, a mark HAR keeps).
    const int64_t expires = *parseIso8601(rs["cookies"][1]["expires"].get<std::string>());
    QCOMPARE(expires / 1000, (m_flows[0].timing.responseStart - m_flows[0].timing.start % 1000 + 3600 * 1000000LL) / 1000);
    // content.text is the decoded body; bodySize the coded bytes; compression the difference.
    const Json& content = rs["content"];
    const std::string html = "<!doctype html><title>café</title>\n<p>Hello, world.</p>\n";
    QCOMPARE(q(content["text"]), QString::fromStdString(html));
    QCOMPARE(content["size"].get<size_t>(), html.size());
    QCOMPARE(rs["bodySize"].get<size_t>(), m_flows[0].response->body.size);
    QCOMPARE(content["compression"].get<int64_t>(), int64_t(html.size()) - int64_t(m_flows[0].response->body.size));
    QCOMPARE(q(content["mimeType"]), QStringLiteral("text/html; charset=utf-8"));
    QVERIFY(!content.contains("encoding"));
    QCOMPARE(q(rs["redirectURL"]), QString());
    QCOMPARE(q(entryOf(m_flows[1])["response"]["redirectURL"]), QStringLiteral("https://api.example.test/home"));
    QCOMPARE(q(entryOf(m_flows[2])["response"]["content"]["text"]), QStringLiteral("{\"id\":42,\"name\":\"cat.png\"}"));
    QCOMPARE(q(entryOf(m_flows[4])["response"]["content"]["text"]), QStringLiteral("[{\"id\":1},{\"id\":2}]"));
  }

  void binaryBodiesAreBase64() {
    Json img = entryOf(m_flows[3])["response"]["content"];
    QCOMPARE(q(img["encoding"]), QStringLiteral("base64"));
    QCOMPARE(*base64Decode(img["text"].get<std::string>()), ps::test::binarySample());
    QCOMPARE(img["size"].get<size_t>(), ps::test::binarySample().size());
    Json put = entryOf(m_flows[7])["request"]["postData"];
    QCOMPARE(q(put["_encoding"]), QStringLiteral("base64"));
    QCOMPARE(*base64Decode(put["text"].get<std::string>()), ps::test::binarySample());
    QCOMPARE(q(put["mimeType"]), QStringLiteral("application/octet-stream"));
  }

  void undecodableBodyKeepsItsBytes() {
    Json content = entryOf(m_flows[8])["response"]["content"];
    QCOMPARE(q(content["_encoded"]), QStringLiteral("gzip"));
    QCOMPARE(q(content["text"]), QStringLiteral("plain text, not gzip"));
    QVERIFY(!content.contains("compression"));
  }

  void truncatedCodedBodyShowsTheDecodedPrefix() {
    std::string text;
    for (int i = 0; i < 2000; ++i) text += "line " + std::to_string(i) + " of a long log that compresses\n";
    const std::string coded = *encodeContent(text, "gzip");
    Flow f = m_flows[0];
    f.response->body.captured = coded.substr(0, coded.size() / 2);
    f.response->body.size = coded.size();
    Json e = entryOf(f);
    const std::string shown = e["response"]["content"]["text"].get<std::string>();
    QVERIFY(shown.size() > 1000);
    QVERIFY(text.compare(0, shown.size(), shown) == 0);
    QVERIFY(!e["response"]["content"].contains("compression"));
    QVERIFY(!e["response"]["content"].contains("_encoded"));
    QCOMPARE(e["response"]["bodySize"].get<size_t>(), coded.size());
    QCOMPARE(e["_truncated"]["response"].get<bool>(), true);
  }

  void postDataParams() {
    Json pd = entryOf(m_flows[1])["request"]["postData"];
    QCOMPARE(q(pd["mimeType"]), QStringLiteral("application/x-www-form-urlencoded"));
    QCOMPARE(q(pd["text"]), QString::fromStdString(m_flows[1].request.body.captured));
    QCOMPARE(pd["params"].size(), size_t(4));
    QCOMPARE(q(pd["params"][0]["value"]), QStringLiteral("al ice"));
    QCOMPARE(q(pd["params"][1]["value"]), QStringLiteral("p@ss word"));
    QCOMPARE(q(pd["params"][2]["value"]), QString::fromUtf8("café"));
    QCOMPARE(q(pd["params"][3]["name"]), QStringLiteral("x"));
    Json mp = entryOf(m_flows[2])["request"]["postData"];
    QCOMPARE(mp["params"].size(), size_t(2));
    QCOMPARE(q(mp["params"][0]["name"]), QStringLiteral("title"));
    QCOMPARE(q(mp["params"][0]["value"]), QString::fromUtf8("My cat ü"));
    QCOMPARE(q(mp["params"][1]["fileName"]), QStringLiteral("cat.png"));
    QCOMPARE(q(mp["params"][1]["contentType"]), QStringLiteral("image/png"));
    QVERIFY(!mp["params"][1].contains("value"));  // binary file content is in text (base64), not here
    QCOMPARE(q(mp["_encoding"]), QStringLiteral("base64"));
    QCOMPARE(*base64Decode(mp["text"].get<std::string>()), m_flows[2].request.body.captured);
    QCOMPARE(entryOf(m_flows[2])["request"]["bodySize"].get<size_t>(), m_flows[2].request.body.size);
  }

  void timings() {
    // Fresh connection with TLS: every phase, ssl inside connect, time = the sum.
    Json e = entryOf(m_flows[1]);
    const Json& t = e["timings"];
    QCOMPARE(t["blocked"].get<double>(), 0.2);
    QCOMPARE(t["dns"].get<double>(), 1.5);
    QCOMPARE(t["connect"].get<double>(), 7.4);
    QCOMPARE(t["ssl"].get<double>(), 5.4);
    QCOMPARE(t["send"].get<double>(), 0.25);
    QCOMPARE(t["wait"].get<double>(), 22.0);
    QCOMPARE(t["receive"].get<double>(), 1.507);
    QCOMPARE(e["time"].get<double>(), 32.857);
    // Pooled connection: no dns, no connect, no ssl.
    Json pooled = entryOf(m_flows[3])["timings"];
    QCOMPARE(pooled["dns"].get<int>(), -1);
    QCOMPARE(pooled["connect"].get<int>(), -1);
    QCOMPARE(pooled["ssl"].get<int>(), -1);
    QCOMPARE(pooled["send"].get<double>(), 0.2);
    QCOMPARE(pooled["wait"].get<int>(), 5);
    QCOMPARE(pooled["receive"].get<double>(), 0.701);
    QCOMPARE(entryOf(m_flows[3])["time"].get<double>(), 6.001);
    // Plain connection: ssl -1 while connect is measured.
    Json plain = entryOf(m_flows[0])["timings"];
    QCOMPARE(plain["connect"].get<int>(), 2);
    QCOMPARE(plain["ssl"].get<int>(), -1);
    // A connect that failed: the time after DNS is spent connecting; nothing sent or received.
    Json failed = entryOf(m_flows[5]);
    QCOMPARE(failed["timings"]["connect"].get<double>(), 3000.0);
    QCOMPARE(failed["timings"]["send"].get<int>(), 0);
    QCOMPARE(failed["timings"]["receive"].get<int>(), 0);
    QCOMPARE(failed["time"].get<double>(), 3000.9);
  }

  void failedFlowAndProxyscopeFields() {
    Json e = entryOf(m_flows[5]);
    QCOMPARE(e["response"]["status"].get<int>(), 0);
    QCOMPARE(e["response"]["bodySize"].get<int>(), -1);
    QCOMPARE(q(e["_error"]["kind"]), QStringLiteral("upstream-connect"));
    QCOMPARE(q(e["_error"]["message"]), QStringLiteral("connect to 10.0.0.1:80: Connection refused"));
    QCOMPARE(e["_flowId"].get<int>(), 6);
    QCOMPARE(q(e["_mode"]), QStringLiteral("forward"));
    Json r = entryOf(m_flows[4]);
    QCOMPARE(q(r["_mode"]), QStringLiteral("reverse"));
    QCOMPARE(q(r["_backend"]), QStringLiteral("b1"));
    QCOMPARE(r["_replayOf"].get<int>(), 3);
    QCOMPARE(r["_tags"], Json::array({"replay", "intercepted"}));
    QVERIFY(!r.contains("_error") && !r.contains("_truncated"));
    Json tr = entryOf(m_flows[6]);
    QCOMPARE(tr["_truncated"]["response"].get<bool>(), true);
    QCOMPARE(tr["_truncated"]["request"].get<bool>(), false);
    QCOMPARE(tr["response"]["bodySize"].get<int>(), 100000);
    QCOMPARE(tr["response"]["content"]["size"].get<int>(), 1000);
    Json tunnel = entryOf(m_flows[9]);
    QCOMPARE(q(tunnel["_kind"]), QStringLiteral("tunnel"));
    QCOMPARE(q(tunnel["request"]["url"]), QStringLiteral("https://secret.example.test/"));
    QVERIFY(!tunnel["request"].contains("_target"));  // authority-form is the default for CONNECT
    Json kept = entryOf(m_flows[10]);
    QCOMPARE(q(kept["_initiator"]["type"]), QStringLiteral("parser"));
    QCOMPARE(q(kept["comment"]), QStringLiteral("from Chrome"));
    QCOMPARE(kept["response"]["_transferSize"].get<int>(), 321);
    QCOMPARE(kept["timings"]["_blocked_queueing"].get<double>(), 1.5);
  }

  void streamsTenThousandFlows() {
    std::ostringstream out;
    HarWriter writer(out);
    for (uint64_t i = 1; i <= 10000; ++i) writer.add(ps::test::syntheticFlow(i));
    QVERIFY(writer.finish());
    QCOMPARE(writer.count(), size_t(10000));
    Json doc = Json::parse(out.str());
    QCOMPARE(doc["log"]["entries"].size(), size_t(10000));
    QCOMPARE(doc["log"]["entries"][9999]["_flowId"].get<int>(), 10000);
  }

  void exportsToAFileAtomically() {
    QVERIFY(m_dir.isValid());
    const std::string path = m_dir.filePath("pulled.har").toStdString();
    size_t i = 0;
    auto written = exportHarFile(path, [&](Flow& f) {
      if (i == m_flows.size()) return false;
      f = m_flows[i++];
      return true;
    });
    QVERIFY(written.ok());
    QCOMPARE(*written, m_flows.size());
    QVERIFY(!QFileInfo::exists(QString::fromStdString(path + ".part")));
    auto back = importHarFile(path);
    QVERIFY(back.ok());
    QCOMPARE(back->size(), m_flows.size());
    auto bad = exportHarFile(m_dir.filePath("no/such/dir/x.har").toStdString(), [](Flow&) { return false; });
    QVERIFY(!bad.ok());
    QVERIFY2(bad.error().message.find("cannot write") != std::string::npos, bad.error().message.c_str());
    auto missing = importHarFile(m_dir.filePath("missing.har").toStdString());
    QVERIFY(!missing.ok());
  }

  void validatesAgainstHarSchema() {
    if (QStandardPaths::findExecutable("node").isEmpty() || QStandardPaths::findExecutable("npm").isEmpty()) {
      QSKIP("node/npm missing: installers/setup-debian.sh installs nodejs and npm; HAR schema validation skipped");
    }
    const QString prefix = npmPrefix();
    const QString module = prefix + "/node_modules/har-validator";
    if (!QFileInfo::exists(module + "/package.json")) {
      auto install = ps::test::run("npm", {"install", "--prefix", prefix, "--no-audit", "--no-fund", "--loglevel=error", "har-validator@5.1.5"}, 240000);
      QVERIFY2(install.exitCode == 0, (install.err + install.out).constData());
    }
    QVERIFY(m_dir.isValid());
    QStringList files;
    auto write = [&](const QString& name, const std::string& text) {
      const QString path = m_dir.filePath(name);
      std::ofstream(path.toStdString(), std::ios::binary) << text;
      files << path;
    };
    HarExportOptions paged;
    paged.pageTitle = "capture";
    paged.pretty = true;
    write("samples.har", exportHar(m_flows));
    write("samples-pretty-paged.har", exportHar(m_flows, paged));
    write("empty.har", exportHar({}));
    std::vector<Flow> synthetic;
    for (uint64_t i = 1; i <= 50; ++i) synthetic.push_back(ps::test::syntheticFlow(i));
    write("synthetic.har", exportHar(synthetic));
    // Files from other tools, imported and exported again, are valid HAR too.
    for (const char* name : {"chrome.har", "firefox.har", "charles.har", "mitmproxy.har"}) {
      std::ifstream in((ps::test::testDataDir() + "/har/" + name).toStdString(), std::ios::binary);
      std::ostringstream text;
      text << in.rdbuf();
      auto flows = importHar(text.str());
      QVERIFY2(flows.ok(), name);
      write(QStringLiteral("reexported-") + QLatin1String(name), exportHar(*flows));
    }
    const QString script = QStringLiteral(
        "const hv=require(process.argv[1]);const fs=require('fs');let bad=0;"
        "Promise.all(process.argv.slice(2).map(f=>hv.har(JSON.parse(fs.readFileSync(f,'utf8')))"
        ".then(()=>console.log('HAR valid: '+f),e=>{bad++;console.error(f+': '+JSON.stringify(e.errors||e.message))})))"
        ".then(()=>process.exit(bad?1:0));");
    auto result = ps::test::run("node", QStringList{"-e", script, module} + files, 60000);
    QVERIFY2(result.exitCode == 0, (result.err + result.out).constData());
    QCOMPARE(result.out.count("HAR valid"), files.size());
    // The validator does reject: an entry without its required request fails.
    Json broken = Json::parse(exportHar({m_flows[0]}));
    broken["log"]["entries"][0].erase("request");
    files.clear();
    write("broken.har", broken.dump());
    auto rejected = ps::test::run("node", QStringList{"-e", script, module} + files, 60000);
    QCOMPARE(rejected.exitCode, 1);
    QVERIFY2(rejected.err.contains("request"), rejected.err.constData());
  }
};

QTEST_APPLESS_MAIN(TestHarExport)
#include "test_har_export.moc"
