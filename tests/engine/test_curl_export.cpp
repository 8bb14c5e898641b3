// Copy as cURL / raw HTTP and parsing pasted cURL commands. The quoting is tested for real: each
// command runs through bash and through sh (dash on Debian) with the real curl against an in-test
// origin on 127.0.0.1 that records the bytes it received, which must equal the flow's request.
#include <QtTest>

#include <asio.hpp>

#include <thread>

#include "engine/har/curl_export.h"
#include "tests/support/test_support.h"

using namespace ps::engine;
using namespace ps::engine::har;

namespace {

// Accepts one connection, records the request until it is complete (by Content-Length or the last
// chunk), answers 200 and closes. Gives up after a deadline, so a command that never connects
// cannot hang the test.
class RecordingOrigin {
 public:
  RecordingOrigin() : m_acceptor(m_io, {asio::ip::make_address("127.0.0.1"), 0}), m_socket(m_io), m_timer(m_io) {
    m_acceptor.async_accept(m_socket, [this](std::error_code ec) {
      if (!ec) read();
    });
    m_timer.expires_after(std::chrono::seconds(20));
    m_timer.async_wait([this](std::error_code ec) {
      if (!ec) stop();
    });
    m_thread = std::thread([this] { m_io.run(); });
  }
  ~RecordingOrigin() {
    asio::post(m_io, [this] { stop(); });
    if (m_thread.joinable()) m_thread.join();
  }
  uint16_t port() const { return m_acceptor.local_endpoint().port(); }
  // Waits until the exchange ended (or the deadline passed) and returns what arrived.
  std::string received() {
    if (m_thread.joinable()) m_thread.join();
    return m_data;
  }

 private:
  void stop() {
    std::error_code ec;
    m_acceptor.close(ec);
    m_socket.close(ec);
    m_timer.cancel();
  }
  bool complete() const {
    size_t headEnd = m_data.find("\r\n\r\n");
    if (headEnd == std::string::npos) return false;
    std::string head = m_data.substr(0, headEnd);
    for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (head.find("\r\ntransfer-encoding: chunked") != std::string::npos) return m_data.ends_with("\r\n0\r\n\r\n");
    size_t cl = head.find("\r\ncontent-length:");
    if (cl == std::string::npos) return true;
    size_t length = std::stoul(head.substr(cl + 17));
    return m_data.size() >= headEnd + 4 + length;
  }
  void read() {
    m_socket.async_read_some(asio::buffer(m_buf), [this](std::error_code ec, size_t n) {
      if (ec) return stop();
      m_data.append(m_buf.data(), n);
      if (!complete()) return read();
      static const std::string kAnswer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
      asio::async_write(m_socket, asio::buffer(kAnswer), [this](std::error_code, size_t) { stop(); });
    });
  }

  asio::io_context m_io;
  asio::ip::tcp::acceptor m_acceptor;
  asio::ip::tcp::socket m_socket;
  asio::steady_timer m_timer;
  std::array<char, 65536> m_buf{};
  std::string m_data;
  std::thread m_thread;
};

Flow makeFlow(const std::string& method, const std::string& path, Headers headers, std::string body = {}) {
  Flow f;
  f.id = 1;
  f.request.method = method;
  f.request.scheme = "http";
  f.request.host = "127.0.0.1";
  f.request.port = 80;
  f.request.path = path;
  f.request.target = path;
  f.request.headers = std::move(headers);
  if (!body.empty() && !f.request.headers.has("Content-Length") && !f.request.headers.has("Transfer-Encoding")) {
    f.request.headers.add("Content-Length", std::to_string(body.size()));
  }
  f.request.body.size = body.size();
  f.request.body.captured = std::move(body);
  return f;
}

std::string allBytes() {
  std::string s;
  for (int i = 0; i < 256; ++i) s += static_cast<char>(i);
  return s + std::string("\0\0'\"$`\\%%s\n", 11);
}

QByteArray bytes(const std::string& s) { return QByteArray(s.data(), static_cast<qsizetype>(s.size())); }

}  // namespace

