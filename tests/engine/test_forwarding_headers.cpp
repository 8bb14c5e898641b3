// Forwarding headers (X-Forwarded-*, RFC 7239 Forwarded), Host policy, prefix strip, identity strip.
#include <QtTest>

#include "engine/proxy/forwarding_headers.h"

using namespace ps::engine;

namespace QTest {
template <>
inline char* toString(const std::string& s) {
  return qstrdup(s.c_str());
}
}  // namespace QTest

namespace {
std::string get(const Headers& h, std::string_view name) {
  auto v = h.get(name);
  return v ? std::string(*v) : std::string("<absent>");
}
}  // namespace

class TestForwardingHeaders : public QObject {
  Q_OBJECT

 private slots:
  void forwardedValues() {
    // RFC 7239 section 6 examples: IPv6 and ports need a quoted-string (':' '[' are not tchar).
    QCOMPARE(forwardedValue(forwardedNode("192.0.2.43")), std::string("192.0.2.43"));
    QCOMPARE(forwardedValue(forwardedNode("2001:db8:cafe::17")), std::string("\"[2001:db8:cafe::17]\""));
    QCOMPARE(forwardedValue(forwardedNode("192.0.2.43", 47011)), std::string("\"192.0.2.43:47011\""));
    QCOMPARE(forwardedValue(forwardedNode("2001:db8:cafe::17", 4711)), std::string("\"[2001:db8:cafe::17]:4711\""));
    QCOMPARE(forwardedValue("example.com"), std::string("example.com"));
    QCOMPARE(forwardedValue("example.com:8080"), std::string("\"example.com:8080\""));
    QCOMPARE(forwardedValue("a\"b\\c"), std::string("\"a\\\"b\\\\c\""));
    QCOMPARE(forwardedValue(""), std::string("\"\""));
  }

  void element() {
    ForwardingContext c{"192.0.2.43:5000", "http", "example.com", ""};
    QCOMPARE(forwardedElement(c), std::string("for=192.0.2.43;host=example.com;proto=http"));
    ForwardingContext v6{"[2001:db8:cafe::17]:5000", "https", "example.com:8443", "[::1]:8000"};
    QCOMPARE(forwardedElement(v6), std::string("for=\"[2001:db8:cafe::17]\";by=\"[::1]:8000\";host=\"example.com:8443\";proto=https"));
  }

  void addsEveryHeader() {
    Headers h{{"Host", "shop.test:8000"}, {"Accept", "*/*"}};
    addForwardingHeaders(h, ForwardingContext{"127.0.0.1:40000", "http", "shop.test:8000", ""}, HeaderPolicy{});
    QCOMPARE(get(h, "X-Forwarded-For"), std::string("127.0.0.1"));
    QCOMPARE(get(h, "X-Forwarded-Proto"), std::string("http"));
    QCOMPARE(get(h, "X-Forwarded-Host"), std::string("shop.test:8000"));
    QCOMPARE(get(h, "Forwarded"), std::string("for=127.0.0.1;host=\"shop.test:8000\";proto=http"));
    QCOMPARE(h.fields()[0].name, std::string("Host"));  // existing order kept
  }

  void appendsToEarlierHops() {
    // Two X-Forwarded-For fields and one Forwarded from earlier proxies: one list each, this hop last.
    Headers h{{"X-Forwarded-For", "203.0.113.1"}, {"x-forwarded-for", "198.51.100.7, 10.0.0.2"},
              {"Forwarded", "for=203.0.113.1;proto=https"}, {"X-Forwarded-Proto", "https"}};
    addForwardingHeaders(h, ForwardingContext{"[::1]:1234", "http", "", ""}, HeaderPolicy{});
    QCOMPARE(h.getAll("X-Forwarded-For").size(), size_t(1));
    QCOMPARE(get(h, "X-Forwarded-For"), std::string("203.0.113.1, 198.51.100.7, 10.0.0.2, ::1"));
    QCOMPARE(get(h, "Forwarded"), std::string("for=203.0.113.1;proto=https, for=\"[::1]\";proto=http"));
    QCOMPARE(get(h, "X-Forwarded-Proto"), std::string("http"));  // this hop's scheme
    QCOMPARE(get(h, "X-Forwarded-Host"), std::string("<absent>"));
  }

  void policyOff() {
    Headers h{{"Host", "a"}};
    HeaderPolicy off;
    off.xForwarded = false;
    off.forwarded = false;
    addForwardingHeaders(h, ForwardingContext{"1.2.3.4:5", "http", "a", ""}, off);
    QCOMPARE(h.size(), size_t(1));
  }

  void hostPolicy() {
    Headers h{{"Host", "public.test"}};
    applyHostPolicy(h, HeaderPolicy{}, "127.0.0.1:3001");
    QCOMPARE(get(h, "Host"), std::string("public.test"));
    HeaderPolicy rewrite;
    rewrite.preserveHost = false;
    applyHostPolicy(h, rewrite, "127.0.0.1:3001");
    QCOMPARE(get(h, "Host"), std::string("127.0.0.1:3001"));
    rewrite.hostRewrite = "internal.test";
    applyHostPolicy(h, rewrite, "127.0.0.1:3001");
    QCOMPARE(get(h, "Host"), std::string("internal.test"));
  }

  void prefixStrip() {
    QCOMPARE(stripPathPrefix("/api/users?x=1", "/api"), std::string("/users?x=1"));
    QCOMPARE(stripPathPrefix("/api", "/api"), std::string("/"));
    QCOMPARE(stripPathPrefix("/api?x", "/api"), std::string("/?x"));
    QCOMPARE(stripPathPrefix("/apix", "/api"), std::string("/apix"));
    QCOMPARE(stripPathPrefix("/api/v1/a", "/api/"), std::string("/v1/a"));
    QCOMPARE(stripPathPrefix("/other", "/api"), std::string("/other"));
    QCOMPARE(stripPathPrefix("/x", "/"), std::string("/x"));
  }

  void identityStrip() {
    Headers h{{"Server", "nginx"}, {"Content-Type", "text/plain"}, {"x-powered-by", "PHP"}, {"server", "b"}};
    QCOMPARE(stripBackendIdentity(h), size_t(3));
    QCOMPARE(h.size(), size_t(1));
    QCOMPARE(h.fields()[0].name, std::string("Content-Type"));
  }
};

QTEST_APPLESS_MAIN(TestForwardingHeaders)
#include "test_forwarding_headers.moc"
