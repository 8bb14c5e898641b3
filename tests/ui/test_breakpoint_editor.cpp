// The breakpoint UI against the real engine (port 0), a real curl client and the in-test origin:
// a rule set through the rules dialog pauses a request; the editor (driven programmatically) adds
// a header and changes the body; Continue edited → the origin sees the edit with a fresh length.
// Respond with → the origin is never contacted. The paused list shows the flow and clears. The
// composer sends a pasted cURL command and shows the response.
#include <QApplication>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTest>
#include <future>

#include "tests/support/proxy_harness.h"
#include "tests/support/test_origin.h"
#include "ui/breakpoint_editor.h"
#include "ui/breakpoint_rules_dialog.h"
#include "ui/composer.h"
#include "ui/engine_bridge.h"
#include "ui/paused_flows_panel.h"

using namespace ps::ui;
using ps::test::ProxyHarness;
using ps::test::TestOrigin;

namespace {

QString applyRule(EngineBridge& bridge, const QString& expression) {
  BreakpointRulesDialog dialog(bridge);
  dialog.setRules({});
  dialog.addRule({expression, BreakStageUi::Request, true});
  return BreakpointRulesDialog::apply(bridge, dialog.rules());
}

}  // namespace

class TestBreakpointEditor : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

  void rulesAreValidatedAsTyped() {
    ProxyHarness proxy;
    EngineBridge bridge(proxy.engine());
    BreakpointRulesDialog dialog(bridge);
    QVERIFY(BreakpointRulesDialog::validate(QStringLiteral("host:example.com method:POST")).isEmpty());
    QVERIFY(!BreakpointRulesDialog::validate(QStringLiteral("status:>=")).isEmpty());
    dialog.newExpression()->setText(QStringLiteral("status:>="));
    QVERIFY(!dialog.newExpression()->styleSheet().isEmpty());  // red
    dialog.newExpression()->setText(QStringLiteral("status:>=400"));
    QVERIFY(dialog.newExpression()->styleSheet().isEmpty());
  }

  void continueEditedReachesTheOrigin() {
    TestOrigin origin;
    ProxyHarness proxy;
    EngineBridge bridge(proxy.engine());
    QCOMPARE(applyRule(bridge, QStringLiteral("path:/echo")), QString());
    PausedFlowsPanel panel(bridge);

    auto client = std::async(std::launch::async, [&] {
      return proxy.curl({"-X", "POST", "-H", "Content-Type: application/json", "--data-binary", "original",
                         QString::fromStdString(origin.url("/echo"))});
    });
    QTRY_COMPARE_WITH_TIMEOUT(panel.pausedCount(), 1, 10000);
    QCOMPARE(panel.list()->rowCount(), 1);
    QVERIFY(panel.list()->item(0, 2)->text().contains(QLatin1String("/echo")));
    QCOMPARE(origin.requests().size(), size_t(0));

    panel.list()->selectRow(0);
    BreakpointEditor* editor = panel.editor();
    QCOMPARE(editor->flowId(), panel.paused().front().id);
    QCOMPARE(editor->bodyEdit()->toPlainText(), QStringLiteral("original"));
    QVERIFY(!editor->continueEditedButton()->isEnabled());
    QVERIFY(editor->bodyState()->text().contains(QLatin1String("Invalid JSON")));

    editor->setHeader(QStringLiteral("X-Edited"), QStringLiteral("yes"));
    editor->bodyEdit()->setPlainText(QStringLiteral("{\"b\":2,\"a\":1}"));
    QVERIFY(editor->bodyState()->text().contains(QLatin1String("Valid JSON")));
    editor->prettyPrint();
    const QByteArray pretty = editor->bodyEdit()->toPlainText().toUtf8();
    QVERIFY(pretty.contains('\n'));
    QVERIFY(editor->continueEditedButton()->isEnabled());
    QVERIFY(editor->continueEdited());

    QCOMPARE(client.wait_for(std::chrono::seconds(20)), std::future_status::ready);
    auto result = client.get();
    QCOMPARE(result.exitCode, 0);
    auto requests = origin.requests();
    QCOMPARE(requests.size(), size_t(1));
    QCOMPARE(requests[0].header("X-Edited"), std::string("yes"));
    QCOMPARE(requests[0].bodyLength, uint64_t(pretty.size()));
    // No stale Content-Length: the engine framed the edited body.
    QCOMPARE(requests[0].header("Content-Length"), std::to_string(pretty.size()));

    panel.refresh();
    QCOMPARE(panel.pausedCount(), 0);
    QCOMPARE(panel.list()->rowCount(), 0);
    QCOMPARE(editor->flowId(), uint64_t(0));
  }

  void respondWithNeverContactsTheOrigin() {
    TestOrigin origin;
    ProxyHarness proxy;
    EngineBridge bridge(proxy.engine());
    QCOMPARE(applyRule(bridge, QStringLiteral("path:/hello")), QString());
    PausedFlowsPanel panel(bridge);
    auto client = std::async(std::launch::async, [&] {
      return proxy.curl({"-i", QString::fromStdString(origin.url("/hello"))});
    });
    QTRY_COMPARE_WITH_TIMEOUT(panel.pausedCount(), 1, 10000);
    QVERIFY(panel.select(panel.paused().front().id));
    EditableResponse answer;
    answer.status = 201;
    answer.reason = QStringLiteral("Created");
    answer.headers.push_back({QStringLiteral("Content-Type"), QStringLiteral("text/plain")});
    answer.headers.push_back({QStringLiteral("Content-Length"), QStringLiteral("999")});  // stale: dropped
    answer.body = "from the editor";
    QVERIFY(panel.editor()->respondWith(answer));
    QCOMPARE(client.wait_for(std::chrono::seconds(20)), std::future_status::ready);
    auto result = client.get();
    QCOMPARE(result.exitCode, 0);
    QVERIFY2(result.out.startsWith("HTTP/1.1 201"), result.out.constData());
    QVERIFY2(result.out.endsWith("from the editor"), result.out.constData());
    QCOMPARE(origin.requests().size(), size_t(0));
    QCOMPARE(origin.connections(), 0);
    panel.refresh();
    QCOMPARE(panel.pausedCount(), 0);
  }

  void composerSendsAPastedCurlCommand() {
    TestOrigin origin;
    ProxyHarness proxy;
    EngineBridge bridge(proxy.engine());
    Composer composer(bridge);
    QString error;
    QVERIFY(!composer.openCurl(QStringLiteral("not a curl command"), &error));
    QVERIFY(!error.isEmpty());
    const QString command = QStringLiteral("curl -X POST -H 'X-From: composer' --data-binary 'abc' '%1'")
                                .arg(QString::fromStdString(origin.url("/echo")));
    ComposerTab* tab = composer.openCurl(command, &error);
    QVERIFY2(tab, qPrintable(error));
    QCOMPARE(tab->methodEdit()->text(), QStringLiteral("POST"));
    uint64_t id = tab->send();
    QVERIFY(id != 0);
    QTRY_VERIFY_WITH_TIMEOUT(tab->responseShown(), 10000);
    QVERIFY2(tab->responsePane()->toPlainText().startsWith(QLatin1String("HTTP/1.1 200")),
             qPrintable(tab->responsePane()->toPlainText()));
    QVERIFY(tab->responsePane()->toPlainText().contains(QLatin1String("X-From")));
    QCOMPARE(tab->history()->count(), 1);
    auto requests = origin.requests();
    QCOMPARE(requests.size(), size_t(1));
    QCOMPARE(requests[0].header("X-From"), std::string("composer"));
    QCOMPARE(requests[0].bodyLength, uint64_t(3));
  }
};

QTEST_MAIN(TestBreakpointEditor)
#include "test_breakpoint_editor.moc"