class TestCurlExport : public QObject {
  Q_OBJECT

  // Runs the command with the flow pointed at a fresh origin; returns what the origin received.
  std::string sendThroughShell(Flow flow, const QString& shell) {
    RecordingOrigin origin;
    flow.request.port = origin.port();
    for (auto& f : flow.request.headers.fields()) {
      if (iequals(f.name, "Host") && f.value == "PORT") f.value = "127.0.0.1:" + std::to_string(origin.port());
    }
    auto cmd = toCurlCommand(flow);
    if (!cmd) {
      qWarning("toCurlCommand: %s", cmd.error().message.c_str());
      return {};
    }
    auto result = ps::test::run(shell, {"-c", QString::fromStdString(*cmd + " --silent --show-error --max-time 15 -o /dev/null")}, 30000);
    if (result.exitCode != 0) qWarning("%s failed (%d): %s\n%s", qPrintable(shell), result.exitCode, result.err.constData(), cmd->c_str());
    return origin.received();
  }

  void checkArrivesExactly(const Flow& flow) {
    Flow expected = flow;
    for (const QString& shell : {QStringLiteral("bash"), QStringLiteral("sh")}) {
      std::string got = sendThroughShell(flow, shell);
      Flow withPort = flow;
      // The origin's port is only known per run: rebuild the expected Host value from what arrived.
      size_t hostPos = got.find("\r\nHost: 127.0.0.1:");
      for (auto& f : withPort.request.headers.fields()) {
        if (iequals(f.name, "Host") && f.value == "PORT" && hostPos != std::string::npos) {
          f.value = got.substr(hostPos + 8, got.find("\r\n", hostPos + 2) - hostPos - 8);
        }
      }
      const std::string want = toRawHttpRequest(withPort.request);
      if (got != want) {
        qWarning("shell %s\n--- want\n%s\n--- got\n%s", qPrintable(shell), QByteArray::fromStdString(want).toPercentEncoding(" \r\n:/").constData(),
                 QByteArray::fromStdString(got).toPercentEncoding(" \r\n:/").constData());
      }
      QCOMPARE(bytes(got), bytes(want));
    }
  }

 private slots:
  void initTestCase() {
    if (QStandardPaths::findExecutable("curl").isEmpty()) QSKIP("curl is not installed (installers/setup-debian.sh installs it)");
  }

  void plainGetNeedsNoMethodFlag() {
    Flow f = makeFlow("GET", "/a?b=c", {{"Host", "example.test"}, {"Accept", "*/*"}});
    auto cmd = toCurlCommand(f, {false});
    QVERIFY(cmd.ok());
    QCOMPARE(QString::fromStdString(*cmd),
             QStringLiteral("curl 'http://127.0.0.1/a?b=c' -H 'Host: example.test' -H 'Accept: */*' -H User-Agent:"));
    Flow post = makeFlow("POST", "/", {{"Host", "h"}}, "x=1");
    QVERIFY(toCurlCommand(post)->find("-X") == std::string::npos);
    Flow put = makeFlow("PUT", "/", {{"Host", "h"}}, "x=1");
    QVERIFY(toCurlCommand(put)->find("-X PUT") != std::string::npos);
    Flow head = makeFlow("HEAD", "/", {{"Host", "h"}});
    QVERIFY(toCurlCommand(head)->find("--head") != std::string::npos);
  }

  void singleQuotesAreEscapedTheOneWay() {
    Flow f = makeFlow("GET", "/", {{"Host", "h"}, {"X-Q", "it's"}});
    QVERIFY(toCurlCommand(f)->find("-H 'X-Q: it'\\''s'") != std::string::npos);
  }

