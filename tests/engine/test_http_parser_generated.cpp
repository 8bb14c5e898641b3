// Http1Parser against generated traffic: many valid requests and responses with random (but
// RFC-valid) names, values, targets and body framings, pipelined into one stream and fed in random
// pieces. Every head, header and body byte must come out exactly as generated.
#include <QtTest>

#include <random>
#include <string>
#include <vector>

#include "engine/http/http1_parser.h"
#include "engine/http/message_writer.h"

using namespace ps::engine;
using namespace ps::engine::http;
using Type = Http1Parser::Event::Type;

namespace {

struct Expected {
  std::string method;  // request only
  std::string target;
  int status = 0;  // response only
  Headers headers;
  std::string body;
};

class Generator {
 public:
  explicit Generator(uint32_t seed) : m_rng(seed) {}

  size_t pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(m_rng); }

  std::string token(size_t maxLen) {
    static constexpr std::string_view kTchars =
        "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    std::string s(1 + pick(maxLen), ' ');
    for (auto& c : s) c = kTchars[pick(kTchars.size())];
    return s;
  }

  // VCHAR / obs-text with inner SP and HTAB; no leading or trailing whitespace (that is OWS).
  std::string value(size_t maxLen) {
    std::string s;
    const size_t n = pick(maxLen + 1);
    for (size_t i = 0; i < n; ++i) {
      const size_t r = pick(20);
      if (r == 0 && i > 0 && i + 1 < n) {
        s += ' ';
      } else if (r == 1 && i > 0 && i + 1 < n) {
        s += '\t';
      } else if (r == 2) {
        s += static_cast<char>(0x80 + pick(0x80));
      } else {
        s += static_cast<char>(0x21 + pick(0x7e - 0x21 + 1));
      }
    }
    return s;
  }

  std::string host() {
    static constexpr std::string_view kChars = "abcdefghijklmnopqrstuvwxyz0123456789-";
    std::string s(1 + pick(12), ' ');
    for (auto& c : s) c = kChars[pick(kChars.size() - 1)];  // no '-' first or anywhere: simple labels
    return s;
  }

  std::string bytes(size_t maxLen) {
    std::string s(pick(maxLen + 1), '\0');
    for (auto& c : s) c = static_cast<char>(pick(256));
    return s;
  }

  Headers fields(size_t maxCount) {
    Headers h;
    const size_t n = pick(maxCount + 1);
    for (size_t i = 0; i < n; ++i) {
      std::string name = token(20);
      // Framing fields are chosen by the generator itself.
      if (iequals(name, "content-length") || iequals(name, "transfer-encoding") || iequals(name, "host") ||
          iequals(name, "connection") || iequals(name, "upgrade")) {
        name = "X-" + name;
      }
      h.add(std::move(name), value(40));
    }
    return h;
  }

  // Appends the body with a random framing, returns the wire bytes of head fields + body.
  // A request without a body may carry no framing field; a response may not (it would then be
  // delimited by the connection closing, RFC 9112 6.3).
  void frame(Headers& h, const std::string& body, std::string& wireBody, bool request) {
    if (pick(2) == 0) {
      h.add(pick(2) ? "Transfer-Encoding" : "transfer-encoding", pick(2) ? "chunked" : "Chunked");
      for (size_t at = 0; at < body.size();) {
        const size_t n = std::min(body.size() - at, 1 + pick(50));
        wireBody += chunkPrefix(n);
        if (pick(4) == 0) wireBody.insert(wireBody.size() - 2, ";ext=" + token(5));
        wireBody.append(body, at, n);
        wireBody += kChunkSuffix;
        at += n;
      }
      wireBody += "0\r\n\r\n";
    } else {
      if (!request || !body.empty() || pick(2)) h.add("Content-Length", std::to_string(body.size()));
      wireBody += body;
    }
  }

 private:
  std::mt19937 m_rng;
};

struct Collected {
  std::vector<Expected> messages;
  bool error = false;
  std::string reason;
};

