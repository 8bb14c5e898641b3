// The compression policy end to end (issue 10): the engine in reverse mode in front of the in-test
// origin, real curl --compressed as the client. The decoded bytes must equal the origin's for each
// of gzip, br and zstd; small bodies, already-encoded and non-text types, and clients without
// Accept-Encoding get the origin's bytes untouched.
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

#include "engine/policy/policy_config.h"
#include "engine/proxy/reverse_config.h"
#include "tests/support/policy_test_support.h"
#include "tests/support/proxy_harness.h"
#include "tests/support/test_origin.h"
#include "tests/support/test_support.h"

using namespace ps::engine;
using namespace ps::test;

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

std::unique_ptr<ProxyHarness> reverseProxy(const TestOrigin& origin, const std::function<void(PolicyConfig&)>& edit) {
  std::string json = R"({"pools":{"app":{"backends":[{"name":"origin","url":"http://)" + origin.authority() + R"("}]}}})";
  auto parsed = parseReverseConfig(json, "test.json");
  if (!parsed) qFatal("config: %s", parsed.error().message.c_str());
  auto reverse = std::make_shared<const ReverseConfig>(std::move(parsed.value()));
  auto policies = std::make_shared<PolicyConfig>();
  policies->compression.enabled = true;
  edit(*policies);
  return std::make_unique<ProxyHarness>([reverse, policies](EngineConfig& c) {
    c.mode = ProxyMode::Reverse;
    c.reverse = reverse;
    c.policies = policies;
  });
}

struct Reply {
  QByteArray head;
  QByteArray body;
  int exitCode = -1;
};

// curl straight at the reverse proxy (no -x): -i, head and body split.
Reply fetch(const ProxyHarness& proxy, const std::string& path, const QStringList& extra) {
  QStringList args{"-sS", "-i", "--max-time", "20"};
  args += extra;
  args << q("http://127.0.0.1:" + std::to_string(proxy.port()) + path);
  auto r = run("curl", args, 30000);
  Reply reply;
  reply.exitCode = r.exitCode;
  qsizetype split = r.out.indexOf("\r\n\r\n");
  reply.head = split < 0 ? r.out : r.out.left(split + 2);
  reply.body = split < 0 ? QByteArray() : r.out.mid(split + 4);
  return reply;
}

}  // namespace

class TestPolicyCompression : public QObject {
  Q_OBJECT
 private slots:
  void decodedBytesEqualTheOrigins_data() {
    QTest::addColumn<QString>("coding");
    QTest::addColumn<bool>("chunked");
    for (const char* coding : {"gzip", "br", "zstd"}) {
      QTest::newRow(coding) << coding << false;
      QTest::newRow((std::string(coding) + " chunked origin").c_str()) << coding << true;
    }
  }

  void decodedBytesEqualTheOrigins() {
    QFETCH(QString, coding);
    QFETCH(bool, chunked);
    TestOrigin origin;
    auto proxy = reverseProxy(origin, [](PolicyConfig&) {});
    const uint64_t size = 300000;  // several reads: the encoder streams across them
    std::string path = "/text?size=" + std::to_string(size) + (chunked ? "&chunked=1" : "");
    auto reply = fetch(*proxy, path, {"--compressed", "-H", "Accept-Encoding: " + coding});
    QCOMPARE(reply.exitCode, 0);
    QVERIFY2(reply.head.startsWith("HTTP/1.1 200"), reply.head.constData());
    QVERIFY2(reply.head.contains(("Content-Encoding: " + coding).toUtf8()), reply.head.constData());
    QVERIFY2(reply.head.contains("Vary: Accept-Encoding"), reply.head.constData());
    QVERIFY2(reply.head.contains("Transfer-Encoding: chunked"), reply.head.constData());
    QVERIFY2(!reply.head.contains("Content-Length"), reply.head.constData());
    QCOMPARE(reply.body.size(), qsizetype(size));
    QVERIFY(reply.body == QByteArray::fromStdString(originText(size)));

    auto flows = proxy->finishedFlows(1);
    QCOMPARE(flows.size(), size_t(1));
    QVERIFY(flows[0]->hasTag("compressed:" + coding.toStdString()));
    auto ext = QJsonDocument::fromJson(QByteArray::fromStdString(flows[0]->extensions)).object();
    auto sizes = ext["entry"].toObject()["_compression"].toObject();
    QCOMPARE(sizes["coding"].toString(), coding);
    QCOMPARE(sizes["originalBytes"].toInteger(), qint64(size));
    qint64 compressed = sizes["compressedBytes"].toInteger();
    QVERIFY2(compressed > 0 && compressed < qint64(size) / 4, QByteArray::number(compressed).constData());
    // The flow keeps the origin's response: its body is the uncompressed text.
    QCOMPARE(flows[0]->response->body.size, size);
    // What crossed the wire to the client is the compressed size (plus head and chunk framing).
    QVERIFY(flows[0]->bytesToClient < uint64_t(compressed) + 2048);
  }

  void preferredCodingIsChosen() {
    TestOrigin origin;
    auto proxy = reverseProxy(origin, [](PolicyConfig& p) { p.compression.codings = {"gzip", "zstd"}; });
    // br is not offered; of the rest the client prefers zstd (higher q).
    auto reply = fetch(*proxy, "/text?size=5000", {"--compressed", "-H", "Accept-Encoding: br, gzip;q=0.5, zstd;q=0.8"});
    QVERIFY2(reply.head.contains("Content-Encoding: zstd"), reply.head.constData());
    QVERIFY(reply.body == QByteArray::fromStdString(originText(5000)));
  }

