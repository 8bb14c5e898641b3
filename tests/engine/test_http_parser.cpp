// Http1Parser: byte sequences in, exact event sequences out (mitmproxy-style playbook tests).
// Every message is also fed split at every byte boundary and one byte at a time; the events and
// the body bytes must not change.
#include <QtTest>

#include <random>
#include <string>
#include <vector>

#include "engine/core/headers.h"
#include "engine/http/http1_parser.h"
#include "engine/http/http1_rules.h"

using namespace ps::engine;
using namespace ps::engine::http;
using Kind = Http1Parser::Kind;
using Type = Http1Parser::Event::Type;

namespace {

std::string describeHead(const Http1Parser& p, Kind kind) {
  std::string s;
  const Headers* h = nullptr;
  if (kind == Kind::Request) {
    const auto& r = p.request();
    s = "H " + r.method + " " + r.target + " " + std::to_string(r.versionMajor) + "." + std::to_string(r.versionMinor);
    h = &r.headers;
  } else {
    const auto& r = p.response();
    s = "H " + std::to_string(r.status) + " " + r.reason + " " + std::to_string(r.versionMajor) + "." +
        std::to_string(r.versionMinor);
    h = &r.headers;
  }
  for (const auto& f : *h) s += "|" + f.name + "=" + f.value;
  return s;
}

// Drives a parser the way a connection does: append what arrived, feed, drop what was consumed,
// feed the rest again until the parser wants more. Body events are merged (their granularity
// depends on the split); "T..." holds bytes left after an upgrade.
struct Run {
  std::vector<std::string> trace;
  bool error = false;
  ParseError err;
};

Run drive(Kind kind, const std::vector<std::string>& pieces, std::string_view respondingTo = "GET", bool eof = false) {
  Http1Parser p(kind);
  p.expectResponseTo(respondingTo);
  Run run;
  std::string buf;
  auto record = [&] {
    for (const auto& e : p.events()) {
      if (e.type == Type::Head) {
        run.trace.push_back(describeHead(p, kind));
      } else if (e.type == Type::Body) {
        // Zero copy: the data lies inside the buffer just fed.
        if (!(e.data.data() >= buf.data() && e.data.data() + e.data.size() <= buf.data() + buf.size())) {
          run.trace.push_back("BODY OUTSIDE BUFFER");
        }
        if (run.trace.empty() || run.trace.back()[0] != 'B') run.trace.push_back("B");
        run.trace.back().append(e.data);
      } else {
        std::string c = "C";
        for (const auto& f : p.trailers()) c += "|" + f.name + "=" + f.value;
        run.trace.push_back(c);
      }
    }
  };
  for (const auto& piece : pieces) {
    buf += piece;
    for (;;) {
      size_t n = p.feed(buf);
      record();
      buf.erase(0, n);
      if (p.hasError() || (n == 0 && p.events().empty())) break;
    }
    if (p.hasError()) break;
  }
  if (eof && !p.hasError()) {
    p.feedEof();
    record();
  }
  if (p.hasError()) {
    run.error = true;
    run.err = p.error();
    run.trace.push_back("E" + std::to_string(p.error().status));
  }
  if (!buf.empty() && !run.error) run.trace.push_back("T" + buf);
  return run;
}

Run whole(Kind kind, std::string_view bytes, std::string_view method = "GET", bool eof = false) {
  return drive(kind, {std::string(bytes)}, method, eof);
}

// Same events for every single split point and for byte-by-byte feeding.
void checkSplits(Kind kind, std::string_view bytes, std::string_view method = "GET", bool eof = false) {
  const Run ref = whole(kind, bytes, method, eof);
  for (size_t i = 1; i < bytes.size(); ++i) {
    Run r = drive(kind, {std::string(bytes.substr(0, i)), std::string(bytes.substr(i))}, method, eof);
    if (r.trace != ref.trace) {
      qWarning("split at %zu differs: %s", i, r.trace.empty() ? "" : r.trace.back().c_str());
    }
    QCOMPARE(r.trace, ref.trace);
  }
  std::vector<std::string> bytewise;
  for (char c : bytes) bytewise.emplace_back(1, c);
  QCOMPARE(drive(kind, bytewise, method, eof).trace, ref.trace);
}

using Trace = std::vector<std::string>;

}  // namespace