  void refusesWhatCannotBeSent() {
    Flow nl = makeFlow("GET", "/", {{"Host", "h"}, {"X-Bad", "a\r\nInjected: yes"}});
    auto r = toCurlCommand(nl);
    QVERIFY(!r.ok());
    QVERIFY(r.error().message.find("X-Bad") != std::string::npos);
    QVERIFY(!toCurlCommand(makeFlow("GET", "/", {{"Host", "h"}, {"Bad Name", "v"}})).ok());
    QVERIFY(!toCurlCommand(makeFlow("GET", "/", {{"Host", "h"}, {"@file", "v"}})).ok());
    QVERIFY(!toCurlCommand(makeFlow("GET", "/", {{"Host", "h"}, {"X-Nul", std::string("a\0b", 3)}})).ok());
    QVERIFY(!toCurlCommand(makeFlow("G ET", "/", {{"Host", "h"}})).ok());
    Flow tunnel = makeFlow("CONNECT", "", {{"Host", "h:443"}});
    QVERIFY(!toCurlCommand(tunnel).ok());
  }

  void nastyHeadersArriveExactly() {
    checkArrivesExactly(makeFlow("GET", "/p/a%20b?q=[1]&x={y}&z=$HOME",
                                 {{"Host", "PORT"},
                                  {"User-Agent", "Mozilla/5.0 (X11; \"quoted\") 'single'"},
                                  {"X-Dollar", "$HOME ${PATH} $(id) `id` \\ \\\\ !! !$"},
                                  {"X-Unicode", "ü € 😀 日本"},
                                  {"X-Empty", ""},
                                  {"x-lower-case", "Tab\there; semi; & | < > * ? ~ #"},
                                  {"X-Dup", "1"},
                                  {"X-Dup", "2"},
                                  {"Accept", "text/html, */*;q=0.1"},
                                  {"Accept-Encoding", "gzip, br"},
                                  {"Cookie", "a=1; b=\"two\"; c=it's"}}));
  }

  void textBodyArrivesExactly() {
    std::string body = "line 1\nline 2 'quoted' \"double\" $(rm -rf /) `id` $HOME \\n %s %d \\ \r\n\tü€\f@notafile";
    checkArrivesExactly(makeFlow("POST", "/form", {{"Host", "PORT"}, {"Content-Type", "text/plain; charset=utf-8"}}, body));
    checkArrivesExactly(makeFlow("PATCH", "/", {{"Host", "PORT"}}, "@/etc/passwd"));  // no file read, no Content-Type added
  }

  void binaryBodyArrivesExactly() {
    checkArrivesExactly(makeFlow("PUT", "/upload", {{"Host", "PORT"}, {"Content-Type", "application/octet-stream"}}, allBytes()));
    std::string big;
    for (int i = 0; i < 5000; ++i) big += static_cast<char>((i * 7919) & 0xFF);
    checkArrivesExactly(makeFlow("POST", "/big", {{"Host", "PORT"}, {"Content-Type", "image/png"}}, big));  // no Expect added
  }

  void deleteAndDotSegmentsArriveExactly() {
    checkArrivesExactly(makeFlow("DELETE", "/a/../b/./c", {{"Host", "PORT"}, {"Authorization", "Bearer x.y.z"}}));
  }

  void chunkedBodyIsRechunkedByCurl() {
    Flow f = makeFlow("POST", "/chunks", {{"Host", "PORT"}, {"Transfer-Encoding", "chunked"}, {"Content-Type", "text/plain"}}, "hello world");
    checkArrivesExactly(f);
  }

  void rawHttp() {
    Flow f = makeFlow("POST", "http://example.test/x", {{"Host", "example.test"}, {"Transfer-Encoding", "chunked"}}, "abc");
    Response rs;
    rs.status = 201;
    rs.reason = "Created";
    rs.headers = {{"Content-Length", "2"}, {"X-A", "b"}};
    rs.body.captured = "ok";
    rs.body.size = 2;
    f.response = rs;
    QCOMPARE(QString::fromStdString(toRawHttp(f)),
             QStringLiteral("POST http://example.test/x HTTP/1.1\r\nHost: example.test\r\nTransfer-Encoding: chunked\r\n\r\n"
                            "3\r\nabc\r\n0\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\nX-A: b\r\n\r\nok"));
  }

