// The inspector's body rendering (pretty JSON, text, hex, truncation notes) and "Copy as cURL".
#include <QTest>

#include "ui/body_rendering.h"
#include "ui/curl_command.h"

using ps::ui::BodyRendering;
using ps::ui::renderBody;

class TestBodyRendering : public QObject {
  Q_OBJECT

 private slots:
  void jsonIsPrettyPrinted() {
    const QByteArray body = R"({"a":1,"b":[true,null]})";
    const BodyRendering r = renderBody(body, static_cast<uint64_t>(body.size()), QStringLiteral("application/json; charset=utf-8"), {});
    QCOMPARE(r.kind, BodyRendering::Kind::Json);
    QVERIFY(r.text.contains(QLatin1String("\n    \"a\": 1,\n")));
    QVERIFY(r.summary.contains(QLatin1String("application/json")));
    QVERIFY(r.summary.contains(QLatin1String("pretty")));
  }

  void invalidOrTruncatedJsonStaysText() {
    const QByteArray body = R"({"a":1,"b":[tr)";
    const BodyRendering cut = renderBody(body, 4000, QStringLiteral("application/json"), {});
    QCOMPARE(cut.kind, BodyRendering::Kind::Text);
    QCOMPARE(cut.text, QString::fromLatin1(body));
    QVERIFY2(cut.summary.contains(QLatin1String("truncated")), qPrintable(cut.summary));
    const BodyRendering bad = renderBody("{nope", 5, QStringLiteral("application/problem+json"), {});
    QCOMPARE(bad.kind, BodyRendering::Kind::Text);
  }

  void binaryIsHex() {
    const QByteArray png("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
    const BodyRendering r = renderBody(png, 16, QStringLiteral("image/png"), {});
    QCOMPARE(r.kind, BodyRendering::Kind::Hex);
    QCOMPARE(r.text, QStringLiteral("00000000  89 50 4e 47 0d 0a 1a 0a  00 00 00 0d 49 48 44 52  |.PNG........IHDR|\n"));
    // Without a type, bytes decide.
    QCOMPARE(renderBody(png, 16, {}, {}).kind, BodyRendering::Kind::Hex);
    QCOMPARE(renderBody("plain words\n", 12, {}, {}).kind, BodyRendering::Kind::Text);
    // A content-coded body is shown raw as hex, and says so.
    const BodyRendering gz = renderBody(QByteArray("\x1f\x8b\x08\0", 4), 4, QStringLiteral("text/html"), QStringLiteral("gzip"));
    QCOMPARE(gz.kind, BodyRendering::Kind::Hex);
    QVERIFY(gz.summary.contains(QLatin1String("gzip")));
  }

  void emptyBody() {
    const BodyRendering r = renderBody({}, 0, {}, {});
    QCOMPARE(r.kind, BodyRendering::Kind::Empty);
    QVERIFY(r.text.isEmpty());
  }

  void curlCommandRepeatsTheRequest() {
    ps::ui::FlowDetail flow;
    flow.url = QStringLiteral("http://example.com/it's?q=1");
    flow.request.present = true;
    flow.request.firstLine = QStringLiteral("PUT /it's?q=1 HTTP/1.1");
    flow.request.headers = {{QStringLiteral("Host"), QStringLiteral("example.com")},
                            {QStringLiteral("X-Token"), QStringLiteral("a b")},
                            {QStringLiteral("Content-Length"), QStringLiteral("7")}};
    flow.request.body = "{\"x\":1}";
    flow.request.bodySize = 7;
    QCOMPARE(ps::ui::curlCommand(flow),
             QStringLiteral("curl -X PUT 'http://example.com/it'\\''s?q=1' -H 'X-Token: a b' --data-binary '{\"x\":1}'"));
    flow.request.firstLine = QStringLiteral("GET / HTTP/1.1");
    flow.request.body.clear();
    flow.request.bodySize = 0;
    QCOMPARE(ps::ui::curlCommand(flow), QStringLiteral("curl 'http://example.com/it'\\''s?q=1' -H 'X-Token: a b'"));
  }
};

QTEST_APPLESS_MAIN(TestBodyRendering)
#include "test_body_rendering.moc"
