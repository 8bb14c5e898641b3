// MainWindow offscreen with a FakeEngine: it constructs, the inspector shows the selected flow's
// headers and body, Clear empties the table, the mode switch and Start/Stop reach the engine.
#include <QAction>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QStatusBar>
#include <QTableView>
#include <QTableWidget>
#include <QTest>
#include <QTextBrowser>

#include "tests/support/fake_engine.h"
#include "ui/engine_bridge.h"
#include "ui/flow_filter_proxy.h"
#include "ui/flow_table_model.h"
#include "ui/inspector.h"
#include "ui/main_window.h"
#include "ui/message_view.h"

namespace eng = ps::engine;
using ps::test::FakeEngine;
using ps::test::sampleFlow;
using ps::ui::EngineBridge;
using ps::ui::FlowTableModel;
using ps::ui::MainWindow;

namespace {
int rowOfId(MainWindow& window, uint64_t id) {
  auto* proxy = window.table()->model();
  for (int r = 0; r < proxy->rowCount(); ++r) {
    if (proxy->index(r, 0).data(FlowTableModel::FlowIdRole).toULongLong() == id) return r;
  }
  return -1;
}
}  // namespace

class TestMainWindow : public QObject {
  Q_OBJECT

 private slots:
  void constructsAndShowsFlows() {
    FakeEngine engine;
    EngineBridge bridge(engine);
    MainWindow window(bridge);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY(!window.windowIcon().isNull());
    QVERIFY(!window.windowIcon().pixmap(32, 32).isNull());  // the SVG resource renders
    QCOMPARE(window.startStopAction()->text(), QStringLiteral("Start"));
    QCOMPARE(window.listenEdit()->text(), QStringLiteral("127.0.0.1:8080"));

    for (uint64_t id = 1; id <= 30; ++id) engine.publishLifecycle(sampleFlow(id));
    QTRY_COMPARE_WITH_TIMEOUT(window.model()->rowCount(), 30, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(window.statusBar()->findChildren<QLabel*>().size() >= 4, 1000);
  }

  void inspectorShowsHeadersAndBodyOfTheSelectedFlow() {
    FakeEngine engine;
    EngineBridge bridge(engine);
    MainWindow window(bridge);
    window.show();
    // Flow 6 answers JSON (pretty-printed), flow 4 an image (hex), flow 3 is a POST with a body.
    for (uint64_t id = 1; id <= 6; ++id) engine.publishLifecycle(sampleFlow(id));
    QTRY_COMPARE_WITH_TIMEOUT(window.model()->rowCount(), 6, 5000);

    const eng::Flow json = sampleFlow(6);
    window.table()->selectRow(rowOfId(window, 6));
    auto* inspector = window.inspector();
    QCOMPARE(inspector->flowId(), 6ULL);
    QVERIFY(inspector->overview()->toPlainText().contains(QString::fromStdString(json.request.url())));
    QTableWidget* reqHeaders = inspector->requestView()->headersTable();
    QCOMPARE(reqHeaders->rowCount(), static_cast<int>(json.request.headers.size()));
    QCOMPARE(reqHeaders->item(0, 0)->text(), QStringLiteral("Host"));
    QCOMPARE(reqHeaders->item(3, 1)->text(), QStringLiteral("req-6"));
    const QString body = inspector->responseView()->bodyView()->toPlainText();
    QVERIFY2(body.contains(QLatin1String("\"ok\": true")), qPrintable(body));  // pretty JSON
    QVERIFY(body.contains(QLatin1Char('\n')));

    window.table()->selectRow(rowOfId(window, 4));
    QCOMPARE(inspector->flowId(), 4ULL);
    QVERIFY(inspector->responseView()->bodyView()->toPlainText().startsWith(QLatin1String("00000000  89 50 4e 47")));
    QVERIFY(inspector->responseView()->bodySummary()->text().contains(QLatin1String("hex")));

    window.table()->selectRow(rowOfId(window, 3));
    QVERIFY(inspector->requestView()->bodyView()->toPlainText().contains(QLatin1String("proxyscope")));

    // Truncated capture is said so (flow 5: 20 KB body, a few bytes captured).
    window.table()->selectRow(rowOfId(window, 5));
    QVERIFY(inspector->responseView()->bodySummary()->text().contains(QLatin1String("truncated")));

    // An error flow shows its message in the overview.
    eng::Flow failed = sampleFlow(7);
    failed.error = eng::FlowError{eng::ErrorKind::UpstreamTimeout, "no response from origin within 60 s"};
    engine.publishLifecycle(failed);
    QTRY_COMPARE_WITH_TIMEOUT(window.model()->rowCount(), 7, 5000);
    window.table()->selectRow(rowOfId(window, 7));
    QVERIFY(inspector->overview()->toPlainText().contains(QLatin1String("no response from origin")));

    // The selected flow refreshes when a later event for it arrives.
    eng::Flow later = sampleFlow(7);
    later.error.reset();
    later.response->status = 299;
    later.response->reason = "Refreshed";
    engine.publish(eng::FlowEventType::Finished, later);
    QTRY_VERIFY_WITH_TIMEOUT(inspector->overview()->toPlainText().contains(QLatin1String("299 Refreshed")), 5000);
  }

  void clearEmptiesTheTable() {
    FakeEngine engine;
    EngineBridge bridge(engine);
    MainWindow window(bridge);
    window.show();
    for (uint64_t id = 1; id <= 10; ++id) engine.publishLifecycle(sampleFlow(id));
    QTRY_COMPARE_WITH_TIMEOUT(window.model()->rowCount(), 10, 5000);
    window.table()->selectRow(0);
    QVERIFY(window.inspector()->flowId() != 0);
    window.clearAction()->trigger();
    QCOMPARE(window.model()->rowCount(), 0);
    QCOMPARE(window.inspector()->flowId(), 0ULL);
    QVERIFY(!bridge.detail(1).has_value());
    QCOMPARE(window.clearAction()->shortcut(), QKeySequence(Qt::CTRL | Qt::Key_K));
    // New flows after a clear appear again.
    engine.publishLifecycle(sampleFlow(11));
    QTRY_COMPARE_WITH_TIMEOUT(window.model()->rowCount(), 1, 5000);
  }

  void filterNarrowsTheTable() {
    FakeEngine engine;
    EngineBridge bridge(engine);
    MainWindow window(bridge);
    window.show();
    for (uint64_t id = 1; id <= 24; ++id) engine.publishLifecycle(sampleFlow(id));
    QTRY_COMPARE_WITH_TIMEOUT(window.model()->rowCount(), 24, 5000);
    window.filterEdit()->setText(QStringLiteral("auth.example.com"));
    QTRY_COMPARE_WITH_TIMEOUT(window.table()->model()->rowCount(), 4, 5000);  // ids 3, 9, 15, 21 (debounced)
    window.filterEdit()->clear();
    QTRY_COMPARE_WITH_TIMEOUT(window.table()->model()->rowCount(), 24, 5000);
  }

  void modeSwitchAndStartStopCallTheEngine() {
    FakeEngine engine;
    EngineBridge bridge(engine);
    MainWindow window(bridge);
    window.show();

    window.startStopAction()->trigger();
    QVERIFY(engine.running());
    QCOMPARE(window.startStopAction()->text(), QStringLiteral("Stop"));

    window.modeBox()->setCurrentIndex(1);  // Reverse
    // Reverse mode has its own default address (8000) when the forward default was in use.
    std::vector<std::string> expected = {"config:forward@127.0.0.1:8080", "start", "stop",
                                         "config:reverse@127.0.0.1:8000", "start"};
    QCOMPARE(engine.calls(), expected);
    QVERIFY(engine.running());
    QCOMPARE(engine.config()->mode, eng::ProxyMode::Reverse);
    QVERIFY(!window.table()->isColumnHidden(FlowTableModel::ColBackend));

    window.startStopAction()->trigger();
    QVERIFY(!engine.running());
    QCOMPARE(window.startStopAction()->text(), QStringLiteral("Start"));

    // A new listen address applies on Start.
    window.listenEdit()->setText(QStringLiteral("127.0.0.1:9191"));
    engine.failNextStart("bind 127.0.0.1:9191: Address already in use");
    window.startStopAction()->trigger();
    QVERIFY(!engine.running());
    QCOMPARE(engine.config()->listen.port, 9191);
    bool shown = false;
    for (auto* label : window.statusBar()->findChildren<QLabel*>()) {
      shown = shown || label->text().contains(QLatin1String("Address already in use"));
    }
    QVERIFY(shown);
  }

  void spacePausesAutoScroll() {
    FakeEngine engine;
    EngineBridge bridge(engine);
    MainWindow window(bridge);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.table()->setFocus();
    QVERIFY(!window.autoScrollPaused());
    QTest::keyClick(window.table(), Qt::Key_Space);
    QVERIFY(window.autoScrollPaused());
    QTest::keyClick(window.table(), Qt::Key_Space);
    QVERIFY(!window.autoScrollPaused());
  }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