  void exportedCommandsParseBackToTheRequest() {
    std::vector<Flow> flows{
        makeFlow("GET", "/q?a=[1]", {{"Host", "h.test"}, {"X-Dollar", "$HOME `id` 'q' \"d\""}, {"X-Empty", ""}, {"Accept-Encoding", "gzip"}}),
        makeFlow("PUT", "/b", {{"Host", "h.test"}, {"Content-Type", "text/plain"}, {"Accept", "*/*"}}, "multi\nline 'body' $x"),
        makeFlow("DELETE", "/", {{"Host", "h.test"}, {"User-Agent", "ua"}}),
    };
    for (const Flow& f : flows) {
      auto cmd = toCurlCommand(f);
      QVERIFY(cmd.ok());
      auto rq = parseCurlCommand(*cmd);
      QVERIFY2(rq.ok(), rq.ok() ? "" : rq.error().message.c_str());
      QCOMPARE(QString::fromStdString(rq->method), QString::fromStdString(f.request.method));
      QCOMPARE(QString::fromStdString(rq->url()), QString::fromStdString(f.request.url()));
      QCOMPARE(bytes(toRawHttpRequest(*rq)), bytes(toRawHttpRequest(f.request)));
    }
  }

  void parsesBrowserStyleCommands() {
    // The shape Chromium's "Copy as cURL (bash)" produces.
    const char* chrome =
        "curl 'https://api.example.test:8443/v1/items?sort=asc' \\\n"
        "  -H 'accept: application/json' \\\n"
        "  -H $'cookie: session=abc; note=it\\'s' \\\n"
        "  -H 'content-type: application/json' \\\n"
        "  --data-raw $'{\"name\":\"\\u00fc\\\\n\",\"tab\":\"\\t\"}' \\\n"
        "  --compressed";
    auto rq = parseCurlCommand(chrome);
    QVERIFY2(rq.ok(), rq.ok() ? "" : rq.error().message.c_str());
    QCOMPARE(QString::fromStdString(rq->method), QStringLiteral("POST"));
    QCOMPARE(QString::fromStdString(rq->scheme), QStringLiteral("https"));
    QCOMPARE(rq->port, uint16_t(8443));
    QCOMPARE(QString::fromStdString(rq->path), QStringLiteral("/v1/items?sort=asc"));
    QCOMPARE(QString::fromStdString(std::string(*rq->headers.get("cookie"))), QStringLiteral("session=abc; note=it's"));
    QCOMPARE(QString::fromStdString(std::string(*rq->headers.get("Host"))), QStringLiteral("api.example.test:8443"));
    QCOMPARE(QString::fromStdString(std::string(*rq->headers.get("Accept-Encoding"))), QStringLiteral("deflate, gzip, br, zstd"));
    QCOMPARE(QString::fromStdString(rq->body.captured), QString::fromUtf8("{\"name\":\"ü\\n\",\"tab\":\"\t\"}"));
    QCOMPARE(QString::fromStdString(std::string(*rq->headers.get("Content-Length"))), QString::number(rq->body.captured.size()));
    QVERIFY(!rq->headers.has("User-Agent"));

    auto r2 = parseCurlCommand("curl -sSL -XPOST -u 'al ice:p@ss' -A agent -e http://ref/ -b 'a=1' -H 'X-E;' -H 'Accept:' "
                               "-d a=1 --data-urlencode 'q=hello world&x' \"http://example.test/p\" # trailing comment");
    QVERIFY2(r2.ok(), r2.ok() ? "" : r2.error().message.c_str());
    QCOMPARE(QString::fromStdString(r2->method), QStringLiteral("POST"));
    QCOMPARE(QString::fromStdString(std::string(*r2->headers.get("Authorization"))), QStringLiteral("Basic YWwgaWNlOnBAc3M="));
    QCOMPARE(QString::fromStdString(std::string(*r2->headers.get("User-Agent"))), QStringLiteral("agent"));
    QCOMPARE(QString::fromStdString(std::string(*r2->headers.get("Referer"))), QStringLiteral("http://ref/"));
    QCOMPARE(QString::fromStdString(std::string(*r2->headers.get("Cookie"))), QStringLiteral("a=1"));
    QVERIFY(r2->headers.has("X-E") && r2->headers.get("X-E")->empty());
    QVERIFY(!r2->headers.has("Accept"));
    QCOMPARE(QString::fromStdString(r2->body.captured), QStringLiteral("a=1&q=hello%20world%26x"));
    QCOMPARE(QString::fromStdString(std::string(*r2->headers.get("Content-Type"))), QStringLiteral("application/x-www-form-urlencoded"));

    auto r3 = parseCurlCommand("curl -G -d a=1 -d b=2 example.test:8080/s");
    QVERIFY(r3.ok());
    QCOMPARE(QString::fromStdString(r3->method), QStringLiteral("GET"));
    QCOMPARE(QString::fromStdString(r3->url()), QStringLiteral("http://example.test:8080/s?a=1&b=2"));
    QVERIFY(r3->body.captured.empty());

    auto r4 = parseCurlCommand("curl \"http://h/\" -H \"X-Q: \\\"quoted\\\" \\$literal\" --http1.0");
    QVERIFY(r4.ok());
    QCOMPARE(QString::fromStdString(std::string(*r4->headers.get("X-Q"))), QStringLiteral("\"quoted\" $literal"));
    QCOMPARE(r4->versionMinor, 0);
  }