Collected parseStream(Http1Parser::Kind kind, const std::string& wire, Generator& g) {
  Http1Parser p(kind);
  p.expectResponseTo("GET");
  Collected out;
  std::string buf;
  for (size_t at = 0; at < wire.size() && !out.error;) {
    const size_t n = std::min(wire.size() - at, 1 + g.pick(300));
    buf.append(wire, at, n);
    at += n;
    for (;;) {
      const size_t used = p.feed(buf);
      for (const auto& e : p.events()) {
        if (e.type == Type::Head) {
          Expected m;
          if (kind == Http1Parser::Kind::Request) {
            m.method = p.request().method;
            m.target = p.request().target;
            m.headers = p.request().headers;
          } else {
            m.status = p.response().status;
            m.headers = p.response().headers;
          }
          out.messages.push_back(std::move(m));
        } else if (e.type == Type::Body) {
          out.messages.back().body.append(e.data);
        }
      }
      buf.erase(0, used);
      if (p.hasError()) {
        out.error = true;
        out.reason = p.error().reason;
        break;
      }
      if (used == 0 && p.events().empty()) break;
    }
  }
  return out;
}

}  // namespace

class TestHttpParserGenerated : public QObject {
  Q_OBJECT
 private slots:
  void generatedRequests() {
    static constexpr std::string_view kMethods[] = {"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"};
    for (uint32_t seed = 1; seed <= 20; ++seed) {
      Generator g(seed);
      std::string wire;
      std::vector<Expected> expected;
      for (int i = 0; i < 50; ++i) {
        Expected m;
        m.method = kMethods[g.pick(6)];
        m.target =
            g.pick(2) ? "/" + g.token(30) : "http://" + g.host() + ".test:8080/" + g.token(30) + "?q=" + g.token(8);
        m.headers.add("Host", g.host());
        for (auto& f : g.fields(8)) m.headers.add(f.name, f.value);
        m.body = m.method == "GET" ? "" : g.bytes(300);
        std::string wireBody;
        g.frame(m.headers, m.body, wireBody, true);
        RequestHead head{m.method, m.target, 1, 1, m.headers};
        wire += writeRequestHead(head) + wireBody;
        expected.push_back(std::move(m));
      }
      Collected got = parseStream(Http1Parser::Kind::Request, wire, g);
      QVERIFY2(!got.error, got.reason.c_str());
      QCOMPARE(got.messages.size(), expected.size());
      for (size_t i = 0; i < expected.size(); ++i) {
        QCOMPARE(got.messages[i].method, expected[i].method);
        QCOMPARE(got.messages[i].target, expected[i].target);
        QVERIFY(got.messages[i].headers == expected[i].headers);
        QVERIFY(got.messages[i].body == expected[i].body);
      }
    }
  }

  void generatedResponses() {
    static constexpr int kStatuses[] = {200, 201, 206, 301, 404, 500, 503};
    for (uint32_t seed = 100; seed < 120; ++seed) {
      Generator g(seed);
      std::string wire;
      std::vector<Expected> expected;
      for (int i = 0; i < 50; ++i) {
        Expected m;
        m.status = kStatuses[g.pick(7)];
        m.headers = g.fields(8);
        m.body = g.bytes(500);
        std::string wireBody;
        g.frame(m.headers, m.body, wireBody, false);
        ResponseHead head{m.status, "", 1, 1, m.headers};
        wire += writeResponseHead(head) + wireBody;
        expected.push_back(std::move(m));
      }
      Collected got = parseStream(Http1Parser::Kind::Response, wire, g);
      QVERIFY2(!got.error, got.reason.c_str());
      QCOMPARE(got.messages.size(), expected.size());
      for (size_t i = 0; i < expected.size(); ++i) {
        QCOMPARE(got.messages[i].status, expected[i].status);
        QVERIFY(got.messages[i].headers == expected[i].headers);
        QVERIFY(got.messages[i].body == expected[i].body);
      }
    }
  }
};

QTEST_APPLESS_MAIN(TestHttpParserGenerated)
#include "test_http_parser_generated.moc"