class TestHttpParser : public QObject {
  Q_OBJECT
 private slots:
  // The field-value check reads eight bytes at a time; every byte value at every offset of a word,
  // and random values, must get the answer of RFC 9110 5.5 byte by byte.
  void fieldValueCheckAgreesByteByByte() {
    auto allowed = [](unsigned char c) { return c == '\t' || (c >= 0x20 && c != 0x7f); };
    for (int b = 0; b < 256; ++b) {
      for (size_t at = 0; at < 19; ++at) {
        std::string value(19, 'v');
        value[at] = static_cast<char>(b);
        const bool ok = rules::fieldValueProblem(value) == nullptr;
        QVERIFY2(ok == allowed(static_cast<unsigned char>(b)), qPrintable(QString("byte %1 at %2").arg(b).arg(at)));
      }
    }
    std::mt19937 rng(7);
    for (int n = 0; n < 20000; ++n) {
      std::string value(rng() % 40, ' ');
      bool ok = true;
      for (auto& c : value) {
        // Mostly printable, sometimes a control, DEL or obs-text byte.
        const unsigned r = rng() % 100;
        c = static_cast<char>(r < 90 ? 0x20 + rng() % 95 : rng() % 256);
        ok = ok && allowed(static_cast<unsigned char>(c));
      }
      QCOMPARE(rules::fieldValueProblem(value) == nullptr, ok);
    }
  }

  // iequals folds ASCII letters only, for every pair of bytes.
  void iequalsFoldsAsciiLettersOnly() {
    auto fold = [](int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; };
    for (int a = 0; a < 256; ++a) {
      for (int b = 0; b < 256; ++b) {
        const std::string x(1, static_cast<char>(a)), y(1, static_cast<char>(b));
        if (iequals("Content-" + x, "content-" + y) != (fold(a) == fold(b))) QFAIL(qPrintable(QString("%1 %2").arg(a).arg(b)));
      }
    }
    QVERIFY(!iequals("Host", "Hos"));
    QVERIFY(iequals("", ""));
  }

  void simpleGet() {
    const std::string req = "GET /a?b=1 HTTP/1.1\r\nHost: example.com\r\nX-Case: MiXeD\r\n\r\n";
    QCOMPARE(whole(Kind::Request, req).trace, (Trace{"H GET /a?b=1 1.1|Host=example.com|X-Case=MiXeD", "C"}));
    Http1Parser p(Kind::Request);
    QCOMPARE(p.feed(req), req.size());
    QCOMPARE(p.events().size(), size_t(2));
    QVERIFY(p.keepAlive());
    QVERIFY(!p.chunked());
    QVERIFY(!p.contentLength().has_value());
    QVERIFY(!p.inMessage());
    checkSplits(Kind::Request, req);
  }

  void absoluteFormAndHeadersKeptExactly() {
    const std::string req =
        "GET http://example.com:8080/x HTTP/1.1\r\nHost: example.com:8080\r\nset-cookie: a=1\r\n"
        "Set-Cookie: b=2\r\nX-Empty:\r\nX-Trim:   v  \r\nX-Sp: a  b\tc\r\n\r\n";
    QCOMPARE(whole(Kind::Request, req).trace,
             (Trace{"H GET http://example.com:8080/x 1.1|Host=example.com:8080|set-cookie=a=1|Set-Cookie=b=2|"
                    "X-Empty=|X-Trim=v|X-Sp=a  b\tc",
                    "C"}));
    checkSplits(Kind::Request, req);
  }