  // Damaged commands: a Request or an error, never a crash (meaningful under ASan/UBSan).
  void damagedCommandsNeverCrash() {
    const std::string base =
        "curl 'https://h.test:8443/p?q=1' \\\n  -H $'x: a\\'b\\x41\\u00fc\\101' -H \"y: \\\"z\\\"\" --data-raw 'a b' -u u:p --compressed -XPUT";
    QVERIFY(parseCurlCommand(base).ok());
    uint32_t seed = 7;
    auto rnd = [&] { return seed = seed * 1103515245u + 12345u, (seed >> 8); };
    for (int round = 0; round < 2000; ++round) {
      std::string cmd = base;
      if (round % 4 == 0) cmd.resize(1 + rnd() % cmd.size());
      for (int k = 0; k < 1 + round % 4; ++k) cmd[rnd() % cmd.size()] = "'\"\\$ -x\n@;u"[rnd() % 12];
      auto r = parseCurlCommand(cmd);
      if (!r.ok()) QVERIFY(!r.error().message.empty());
    }
  }

  void refusesWhatItCannotHonour_data() {
    QTest::addColumn<QString>("command");
    QTest::addColumn<QString>("message");
    QTest::newRow("form") << "curl -F a=@x http://h/" << "-F";
    QTest::newRow("file data") << "curl -d @body.json http://h/" << "@FILE";
    QTest::newRow("cookie file") << "curl -b jar.txt http://h/" << "cookies from a file";
    QTest::newRow("variable") << "curl -H \"X: $TOKEN\" http://h/" << "shell expansion";
    QTest::newRow("bare variable") << "curl $URL" << "shell expansion";
    QTest::newRow("pipe") << "cat x | curl http://h/" << "shell operator |";
    QTest::newRow("pipe after") << "curl http://h/ | jq" << "shell operator |";
    QTest::newRow("quote") << "curl 'http://h/" << "unterminated '";
    QTest::newRow("no url") << "curl -s" << "no URL";
    QTest::newRow("unknown option") << "curl --frobnicate http://h/" << "--frobnicate";
    QTest::newRow("missing argument") << "curl http://h/ -H" << "needs an argument";
    QTest::newRow("ftp") << "curl ftp://h/" << "not an http(s) URL";
  }
  void refusesWhatItCannotHonour() {
    QFETCH(QString, command);
    QFETCH(QString, message);
    auto r = parseCurlCommand(command.toStdString());
    QVERIFY(!r.ok());
    QVERIFY2(QString::fromStdString(r.error().message).contains(message), r.error().message.c_str());
  }
};

QTEST_APPLESS_MAIN(TestCurlExport)
#include "test_curl_export.moc"
