// Message writer: heads written exactly, chunk framing, hop-by-hop removal (RFC 9110 7.6.1),
// reason phrases, the proxy's own small responses. Written bytes are parsed back with Http1Parser.
#include <QtTest>

#include "engine/http/http1_parser.h"
#include "engine/http/message_writer.h"

using namespace ps::engine;
using namespace ps::engine::http;

class TestMessageWriter : public QObject {
  Q_OBJECT
 private slots:
  void requestHeadExact() {
    RequestHead head;
    head.method = "POST";
    head.target = "/a?b=c";
    head.headers = {{"host", "example.com"}, {"X-MiXeD", "v 1"}, {"x-dup", "1"}, {"X-Dup", "2"}};
    QCOMPARE(writeRequestHead(head),
             std::string("POST /a?b=c HTTP/1.1\r\nhost: example.com\r\nX-MiXeD: v 1\r\nx-dup: 1\r\nX-Dup: 2\r\n\r\n"));
    head.versionMinor = 0;
    head.headers = {};
    QCOMPARE(writeRequestHead(head), std::string("POST /a?b=c HTTP/1.0\r\n\r\n"));
  }

  void responseHeadAndReasons() {
    ResponseHead head;
    head.status = 404;
    head.headers = {{"Content-Length", "0"}};
    QCOMPARE(writeResponseHead(head), std::string("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"));
    head.reason = "Nope";
    QCOMPARE(writeResponseHead(head), std::string("HTTP/1.1 404 Nope\r\nContent-Length: 0\r\n\r\n"));
    QCOMPARE(reasonPhrase(200), std::string_view("OK"));
    QCOMPARE(reasonPhrase(431), std::string_view("Request Header Fields Too Large"));
    QCOMPARE(reasonPhrase(502), std::string_view("Bad Gateway"));
    QCOMPARE(reasonPhrase(504), std::string_view("Gateway Timeout"));
    QVERIFY(!reasonPhrase(599).empty());
    QVERIFY(!reasonPhrase(299).empty());
  }

  void roundTripThroughParser() {
    RequestHead head;
    head.method = "PUT";
    head.target = "http://h:81/x";
    head.headers = {{"Host", "h:81"}, {"Transfer-Encoding", "chunked"}, {"A", "b"}};
    std::string bytes = writeRequestHead(head);
    bytes += chunkPrefix(5);
    bytes += "hello";
    bytes += kChunkSuffix;
    bytes += chunkPrefix(300);
    bytes += std::string(300, 'z');
    bytes += kChunkSuffix;
    bytes += kLastChunk;
    Http1Parser p(Http1Parser::Kind::Request);
    std::string_view rest = bytes;
    std::string body;
    bool complete = false;
    while (!rest.empty() && !p.hasError()) {
      rest.remove_prefix(p.feed(rest));
      for (const auto& e : p.events()) {
        if (e.type == Http1Parser::Event::Type::Body) body.append(e.data);
        if (e.type == Http1Parser::Event::Type::Complete) complete = true;
      }
    }
    QVERIFY(!p.hasError());
    QVERIFY(complete);
    QCOMPARE(p.request().method, head.method);
    QCOMPARE(p.request().target, head.target);
    QCOMPARE(p.request().headers, head.headers);
    QCOMPARE(body, "hello" + std::string(300, 'z'));
  }

  void chunkFraming() {
    QCOMPARE(chunkPrefix(0), std::string("0\r\n"));
    QCOMPARE(chunkPrefix(255), std::string("ff\r\n"));
    QCOMPARE(chunkPrefix(65536), std::string("10000\r\n"));
    QCOMPARE(kLastChunk, std::string_view("0\r\n\r\n"));
  }

