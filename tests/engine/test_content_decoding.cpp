// Content codings: round trips with each coding, stacked codings, corrupt input, output limits.
#include <QtTest>

#include <random>

#include "engine/http/content_decoding.h"

using namespace ps::engine;
using namespace ps::engine::http;

namespace {

std::string sample(size_t n) {
  // Compressible but not trivial: words with some noise.
  std::mt19937 rng(42);
  std::string s;
  const char* words[] = {"proxy ", "flow ", "header ", "body ", "chunk ", "tunnel "};
  while (s.size() < n) {
    s += words[rng() % 6];
    if (rng() % 7 == 0) s += static_cast<char>(rng() % 256);
  }
  s.resize(n);
  return s;
}

}  // namespace

class TestContentDecoding : public QObject {
  Q_OBJECT
 private slots:
  void roundTrips_data() {
    QTest::addColumn<QString>("coding");
    QTest::addColumn<int>("size");
    for (const char* c : {"gzip", "deflate", "br", "zstd", "identity"}) {
      for (int size : {0, 1, 1000, 300000}) {
        QTest::newRow(qPrintable(QString("%1-%2").arg(c).arg(size))) << QString(c) << size;
      }
    }
  }

  void roundTrips() {
    QFETCH(QString, coding);
    QFETCH(int, size);
    const std::string data = sample(static_cast<size_t>(size));
    auto enc = encodeContent(data, coding.toStdString());
    QVERIFY2(enc.ok(), enc.ok() ? "" : enc.error().message.c_str());
    if (size >= 1000 && coding != "identity") QVERIFY(enc->size() < data.size());
    auto dec = decodeContent(*enc, coding.toUpper().toStdString(), 1 << 20);  // names ignore case
    QVERIFY2(dec.ok(), dec.ok() ? "" : dec.error().message.c_str());
    QCOMPARE(dec->size(), data.size());
    QVERIFY(*dec == data);
  }

  void stackedCodingsDecodeInReverse() {
    const std::string data = sample(5000);
    auto gz = encodeContent(data, "gzip");
    QVERIFY(gz.ok());
    auto br = encodeContent(*gz, "br");
    QVERIFY(br.ok());
    auto dec = decodeContent(*br, "gzip, br", 1 << 20);
    QVERIFY2(dec.ok(), dec.ok() ? "" : dec.error().message.c_str());
    QVERIFY(*dec == data);
    // In the wrong order it fails.
    QVERIFY(!decodeContent(*br, "br, gzip", 1 << 20).ok());
    auto z = encodeContent(*br, "zstd");
    auto three = decodeContent(*z, " gzip ,br,  zstd", 1 << 20);
    QVERIFY(three.ok());
    QVERIFY(*three == data);
  }

  void rawDeflateAndConcatenatedGzip() {
    const std::string data = sample(2000);
    // Raw deflate (no zlib wrapper), as some servers send for "deflate".
    auto zl = encodeContent(data, "deflate");
    QVERIFY(zl.ok());
    auto dec = decodeContent(zl->substr(2, zl->size() - 6), "deflate", 1 << 20);
    QVERIFY2(dec.ok(), dec.ok() ? "" : dec.error().message.c_str());
    QVERIFY(*dec == data);
    auto a = encodeContent("first ", "gzip");
    auto b = encodeContent("second", "gzip");
    auto both = decodeContent(*a + *b, "gzip", 100);
    QVERIFY(both.ok());
    QCOMPARE(*both, std::string("first second"));
  }

  void corruptInputIsAnError_data() {
    QTest::addColumn<QString>("coding");
    for (const char* c : {"gzip", "deflate", "br", "zstd"}) QTest::newRow(c) << QString(c);
  }

  void corruptInputIsAnError() {
    QFETCH(QString, coding);
    const std::string c = coding.toStdString();
    const std::string data = sample(4000);
    auto enc = encodeContent(data, c);
    QVERIFY(enc.ok());
    // Truncated.
    auto cut = decodeContent(enc->substr(0, enc->size() / 2), c, 1 << 20);
    QVERIFY(!cut.ok());
    QVERIFY(!cut.error().message.empty());
    // Garbage.
    QVERIFY(!decodeContent("this is not compressed at all, not even a little", c, 1 << 20).ok());
    // Flipped bytes in the middle.
    std::string flipped = *enc;
    for (size_t i = flipped.size() / 3; i < flipped.size() / 3 + 16; ++i) flipped[i] = static_cast<char>(~flipped[i]);
    auto bad = decodeContent(flipped, c, 1 << 20);
    QVERIFY(!bad.ok() || *bad != data);
  }

  void outputLimit() {
    const std::string zeros(1 << 20, '\0');
    for (const char* c : {"gzip", "deflate", "br", "zstd", "identity"}) {
      auto enc = encodeContent(zeros, c);
      QVERIFY(enc.ok());
      auto over = decodeContent(*enc, c, 1000);
      QVERIFY2(!over.ok(), c);
      QVERIFY(over.error().message.find("exceeds") != std::string::npos);
      auto exact = decodeContent(*enc, c, zeros.size());
      QVERIFY2(exact.ok(), c);
      QCOMPARE(exact->size(), zeros.size());
    }
  }

  void unknownAndEmpty() {
    auto r = decodeContent("abc", "compress", 100);
    QVERIFY(!r.ok());
    QVERIFY(r.error().message.find("compress") != std::string::npos);
    QVERIFY(!encodeContent("abc", "lzma").ok());
    auto none = decodeContent("abc", "", 100);
    QVERIFY(none.ok());
    QCOMPARE(*none, std::string("abc"));
    auto empty = decodeContent("", "gzip", 100);
    QVERIFY(empty.ok());
    QVERIFY(empty->empty());
  }
};

QTEST_APPLESS_MAIN(TestContentDecoding)
#include "test_content_decoding.moc"