  void postWithContentLength() {
    const std::string req = "POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world";
    QCOMPARE(whole(Kind::Request, req).trace, (Trace{"H POST /up 1.1|Host=h|Content-Length=11", "Bhello world", "C"}));
    // The head stops parsing: the body is not looked at until the caller feeds again.
    Http1Parser p(Kind::Request);
    size_t n = p.feed(req);
    QCOMPARE(n, req.size() - 11);
    QCOMPARE(p.events().size(), size_t(1));
    QCOMPARE(p.events()[0].type, Type::Head);
    QCOMPARE(p.contentLength(), std::optional<uint64_t>(11));
    QVERIFY(p.inMessage());
    std::string_view rest = std::string_view(req).substr(n);
    QCOMPARE(p.feed(rest), size_t(11));
    QCOMPARE(p.events().size(), size_t(2));
    QCOMPARE(p.events()[0].data.data(), rest.data());  // zero copy
    QCOMPARE(p.events()[1].type, Type::Complete);
    checkSplits(Kind::Request, req);
  }

  void chunkedWithExtensionsAndTrailers() {
    const std::string req =
        "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5;name=value\r\nhello\r\n6;x\r\n world\r\n0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n";
    QCOMPARE(whole(Kind::Request, req).trace,
             (Trace{"H POST /c 1.1|Host=h|Transfer-Encoding=chunked", "Bhello world", "C|X-Checksum=abc|X-Other=1"}));
    Http1Parser p(Kind::Request);
    p.feed(req);
    QVERIFY(p.chunked());
    QVERIFY(!p.contentLength().has_value());
    checkSplits(Kind::Request, req);
  }

  void lenientButValidFraming() {
    // OWS around values (tabs included) is allowed and not part of the value (RFC 9112 5.1).
    const std::string req = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length:\t3 \r\n\r\nabc";
    QCOMPARE(whole(Kind::Request, req).trace, (Trace{"H POST / 1.1|Host=h|Content-Length=3", "Babc", "C"}));
    const std::string te = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding:\tCHUNKED\r\n\r\n1\r\nz\r\n0\r\n\r\n";
    QCOMPARE(whole(Kind::Request, te).trace, (Trace{"H POST / 1.1|Host=h|Transfer-Encoding=CHUNKED", "Bz", "C"}));
    // Leading empty lines before a request are ignored (RFC 9112 2.2).
    QCOMPARE(whole(Kind::Request, "\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n").trace, (Trace{"H GET / 1.1|Host=h", "C"}));
  }

  void pipelinedRequests() {
    const std::string reqs =
        "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"
        "POST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
        "GET /3 HTTP/1.1\r\nHost: h\r\n\r\n";
    QCOMPARE(whole(Kind::Request, reqs).trace,
             (Trace{"H GET /1 1.1|Host=h", "C", "H POST /2 1.1|Host=h|Content-Length=3", "Babc", "C",
                    "H GET /3 1.1|Host=h", "C"}));
    // One message at a time: the first feed stops at the end of the first request.
    Http1Parser p(Kind::Request);
    QCOMPARE(p.feed(reqs), reqs.find("POST"));
    checkSplits(Kind::Request, reqs);
  }

  void expectContinueStopsBeforeBody() {
    const std::string req = "PUT /f HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n";
    Http1Parser p(Kind::Request);
    QCOMPARE(p.feed(req), req.size());
    QCOMPARE(p.events().size(), size_t(1));
    QCOMPARE(std::string(*p.request().headers.get("expect")), std::string("100-continue"));
    QVERIFY(p.inMessage());
    QCOMPARE(p.feed("da"), size_t(2));
    QCOMPARE(p.feed("ta"), size_t(2));
    QCOMPARE(p.events().back().type, Type::Complete);
  }

  void upgradeAndConnectRequests() {
    const std::string ws =
        "GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x05hello";
    Run r = whole(Kind::Request, ws);
    QCOMPARE(r.trace, (Trace{"H GET /chat 1.1|Host=h|Upgrade=websocket|Connection=Upgrade", "C", "T\x81\x05hello"}));
    const std::string connect = "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n\x16\x03\x01";
    QCOMPARE(whole(Kind::Request, connect).trace,
             (Trace{"H CONNECT example.com:443 1.1|Host=example.com:443", "C", "T\x16\x03\x01"}));
    Http1Parser p(Kind::Request);
    p.feed(connect);
    QVERIFY(p.upgrade());
    QCOMPARE(p.feed("\x16\x03\x01"), size_t(0));  // tunnel bytes are not HTTP
    checkSplits(Kind::Request, connect);
  }

