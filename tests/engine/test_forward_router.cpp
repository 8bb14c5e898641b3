// ForwardRouter: absolute-form parsing, Host rewrite (RFC 9112 3.2.2), CONNECT authority-form, and
// origin-form rejection — pure units, no sockets.
#include <QtTest>

#include "engine/proxy/forward_proxy.h"

using namespace ps::engine;
using namespace ps::engine::proxy;

class TestForwardRouter : public QObject {
  Q_OBJECT
 private slots:
  void parsesAbsoluteUris() {
    auto a = parseAbsoluteUri("http://Example.COM/a/b?c=d");
    QVERIFY(a.ok());
    QCOMPARE(a->scheme, std::string("http"));
    QCOMPARE(a->host, std::string("example.com"));
    QCOMPARE(a->port, uint16_t(80));
    QCOMPARE(a->path, std::string("/a/b?c=d"));
    auto b = parseAbsoluteUri("https://[::1]:8443");
    QVERIFY(b.ok());
    QCOMPARE(b->host, std::string("::1"));
    QCOMPARE(b->port, uint16_t(8443));
    QCOMPARE(b->path, std::string("/"));
    auto c = parseAbsoluteUri("http://h?x=1#frag");
    QVERIFY(c.ok());
    QCOMPARE(c->path, std::string("/?x=1"));
    QVERIFY(!parseAbsoluteUri("ftp://h/").ok());
    QVERIFY(!parseAbsoluteUri("http:///path").ok());
    QVERIFY(!parseAbsoluteUri("http://user:pw@h/").ok());
    QVERIFY(!parseAbsoluteUri("http://h:99999/").ok());
    QVERIFY(!parseAbsoluteUri("http://h:/").ok() || parseAbsoluteUri("http://h:/")->port == 80);
    QVERIFY(!parseAbsoluteUri("http://h o/").ok());
    // The scheme is case-insensitive (RFC 3986 3.1) and recorded in lower case.
    auto d = parseAbsoluteUri("HTTPS://Shop.Test/");
    QVERIFY(d.ok());
    QCOMPARE(d->scheme, std::string("https"));
    QCOMPARE(d->port, uint16_t(443));
    QCOMPARE(parseAbsoluteUri("Ftp://h/").error().message,
             std::string("unsupported scheme 'ftp' (only http and https)"));
    // reg-name characters: unreserved, sub-delims and pct-encoded are allowed; others are not.
    QVERIFY(parseAbsoluteUri("http://a-b.c_d~e%41!$&'()*+,;=/").ok());
    const std::vector<std::string> bads{
        "a\"b", "a<b", "a{b", "a^b", "a|b", std::string("a\x7f") + "b", std::string("a\xc3\xa9") + "b"};
    for (const std::string& bad : bads) {
      auto r = parseAbsoluteUri("http://" + bad + "/");
      QVERIFY2(!r.ok(), bad.c_str());
      QVERIFY(r.error().message.starts_with("invalid character in the host name"));
    }
  }

  void parsesAuthorities() {
    auto a = parseAuthority("example.com:443");
    QVERIFY(a.ok());
    QCOMPARE(a->port, uint16_t(443));
    QVERIFY(!parseAuthority("example.com").ok());
    auto v6 = parseAuthority("[2001:db8::1]:8443");
    QVERIFY(v6.ok());
    QCOMPARE(v6->host, std::string("2001:db8::1"));
  }

  void routesAbsoluteFormAndRewritesHost() {
    ForwardRouter router;
    http::RequestHead head;
    head.method = "GET";
    head.target = "http://origin.test:8081/p?q=1";
    head.headers.add("Host", "wrong.test");
    head.headers.add("Accept", "*/*");
    Request record;
    auto r = router.route(head, record, net::ClientInfo{});
    QVERIFY(r.target.has_value());
    QCOMPARE(r.target->host, std::string("origin.test"));
    QCOMPARE(r.target->port, uint16_t(8081));
    QCOMPARE(head.target, std::string("/p?q=1"));
    QCOMPARE(std::string(*head.headers.get("host")), std::string("origin.test:8081"));
    QCOMPARE(head.headers.fields()[0].name, std::string("Host"));  // position kept
    QCOMPARE(record.url(), std::string("http://origin.test:8081/p?q=1"));
  }

  void answersOriginFormItself() {
    ForwardRouter router;
    http::RequestHead head;
    head.method = "GET";
    head.target = "/x";
    Request record;
    auto r = router.route(head, record, net::ClientInfo{});
    QVERIFY(!r.target.has_value());
    QCOMPARE(r.status, 400);
    QCOMPARE(int(r.errorKind), int(ErrorKind::ClientProtocol));
    head.target = "/";
    auto info = router.route(head, record, net::ClientInfo{});
    QCOMPARE(info.status, 200);
    QCOMPARE(int(info.errorKind), int(ErrorKind::None));
    // Inside an intercepted tunnel origin-form goes to the tunnel's target.
    net::ClientInfo tunnel;
    net::UpstreamTarget t;
    t.scheme = "https";
    t.host = "secure.test";
    t.port = 443;
    t.tls = true;
    tunnel.tunnelTarget = t;
    head.target = "/inside";
    auto inside = router.route(head, record, tunnel);
    QVERIFY(inside.target.has_value());
    QCOMPARE(record.url(), std::string("https://secure.test/inside"));
  }
};

QTEST_APPLESS_MAIN(TestForwardRouter)
#include "test_forward_router.moc"
