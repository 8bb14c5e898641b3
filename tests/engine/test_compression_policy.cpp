// Accept-Encoding negotiation (RFC 9110 12.5.3) and which responses may be compressed.
#include <QtTest>

#include "engine/policy/compression_policy.h"

using namespace ps::engine;

class TestCompressionPolicy : public QObject {
  Q_OBJECT
 private slots:
  void negotiation_data() {
    QTest::addColumn<QString>("accept");
    QTest::addColumn<QString>("chosen");
    QTest::newRow("order of preference") << "gzip, deflate, br, zstd" << "br";
    QTest::newRow("q values") << "br;q=0.5, gzip;q=0.9" << "gzip";
    QTest::newRow("refused by q=0") << "br;q=0, gzip" << "gzip";
    QTest::newRow("star") << "*" << "br";
    QTest::newRow("star with exclusion") << "*;q=0.5, br;q=0" << "zstd";
    QTest::newRow("identity only") << "identity" << "";
    QTest::newRow("empty") << "" << "";
    QTest::newRow("x-gzip alias") << "x-gzip" << "gzip";
    QTest::newRow("case and spaces") << "  GZIP ;q=1 " << "gzip";
  }
  void negotiation() {
    QFETCH(QString, accept);
    QFETCH(QString, chosen);
    QCOMPARE(QString::fromStdString(negotiateCoding(accept.toStdString(), {"br", "zstd", "gzip"})), chosen);
  }

  void eligibility() {
    Response r;
    r.status = 200;
    r.headers = {{"Content-Type", "application/json; charset=utf-8"}};
    QVERIFY(compressionEligible(r, 5000, 256).compress);
    QVERIFY(!compressionEligible(r, 100, 256).compress);  // too small to be worth it
    QVERIFY(compressionEligible(r, 0, 256).compress);     // unknown length (chunked)
    r.headers.add("Content-Encoding", "gzip");
    auto already = compressionEligible(r, 5000, 256);
    QVERIFY(!already.compress);
    QVERIFY(already.reason.find("already") != std::string::npos);
    r.headers = {{"Content-Type", "image/png"}};
    QVERIFY(!compressionEligible(r, 5000, 256).compress);
    r.headers = {{"Content-Type", "text/html"}, {"Cache-Control", "public, no-transform"}};
    QVERIFY(!compressionEligible(r, 5000, 256).compress);
    r.headers = {{"Content-Type", "application/vnd.api+json"}};
    QVERIFY(compressionEligible(r, 5000, 256).compress);
    r.status = 304;
    QVERIFY(!compressionEligible(r, 5000, 256).compress);
  }
};

QTEST_APPLESS_MAIN(TestCompressionPolicy)
#include "test_compression_policy.moc"