  void untouchedResponses_data() {
    QTest::addColumn<QString>("path");
    QTest::addColumn<QStringList>("curlArgs");
    QTest::addColumn<QByteArray>("contentEncoding");  // the origin's, if any
    QTest::newRow("small body") << "/text?size=500" << QStringList{"-H", "Accept-Encoding: gzip"} << QByteArray();
    QTest::newRow("already encoded") << "/text?size=5000&ce=br" << QStringList{"-H", "Accept-Encoding: gzip"}
                                     << QByteArray("br");
    QTest::newRow("not text") << "/text?size=5000&type=image/png" << QStringList{"-H", "Accept-Encoding: gzip"}
                              << QByteArray();
    QTest::newRow("no Accept-Encoding") << "/text?size=5000" << QStringList{"-H", "Accept-Encoding:"} << QByteArray();
    QTest::newRow("identity only") << "/text?size=5000" << QStringList{"-H", "Accept-Encoding: identity, *;q=0"}
                                   << QByteArray();
  }

  void untouchedResponses() {
    QFETCH(QString, path);
    QFETCH(QStringList, curlArgs);
    QFETCH(QByteArray, contentEncoding);
    TestOrigin origin;
    auto proxy = reverseProxy(origin, [](PolicyConfig&) {});
    auto reply = fetch(*proxy, path.toStdString(), curlArgs);
    QCOMPARE(reply.exitCode, 0);
    QVERIFY2(reply.head.startsWith("HTTP/1.1 200"), reply.head.constData());
    if (contentEncoding.isEmpty()) {
      QVERIFY2(!reply.head.contains("Content-Encoding"), reply.head.constData());
    } else {
      QVERIFY2(reply.head.contains("Content-Encoding: " + contentEncoding), reply.head.constData());
    }
    QVERIFY2(reply.head.contains("Content-Length"), reply.head.constData());
    // Byte for byte what the origin sent.
    uint64_t size = std::stoull(path.section("size=", 1).section('&', 0, 0).toStdString());
    QVERIFY(reply.body == QByteArray::fromStdString(originText(size)));
    auto flows = proxy->finishedFlows(1);
    QVERIFY(!anyTagStartingWith(flows[0], "compressed:"));
  }

  void offByDefaultAndInForwardMode() {
    TestOrigin origin;
    // Disabled: nothing is compressed.
    auto off = reverseProxy(origin, [](PolicyConfig& p) { p.compression.enabled = false; });
    auto plain = fetch(*off, "/text?size=5000", {"-H", "Accept-Encoding: gzip"});
    QVERIFY2(!plain.head.contains("Content-Encoding"), plain.head.constData());
    // Forward mode compresses only when "forward" is among the modes.
    for (bool forward : {false, true}) {
      auto policies = std::make_shared<PolicyConfig>();
      policies->compression.enabled = true;
      policies->compression.forward = forward;
      ProxyHarness proxy([policies](EngineConfig& c) { c.policies = policies; });
      auto r = proxy.curl({"-s", "-i", "--compressed", "-H", "Accept-Encoding: gzip", q(origin.url("/text?size=5000"))});
      QCOMPARE(r.exitCode, 0);
      QCOMPARE(r.out.contains("Content-Encoding: gzip"), forward);
      QVERIFY(r.out.endsWith(QByteArray::fromStdString(originText(5000))));
    }
  }

  // With the cache on, the response is held whole for the cache and compressed as it is released; the
  // cache keeps the origin's (uncompressed) bytes, and a HIT is served from them as they are.
  void heldForTheCacheStillCompressed() {
    TestOrigin origin;
    auto proxy = reverseProxy(origin, [](PolicyConfig& p) {
      p.cache.enabled = true;
      p.compression.minBytes = 0;
    });
    auto first = fetch(*proxy, "/cacheable", {"--compressed", "-H", "Accept-Encoding: gzip"});
    QVERIFY2(first.head.contains("Content-Encoding: gzip"), first.head.constData());
    QVERIFY2(first.body.startsWith("cacheable #") && first.body.endsWith("\n"), first.body.constData());
    proxy->finishedFlows(1);
    auto second = fetch(*proxy, "/cacheable", {"--compressed", "-H", "Accept-Encoding: gzip"});
    QVERIFY2(second.head.contains("X-Proxyscope-Cache: HIT"), second.head.constData());
    QCOMPARE(second.body, first.body);  // the stored copy, not a new origin answer
    auto flows = proxy->finishedFlows(2);
    QVERIFY(flows[0]->hasTag("compressed:gzip"));
    QVERIFY(flows[1]->hasTag("cache:HIT"));
  }

  void countersCountCompressedResponses() {
    TestOrigin origin;
    auto proxy = reverseProxy(origin, [](PolicyConfig&) {});
    for (int i = 0; i < 3; ++i) fetch(*proxy, "/text?size=4000", {"--compressed"});
    proxy->finishedFlows(3);
    uint64_t responses = 0, in = 0, out = 0;
    for (const auto& c : proxy->engine().policyCounters()) {
      if (c.name == "compression.responses") responses = c.value;
      if (c.name == "compression.bytesIn") in = c.value;
      if (c.name == "compression.bytesOut") out = c.value;
    }
    QCOMPARE(responses, uint64_t(3));
    QCOMPARE(in, uint64_t(12000));
    QVERIFY(out > 0 && out < in);
  }
};

QTEST_APPLESS_MAIN(TestPolicyCompression)
#include "test_policy_compression.moc"
