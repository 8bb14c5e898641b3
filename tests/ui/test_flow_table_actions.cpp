// The flow table's remembered columns and its actions: Replay (Ctrl+R) reaches the engine with
// the captured request, Delete removes rows, Copy as raw HTTP, Export selection as HAR.
#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QCoreApplication>
#include <QFile>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QMenu>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <mutex>

#include "tests/support/fake_engine.h"
#include "ui/engine_bridge.h"
#include "ui/filter_ui.h"
#include "ui/flow_table_model.h"
#include "ui/main_window.h"

namespace eng = ps::engine;
using ps::test::FakeEngine;
using ps::test::sampleFlow;
using ps::ui::EngineBridge;
using ps::ui::FlowTableModel;
using ps::ui::MainWindow;

namespace {
// Records replays the UI asks for (the real replay path has its own engine tests).
class ReplayRecordingEngine : public FakeEngine {
 public:
  eng::Result<uint64_t> replay(const eng::Request& request, uint64_t replayOf) override {
    std::lock_guard lock(m_replaysMutex);
    m_replays.push_back({request.method + " " + request.url(), replayOf});
    return uint64_t{1000 + m_replays.size()};
  }
  std::vector<std::pair<std::string, uint64_t>> replays() {
    std::lock_guard lock(m_replaysMutex);
    return m_replays;
  }

 private:
  std::mutex m_replaysMutex;
  std::vector<std::pair<std::string, uint64_t>> m_replays;
};

void selectIds(MainWindow& window, const std::vector<uint64_t>& ids) {
  auto* model = window.table()->model();
  auto* selection = window.table()->selectionModel();
  selection->clearSelection();
  for (int r = 0; r < model->rowCount(); ++r) {
    const auto id = model->index(r, 0).data(FlowTableModel::FlowIdRole).toULongLong();
    if (std::find(ids.begin(), ids.end(), id) != ids.end()) {
      selection->select(model->index(r, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
    }
  }
}
}  // namespace

class TestFlowTableActions : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("ProxyscopeTests"));
    QCoreApplication::setApplicationName(QStringLiteral("test_flow_table_actions"));
    QSettings().clear();
  }

  void columnsAreRemembered() {
    FakeEngine engine;
    EngineBridge bridge(engine);
    {
      MainWindow window(bridge);
      QHeaderView* header = window.table()->horizontalHeader();
      window.table()->hideColumn(FlowTableModel::ColClient);
      header->moveSection(header->visualIndex(FlowTableModel::ColStatus), 1);
      header->resizeSection(FlowTableModel::ColHost, 333);
      // Saved shortly after the change, without an explicit call.
      QTRY_VERIFY_WITH_TIMEOUT(!QSettings().value(QStringLiteral("flowTable/header")).toByteArray().isEmpty(), 3000);
      ps::ui::saveFlowTableColumns(window);
    }
    MainWindow again(bridge);
    QHeaderView* header = again.table()->horizontalHeader();
    QVERIFY(again.table()->isColumnHidden(FlowTableModel::ColClient));
    QCOMPARE(header->visualIndex(FlowTableModel::ColStatus), 1);
    QCOMPARE(header->sectionSize(FlowTableModel::ColHost), 333);
    QSettings().clear();
  }

  void replayDeleteCopyAndMenu() {
    ReplayRecordingEngine engine;
    EngineBridge bridge(engine);
    MainWindow window(bridge);
    window.show();
    for (uint64_t id = 1; id <= 10; ++id) engine.publishLifecycle(sampleFlow(id));
    QTRY_COMPARE_WITH_TIMEOUT(window.model()->rowCount(), 10, 5000);
    const auto& ui = window.filterUi();

    // Ctrl+R replays the selection with the captured request.
    selectIds(window, {3, 4});
    window.table()->setFocus();
    QTest::keyClick(window.table(), Qt::Key_R, Qt::ControlModifier);
    auto replays = engine.replays();
    QCOMPARE(replays.size(), size_t{2});
    QCOMPARE(replays[0].second, uint64_t{3});
    QCOMPARE(QString::fromStdString(replays[0].first), QStringLiteral("POST https://auth.example.com/oauth/token"));
    QCOMPARE(replays[1].second, uint64_t{4});

    // Copy as raw HTTP: request head, body, then the response.
    selectIds(window, {3});
    ui.copyRaw->trigger();
    const QString raw = QApplication::clipboard()->text();
    QVERIFY2(raw.startsWith(QStringLiteral("POST https://auth.example.com/oauth/token HTTP/1.1\r\nHost: auth.example.com\r\n")),
             qPrintable(raw.left(120)));
    QVERIFY(raw.contains(QStringLiteral("{\"name\":\"proxyscope\"")));
    QVERIFY(raw.contains(QStringLiteral("\r\n\r\nHTTP/1.1 ")));

    // Delete (the key, in the table) removes the selected rows and their snapshots.
    selectIds(window, {2, 5, 6});
    window.table()->setFocus();
    QTest::keyClick(window.table(), Qt::Key_Delete);
    QCOMPARE(window.model()->rowCount(), 7);
    QCOMPARE(window.model()->rowOf(5), -1);
    QCOMPARE(window.model()->rowOf(7), 3);  // 1, 3, 4, 7: rows renumbered
    QVERIFY(!bridge.detail(5).has_value());
    QVERIFY(bridge.detail(7).has_value());

    // The row menu carries the actions.
    QMenu menu;
    emit window.rowMenuAboutToShow(&menu, 7);
    QVERIFY(menu.actions().contains(ui.replay));
    QVERIFY(menu.actions().contains(ui.exportHar));
    QVERIFY(menu.actions().contains(ui.deleteFlows));
    QVERIFY(menu.actions().contains(ui.copyRaw));
  }

  void exportSelectionAsHar() {
    FakeEngine engine;
    EngineBridge bridge(engine);
    MainWindow window(bridge);
    for (uint64_t id = 1; id <= 6; ++id) engine.publishLifecycle(sampleFlow(id));
    QTRY_COMPARE_WITH_TIMEOUT(window.model()->rowCount(), 6, 5000);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("sel.har"));
    QSignalSpy done(&bridge, &EngineBridge::harExported);
    QCOMPARE(bridge.exportHarFile({2, 4, 99}, path), 2);  // 99 is unknown
    QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 10000);
    QCOMPARE(done.at(0).at(1).toInt(), 2);
    QVERIFY(done.at(0).at(2).toString().isEmpty());
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray har = file.readAll();
    QVERIFY(har.contains("\"entries\""));
    QVERIFY(har.contains("www.example.org"));      // id 2
    QVERIFY(har.contains("images.example.net"));   // id 4
    QVERIFY(!har.contains("cdn.example.net"));     // id 1 not selected
  }
};

QTEST_MAIN(TestFlowTableActions)
#include "test_flow_table_actions.moc"