  void refusedUpgradeContinuesAsHttp() {
    Http1Parser p(Kind::Request);
    const std::string connect = "CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n";
    size_t n = p.feed(connect);
    QVERIFY(p.upgrade());
    QCOMPARE(p.feed(std::string_view(connect).substr(n)), size_t(0));
    p.continueAfterUpgrade();  // the proxy answered 407
    QVERIFY(!p.upgrade());
    QCOMPARE(p.feed(std::string_view(connect).substr(n)), connect.size() - n);
    QCOMPARE(p.request().method, std::string("GET"));
    QCOMPARE(p.events().back().type, Type::Complete);
    // An Upgrade request answered without 101, with a pipelined request after it.
    Http1Parser q(Kind::Request);
    const std::string ws =
        "GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n"
        "GET /next HTTP/1.1\r\nHost: h\r\n\r\n";
    n = q.feed(ws);
    QVERIFY(q.upgrade());
    q.continueAfterUpgrade();
    QCOMPARE(q.feed(std::string_view(ws).substr(n)), ws.size() - n);
    QCOMPARE(q.request().target, std::string("/next"));
  }

  void http2PrefaceIsRefused() {
    Run r = whole(Kind::Request, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    QVERIFY(r.error);
    QCOMPARE(r.err.status, 505);
  }

  void keepAliveDecisions() {
    struct Case {
      const char* bytes;
      bool keepAlive;
    };
    const Case cases[] = {
        {"GET / HTTP/1.1\r\nHost: h\r\n\r\n", true},
        {"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", false},
        {"GET / HTTP/1.1\r\nHost: h\r\nConnection: x-foo, Close\r\n\r\n", false},
        {"GET / HTTP/1.0\r\nHost: h\r\n\r\n", false},
        {"GET / HTTP/1.0\r\nHost: h\r\nConnection: keep-alive\r\n\r\n", true},
    };
    for (const auto& c : cases) {
      Http1Parser p(Kind::Request);
      p.feed(c.bytes);
      QVERIFY(!p.hasError());
      QCOMPARE(p.keepAlive(), c.keepAlive);
    }
    struct RCase {
      const char* bytes;
      bool keepAlive;
    };
    const RCase responses[] = {
        {"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", true},
        {"HTTP/1.1 200 OK\r\n\r\n", false},  // close-delimited
        {"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", false},
        {"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", true},
    };
    for (const auto& c : responses) {
      Http1Parser p(Kind::Response);
      p.expectResponseTo("GET");
      p.feed(c.bytes);
      QVERIFY(!p.hasError());
      QCOMPARE(p.keepAlive(), c.keepAlive);
    }
  }

  void strictRejections_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("reason");
    auto row = [](const char* name, QByteArray bytes, int status, const char* reason) {
      QTest::newRow(name) << bytes << status << QString(reason);
    };
    row("CL and TE", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400,
        "Content-Length and Transfer-Encoding");
    row("TE and CL", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 400,
        "Content-Length and Transfer-Encoding");
    row("differing CL", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400,
        "Content-Length");
    row("CL list", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 4\r\n\r\nabcd", 400, "Content-Length");
    row("CL not a number", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1x\r\n\r\n", 400, "Content-Length");
    row("TE gzip last", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400,
        "Transfer-Encoding");
    row("TE gzip only", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n", 400, "Transfer-Encoding");
    row("TE in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, "HTTP/1.0");
    row("TE xchunked", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: xchunked\r\n\r\n", 400, "Transfer-Encoding");
    row("TE chunked twice", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400, "");
    row("CL plus sign", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +5\r\n\r\nabcde", 400, "Content-Length");
    row("CL hex", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x5\r\n\r\nabcde", 400, "Content-Length");
    row("CL same twice", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nabcde", 400,
        "Content-Length");
    row("space before first field", "GET / HTTP/1.1\r\n Host: h\r\n\r\n", 400, "");
    row("bare CR", "GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n", 400, "");
    row("obs-fold", "GET / HTTP/1.1\r\nHost: h\r\nX-A: one\r\n two\r\n\r\n", 400, "folding");
    row("obs-fold tab", "GET / HTTP/1.1\r\nHost: h\r\nX-A: one\r\n\ttwo\r\n\r\n", 400, "folding");
    row("obs-fold empty value", "GET / HTTP/1.1\r\nHost: h\r\nX-A:\r\n two\r\n\r\n", 400, "");
    row("no Host in 1.1", "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", 400, "Host");
    row("two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "Host");
    row("high bit in target", "GET /\x80 HTTP/1.1\r\nHost: h\r\n\r\n", 400, "");
    row("DEL in target", "GET /\x7f HTTP/1.1\r\nHost: h\r\n\r\n", 400, "");
    row("tab in target", "GET /a\tb HTTP/1.1\r\nHost: h\r\n\r\n", 400, "");
    row("space before colon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400, "header");
    row("ctl in name", "GET / HTTP/1.1\r\nHo\x01st: h\r\n\r\n", 400, "header");
    row("nul in value", QByteArray("GET / HTTP/1.1\r\nHost: h\0x\r\n\r\n", 29), 400, "header value");
    row("bare LF in value", "GET / HTTP/1.1\r\nHost: h\nx\r\n\r\n", 400, "");
    row("lowercase method", "get / HTTP/1.1\r\nHost: h\r\n\r\n", 400, "method");
    row("space in target", "GET /a b HTTP/1.1\r\nHost: h\r\n\r\n", 400, "");
    row("ctl in target", "GET /a\x01 HTTP/1.1\r\nHost: h\r\n\r\n", 400, "target");
    row("bad version", "GET / HTTP/1.x\r\nHost: h\r\n\r\n", 400, "version");
    row("http/2 version", "GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505, "version");
    row("bad chunk size", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400, "chunk");
    row("chunk size overflow", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n",
        400, "chunk");
    row("chunk missing CRLF", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n",
        400, "");
  }

  void strictRejections() {
    QFETCH(QByteArray, bytes);
    QFETCH(int, status);
    QFETCH(QString, reason);
    const std::string input(bytes.constData(), static_cast<size_t>(bytes.size()));
    Run r = whole(Kind::Request, input);
    QVERIFY2(r.error, r.trace.empty() ? "no events" : r.trace.back().c_str());
    QCOMPARE(r.err.status, status);
    QVERIFY2(QString::fromStdString(r.err.reason).contains(reason, Qt::CaseInsensitive), r.err.reason.c_str());
    QVERIFY(!r.err.reason.empty());
    // No Head may have been reported for a message rejected in its head.
    QVERIFY(r.trace.empty() || r.trace.front()[0] != 'H' || input.find("chunked\r\n\r\n") != std::string::npos);
    // Same rejection whatever the split; after an error nothing more is consumed.
    for (size_t i = 1; i < input.size(); ++i) {
      Run s = drive(Kind::Request, {input.substr(0, i), input.substr(i)});
      QVERIFY(s.error);
      QCOMPARE(s.err.status, status);
    }
    Http1Parser p(Kind::Request);
    for (std::string_view rest = input; !p.hasError() && !rest.empty();) rest.remove_prefix(p.feed(rest));
    QVERIFY(p.hasError());
    QCOMPARE(p.feed("GET / HTTP/1.1\r\n\r\n"), size_t(0));
    QVERIFY(p.events().empty());
  }

  void limits() {
    ParserLimits lim;
    lim.maxStartLine = 100;
    lim.maxHeaderBytes = 1000;
    lim.maxHeaderCount = 10;
    auto parse = [&](const std::string& bytes) {
      Http1Parser p(Kind::Request, lim);
      // In small pieces too, to check the limit holds across feeds.
      for (size_t i = 0; i < bytes.size() && !p.hasError();) {
        size_t n = p.feed(std::string_view(bytes).substr(i, 7));
        if (n == 0 && p.events().empty()) break;
        i += n;
      }
      return p.hasError() ? p.error().status : 0;
    };
    QCOMPARE(parse("GET /" + std::string(80, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n"), 0);
    QCOMPARE(parse("GET /" + std::string(200, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n"), 414);
    QCOMPARE(parse("GET / HTTP/1.1\r\nX-Big: " + std::string(1200, 'v') + "\r\n\r\n"), 431);
    QCOMPARE(parse("GET / HTTP/1.1\r\nX-Pad:" + std::string(1200, ' ') + "v\r\n\r\n"), 431);
    std::string many = "GET / HTTP/1.1\r\nHost: h\r\n";
    for (int i = 0; i < 10; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
    QCOMPARE(parse(many + "\r\n"), 431);
    std::string ten = "GET / HTTP/1.1\r\nHost: h\r\n";
    for (int i = 0; i < 9; ++i) ten += "X-" + std::to_string(i) + ": v\r\n";
    QCOMPARE(parse(ten + "\r\n"), 0);
    // The limit is per head: many small keep-alive requests are fine.
    std::string pipelined;
    for (int i = 0; i < 50; ++i) pipelined += "GET / HTTP/1.1\r\nHost: " + std::string(100, 'h') + "\r\n\r\n";
    QCOMPARE(parse(pipelined), 0);
  }

  void responseWithBody() {
    const std::string resp = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello";
    QCOMPARE(whole(Kind::Response, resp).trace,
             (Trace{"H 200 OK 1.1|Content-Type=text/plain|Content-Length=5", "Bhello", "C"}));
    checkSplits(Kind::Response, resp);
    const std::string chunked = "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
    QCOMPARE(whole(Kind::Response, chunked).trace,
             (Trace{"H 404 Not Found 1.1|Transfer-Encoding=chunked", "Babc", "C"}));
    checkSplits(Kind::Response, chunked);
  }

  void responseToHeadHasNoBody() {
    const std::string resp =
        "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    QCOMPARE(whole(Kind::Response, resp, "HEAD").trace,
             (Trace{"H 200 OK 1.1|Content-Length=100", "C", "H 200 OK 1.1|Transfer-Encoding=chunked", "C"}));
    checkSplits(Kind::Response, resp, "HEAD");
  }

  void noBodyStatuses() {
    const std::string resp =
        "HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n"
        "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\nETag: \"x\"\r\n\r\n"
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    QCOMPARE(whole(Kind::Response, resp).trace, (Trace{"H 204 No Content 1.1|Content-Length=10", "C",
                                                       "H 304 Not Modified 1.1|Content-Length=10|ETag=\"x\"", "C",
                                                       "H 200 OK 1.1|Content-Length=2", "Bok", "C"}));
    checkSplits(Kind::Response, resp);
  }

  void informationalThenFinal() {
    const std::string resp =
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n"
        "HTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\nx";
    QCOMPARE(whole(Kind::Response, resp, "POST").trace,
             (Trace{"H 100 Continue 1.1", "C", "H 103 Early Hints 1.1|Link=</s.css>", "C",
                    "H 201 Created 1.1|Content-Length=1", "Bx", "C"}));
    checkSplits(Kind::Response, resp, "POST");
  }

  void closeDelimitedResponse() {
    const std::string resp = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\nall of this until close";
    QCOMPARE(whole(Kind::Response, resp, "GET", true).trace,
             (Trace{"H 200 OK 1.1|Content-Type=text/html", "Ball of this until close", "C"}));
    checkSplits(Kind::Response, resp, "GET", true);
    Http1Parser p(Kind::Response);
    p.feed(resp);
    QVERIFY(p.bodyUntilClose());
    QVERIFY(!p.keepAlive());
    p.feed(std::string_view(resp).substr(resp.find("all")));
    QVERIFY(p.feedEof());
    QCOMPARE(p.events().size(), size_t(1));
    QCOMPARE(p.events()[0].type, Type::Complete);
    // A Transfer-Encoding without chunked last is close-delimited on responses (RFC 9112 6.3).
    QCOMPARE(whole(Kind::Response, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzz", "GET", true).trace,
             (Trace{"H 200 OK 1.1|Transfer-Encoding=gzip", "Bzz", "C"}));
  }

  void truncatedMessagesAreErrors() {
    Http1Parser p(Kind::Response);
    p.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n");
    p.feed("abc");
    QVERIFY(!p.feedEof());
    QVERIFY(p.hasError());
    QCOMPARE(p.error().status, 502);
    Http1Parser q(Kind::Request);
    q.feed("GET / HTTP/1.1\r\nHo");
    QVERIFY(!q.feedEof());
    QCOMPARE(q.error().status, 400);
    Http1Parser idle(Kind::Request);
    QVERIFY(idle.feedEof());  // a clean end between messages
  }

  void connectResponseSwitchesToTunnel() {
    const std::string resp = "HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x03";
    QCOMPARE(whole(Kind::Response, resp, "CONNECT").trace,
             (Trace{"H 200 Connection established 1.1", "C", "T\x16\x03\x03"}));
    checkSplits(Kind::Response, resp, "CONNECT");
    // A refused CONNECT is an ordinary response with a body.
    QCOMPARE(whole(Kind::Response, "HTTP/1.1 407 Auth\r\nContent-Length: 2\r\n\r\nno", "CONNECT").trace,
             (Trace{"H 407 Auth 1.1|Content-Length=2", "Bno", "C"}));
    const std::string switching =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nws";
    QCOMPARE(whole(Kind::Response, switching).trace,
             (Trace{"H 101 Switching Protocols 1.1|Upgrade=websocket|Connection=Upgrade", "C", "Tws"}));
  }

  void badResponsesAre502() {
    QCOMPARE(whole(Kind::Response, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n").err.status,
             502);
    QCOMPARE(whole(Kind::Response, "HTTP/1.1 2x0 OK\r\n\r\n").err.status, 502);
    QCOMPARE(whole(Kind::Response, "HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n").err.status, 502);
  }

  void headStaysValidUntilNextHead() {
    // A connection may look at the last head while the next message's first bytes arrive.
    Http1Parser p(Http1Parser::Kind::Request);
    const std::string first = "POST /1 HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nx";
    std::string_view rest = first;
    while (!rest.empty()) rest.remove_prefix(p.feed(rest));
    QCOMPARE(p.events().back().type, Type::Complete);
    p.feed("GET /2 HTTP/1.1\r\nHo");
    QCOMPARE(p.request().target, std::string("/1"));
    QCOMPARE(p.request().headers.size(), size_t(2));
    QCOMPARE(p.contentLength(), std::optional<uint64_t>(1));
    p.feed("st: b\r\n\r\n");
    QCOMPARE(p.events().front().type, Type::Head);
    QCOMPARE(p.request().target, std::string("/2"));
    QCOMPARE(p.request().headers, (Headers{{"Host", "b"}}));
    QVERIFY(!p.contentLength().has_value());
  }

  void http10WithoutHostIsFine() {
    QCOMPARE(whole(Kind::Request, "GET / HTTP/1.0\r\n\r\n").trace, (Trace{"H GET / 1.0", "C"}));
  }

  void parserReusesStorageAcrossMessages() {
    Http1Parser p(Kind::Request);
    for (int i = 0; i < 3; ++i) {
      p.feed("GET /1 HTTP/1.1\r\nHost: h\r\nB: 2\r\nC: 3\r\n\r\n");
      QCOMPARE(p.request().headers.size(), size_t(3));
      p.feed("GET /2 HTTP/1.1\r\nHost: i\r\n\r\n");
      QCOMPARE(p.request().target, std::string("/2"));
      QCOMPARE(p.request().headers, (Headers{{"Host", "i"}}));
    }
  }
};

QTEST_APPLESS_MAIN(TestHttpParser)
#include "test_http_parser.moc"
