// BodyView offscreen: decoded vs raw for gzip/br/zstd bodies, image preview for image/*, form
// fields for application/x-www-form-urlencoded, search within the body.
#include <QBuffer>
#include <QCheckBox>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QTableWidget>
#include <QTest>

#include "engine/http/content_decoding.h"
#include "ui/body_view.h"

using ps::ui::BodyView;
using ps::ui::MessageDetail;

namespace {
MessageDetail message(const QByteArray& body, const QString& type, const QString& encoding = {}) {
  MessageDetail m;
  m.present = true;
  m.firstLine = QStringLiteral("HTTP/1.1 200 OK");
  m.headers.push_back({QStringLiteral("Content-Type"), type});
  if (!encoding.isEmpty()) m.headers.push_back({QStringLiteral("Content-Encoding"), encoding});
  m.body = body;
  m.bodySize = static_cast<uint64_t>(body.size());
  return m;
}

QByteArray encode(const QByteArray& data, const char* coding) {
  auto result = ps::engine::http::encodeContent(std::string_view(data.constData(), static_cast<size_t>(data.size())), coding);
  if (!result) qFatal("encode failed");
  return QByteArray(result->data(), static_cast<qsizetype>(result->size()));
}
}  // namespace

class TestBodyView : public QObject {
  Q_OBJECT

 private slots:
  void decodingToggle_data() {
    QTest::addColumn<QString>("coding");
    QTest::newRow("gzip") << QStringLiteral("gzip");
    QTest::newRow("br") << QStringLiteral("br");
    QTest::newRow("zstd") << QStringLiteral("zstd");
  }
  void decodingToggle() {
    QFETCH(QString, coding);
    const QByteArray json = R"({"user":"ada","roles":["admin","dev"]})";
    BodyView view;
    view.showBody(message(encode(json, coding.toLatin1().constData()), QStringLiteral("application/json"), coding));
    QVERIFY(view.decodedToggle()->isEnabled());
    QVERIFY(view.decoded());
    QCOMPARE(view.shownBytes(), json);
    QVERIFY2(view.textView()->toPlainText().contains(QStringLiteral("\"roles\": [")), qPrintable(view.textView()->toPlainText()));
    QVERIFY(view.summaryLabel()->text().contains(coding + QStringLiteral("-decoded")));
    // Raw: the captured (encoded) bytes, shown as hex.
    view.decodedToggle()->setChecked(false);
    QVERIFY(view.shownBytes() != json);
    QVERIFY(view.textView()->toPlainText().startsWith(QStringLiteral("00000000  ")));
    view.decodedToggle()->setChecked(true);
    QCOMPARE(view.shownBytes(), json);
  }

  void corruptEncodingFallsBackToRaw() {
    BodyView view;
    view.showBody(message(QByteArray("not gzip at all"), QStringLiteral("text/plain"), QStringLiteral("gzip")));
    QVERIFY(!view.decodeError().isEmpty());
    QCOMPARE(view.shownBytes(), QByteArray("not gzip at all"));
    QVERIFY(view.summaryLabel()->text().contains(QStringLiteral("could not decode")));
  }

  void identityHasNoToggle() {
    BodyView view;
    view.showBody(message(QByteArray("hello"), QStringLiteral("text/plain")));
    QVERIFY(!view.decodedToggle()->isEnabled());
    QCOMPARE(view.textView()->toPlainText(), QStringLiteral("hello"));
  }

  void imagePreview() {
    QImage image(24, 16, QImage::Format_RGB32);
    image.fill(Qt::red);
    QByteArray png;
    QBuffer buffer(&png);
    buffer.open(QIODevice::WriteOnly);
    QVERIFY(image.save(&buffer, "PNG"));
    BodyView view;
    view.showBody(message(png, QStringLiteral("image/png")));
    QCOMPARE(view.shownMode(), BodyView::Mode::Image);
    QCOMPARE(view.imageLabel()->pixmap().size(), QSize(24, 16));
    QVERIFY(view.summaryLabel()->text().contains(QStringLiteral("24×16")));
    // Gzip-encoded image: previewed once decoded, hex when raw.
    view.showBody(message(encode(png, "gzip"), QStringLiteral("image/png"), QStringLiteral("gzip")));
    QCOMPARE(view.shownMode(), BodyView::Mode::Image);
    view.setDecoded(false);
    QCOMPARE(view.shownMode(), BodyView::Mode::Text);
  }

  void formFields() {
    BodyView view;
    view.showBody(message(QByteArray("user=ada+lovelace&next=%2Fhome%3Fa%3D1&empty=&flag"),
                          QStringLiteral("application/x-www-form-urlencoded")));
    QCOMPARE(view.shownMode(), BodyView::Mode::Form);
    QTableWidget* table = view.formTable();
    QCOMPARE(table->rowCount(), 4);
    QCOMPARE(table->item(0, 0)->text(), QStringLiteral("user"));
    QCOMPARE(table->item(0, 1)->text(), QStringLiteral("ada lovelace"));
    QCOMPARE(table->item(1, 1)->text(), QStringLiteral("/home?a=1"));
    QCOMPARE(table->item(2, 1)->text(), QString());
    QCOMPARE(table->item(3, 0)->text(), QStringLiteral("flag"));
    // The switcher can force another viewer.
    view.setMode(BodyView::Mode::Hex);
    QCOMPARE(view.shownMode(), BodyView::Mode::Hex);
  }

  void searchWithinBody() {
    BodyView view;
    view.show();
    QVERIFY(QTest::qWaitForWindowActive(&view));
    view.showBody(message(QByteArray("alpha beta\ngamma beta\ndelta"), QStringLiteral("text/plain")));
    view.textView()->setFocus();
    QTest::keyClick(view.textView(), Qt::Key_F, Qt::ControlModifier);
    QVERIFY(view.searchEdit()->isVisible());
    QTest::keyClicks(view.searchEdit(), QStringLiteral("beta"));
    QCOMPARE(view.textView()->textCursor().selectedText(), QStringLiteral("beta"));
    const int first = view.textView()->textCursor().selectionStart();
    QCOMPARE(first, 6);
    QTest::keyClick(view.searchEdit(), Qt::Key_Return);
    QCOMPARE(view.textView()->textCursor().selectionStart(), 17);
    QTest::keyClick(view.searchEdit(), Qt::Key_Return);  // wraps
    QCOMPARE(view.textView()->textCursor().selectionStart(), 6);
    QVERIFY(!view.findNext(QStringLiteral("omega")));
    QTest::keyClick(view.searchEdit(), Qt::Key_Escape);
    QVERIFY(!view.searchEdit()->isVisible());
  }
};

QTEST_MAIN(TestBodyView)
#include "test_body_view.moc"
