// CompareView on a JSON pair: key order is ignored, a changed value is found by path and its line
// highlighted on both sides; differing headers are highlighted too.
#include <QTest>
#include <QLabel>
#include <QTextEdit>

#include "ui/compare_view.h"

using ps::ui::CompareView;
using ps::ui::FlowDetail;

namespace {

FlowDetail flow(uint64_t id, const QByteArray& body, const QString& server) {
  FlowDetail d;
  d.id = id;
  d.url = QStringLiteral("http://api.test/items");
  d.request.present = true;
  d.request.firstLine = QStringLiteral("GET /items HTTP/1.1");
  d.request.headers = {{QStringLiteral("Host"), QStringLiteral("api.test")}};
  d.response.present = true;
  d.response.firstLine = QStringLiteral("HTTP/1.1 200 OK");
  d.response.headers = {{QStringLiteral("Content-Type"), QStringLiteral("application/json")},
                        {QStringLiteral("Server"), server}};
  d.response.body = body;
  return d;
}

}  // namespace

class TestCompareView : public QObject {
  Q_OBJECT

 private slots:
  void keyOrderIsIgnored() {
    bool json = false;
    auto diffs = CompareView::jsonDifferences(R"({"a":1,"b":{"c":[1,2],"d":"x"}})", R"({"b":{"d":"x","c":[1,2]},"a":1})", &json);
    QVERIFY(json);
    QVERIFY2(diffs.isEmpty(), qPrintable(diffs.join(QLatin1Char(','))));
    CompareView view;
    view.setFlows(flow(1, R"({"a":1,"b":2})", QStringLiteral("s")), flow(2, R"({"b":2,"a":1})", QStringLiteral("s")));
    QCOMPARE(view.highlightedLines(), 0);
  }

  void changedValueIsHighlighted() {
    bool json = false;
    auto diffs = CompareView::jsonDifferences(R"({"a":1,"b":{"c":2,"e":[1,2]}})", R"({"b":{"e":[1,3],"c":2},"a":1,"z":null})", &json);
    QVERIFY(json);
    QCOMPARE(diffs, QStringList({QStringLiteral("$.b.e[1]"), QStringLiteral("$.z")}));

    CompareView view;
    view.setFlows(flow(1, R"({"user":{"name":"ann","age":30},"ok":true})", QStringLiteral("a")),
                  flow(2, R"({"ok":true,"user":{"age":31,"name":"ann"}})", QStringLiteral("b")));
    QCOMPARE(view.bodyDifferences(), QStringList({QStringLiteral("$.user.age")}));
    // The "Server" header line on each side and the "age" line on each side.
    QCOMPARE(view.highlightedLines(), 4);
    const QString right = view.rightPane()->toPlainText();
    QVERIFY(right.contains(QLatin1String("\"age\": 31")));
    // Keys are shown sorted on both sides, so equal members line up.
    QVERIFY(right.indexOf(QLatin1String("\"age\"")) < right.indexOf(QLatin1String("\"name\"")));
    QVERIFY(view.summary()->text().contains(QLatin1String("$.user.age")));
  }

  void textBodiesAreDiffedByLine() {
    bool json = true;
    QVERIFY(CompareView::jsonDifferences("one\ntwo", "one\n2", &json).isEmpty());
    QVERIFY(!json);
    CompareView view;
    view.setFlows(flow(1, "one\ntwo\nthree", QStringLiteral("s")), flow(2, "one\n2\nthree", QStringLiteral("s")));
    QCOMPARE(view.highlightedLines(), 2);  // "two" on the left, "2" on the right
  }
};

QTEST_MAIN(TestCompareView)
#include "test_compare_view.moc"