  void hopByHopRemoved() {
    Headers h{{"Host", "h"},
              {"Connection", "keep-alive, X-Secret"},
              {"connection", " Upgrade"},
              {"Keep-Alive", "timeout=5"},
              {"x-secret", "1"},
              {"Proxy-Connection", "keep-alive"},
              {"Proxy-Authorization", "Basic xx"},
              {"TE", "trailers"},
              {"Trailer", "X-Sum"},
              {"Transfer-Encoding", "chunked"},
              {"Upgrade", "websocket"},
              {"Accept", "*/*"},
              {"X-Secret", "2"}};
    auto removed = removeHopByHop(h);
    QCOMPARE(h, (Headers{{"Host", "h"}, {"Accept", "*/*"}}));
    QVERIFY(std::find(removed.begin(), removed.end(), "Connection") != removed.end());
    QVERIFY(std::find(removed.begin(), removed.end(), "x-secret") != removed.end());
    QVERIFY(std::find(removed.begin(), removed.end(), "Upgrade") != removed.end());
    // Each removed name is listed once.
    QCOMPARE(
        std::count_if(removed.begin(), removed.end(), [](const std::string& n) { return iequals(n, "connection"); }),
        long(1));
    Headers clean{{"Host", "h"}, {"Content-Length", "3"}};
    QVERIFY(removeHopByHop(clean).empty());
    QCOMPARE(clean.size(), size_t(2));
  }

  // copyEndToEnd leaves what stripHopByHop leaves, into a scratch head whose earlier (longer,
  // shorter or more) fields it overwrites.
  void copyEndToEndMatchesStrip() {
    const std::vector<Headers> heads{
        Headers{{"Host", "h"},
                {"Connection", "keep-alive, X-Secret"},
                {"connection", " Upgrade"},
                {"Keep-Alive", "timeout=5"},
                {"x-secret", "1"},
                {"TE", "trailers"},
                {"Transfer-Encoding", "chunked"},
                {"Upgrade", "websocket"},
                {"Accept", "*/*"},
                {"X-Secret", "2"}},
        Headers{{"Server", "nginx/1.22.1"},
                {"Date", "Fri, 27 Nov 2026 16:12:00 GMT"},
                {"Content-Type", "text/html"},
                {"Content-Length", "1024"},
                {"Connection", "keep-alive"},
                {"ETag", "\"6568a1b2-400\""}},
        Headers{},
        Headers{{"A", "1"}, {"B", "2"}},  // no hop-by-hop field at all
        Headers{{"Connection", "a, b, c, d, e, f, g, h, i, j"}, {"j", "named ninth"}, {"k", "kept"}, {"A", "named"}},
    };
    Headers scratch{{"Old-Field-With-A-Long-Name", "a value longer than fifteen bytes"}, {"x", "y"}, {"z", "w"}};
    for (const auto& head : heads) {
      Headers expected = head;
      stripHopByHop(expected);
      copyEndToEnd(head, scratch);
      QCOMPARE(scratch, expected);
    }
    QCOMPARE(scratch, (Headers{{"k", "kept"}}));
  }

  void simpleResponses() {
    std::string r = simpleResponse(400, "bad request: invalid character in header name", true);
    Http1Parser p(Http1Parser::Kind::Response);
    p.expectResponseTo("GET");
    std::string_view rest = r;
    std::string body;
    while (!rest.empty() && !p.hasError()) {
      rest.remove_prefix(p.feed(rest));
      for (const auto& e : p.events()) {
        if (e.type == Http1Parser::Event::Type::Body) body.append(e.data);
      }
    }
    QVERIFY(!p.hasError());
    QCOMPARE(p.response().status, 400);
    QCOMPARE(p.response().reason, std::string("Bad Request"));
    QCOMPARE(body, std::string("bad request: invalid character in header name"));
    QVERIFY(!p.keepAlive());
    QVERIFY(p.response().headers.get("Content-Type").has_value());
    std::string keep = simpleResponse(502, "", false);
    QCOMPARE(keep.find("Connection"), std::string::npos);
    QVERIFY(keep.starts_with("HTTP/1.1 502 Bad Gateway\r\n"));
    QVERIFY(keep.find("Content-Length: 0\r\n") != std::string::npos);
  }
};

QTEST_APPLESS_MAIN(TestMessageWriter)
#include "test_message_writer.moc"
