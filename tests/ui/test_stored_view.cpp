// The store-backed flow table of an opened session file (ui/stored_view.h, FlowTableModel's stored
// view), on a real MainWindow (offscreen) and a real 20,000-flow session written by FlowStore: the
// file opens without its rows being loaded, a header click orders it by duration, the filter bar
// narrows it by host, both exactly as the file's SQL says, under QAbstractItemModelTester; Delete
// hides rows; live capture takes the table back.
#include <QAbstractItemModelTester>
#include <QAction>
#include <QMenu>
#include <QSignalSpy>
#include <QHeaderView>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>

#include "engine/store/flow_reader.h"
#include "engine/store/flow_store.h"
#include "tests/support/fake_engine.h"
#include "tests/support/store_test_support.h"
#include "ui/engine_bridge.h"
#include "ui/filter_bar.h"
#include "ui/flow_filter_proxy.h"
#include "ui/flow_table_model.h"
#include "ui/main_window.h"
#include "ui/session_ui.h"
#include "ui/stored_view.h"
#include "ui/structure_model.h"

using ps::test::FakeEngine;
using ps::ui::EngineBridge;
using ps::ui::FlowTableModel;
using ps::ui::MainWindow;
namespace eng = ps::engine;

namespace {

constexpr int kDeadlineMs = 60'000;
constexpr uint64_t kFlows = 20'000;

bool makeSession(const std::string& path) {
  eng::StoreOptions options;
  options.mode = eng::OpenMode::Create;
  auto store = eng::FlowStore::open(path, options);
  if (!store) return false;
  std::vector<eng::Flow> flows;
  for (uint64_t id = 1; id <= kFlows; ++id) flows.push_back(ps::test::sampleFlow(id));
  return static_cast<bool>((*store)->insert(flows, false));
}

std::vector<uint64_t> shownIds(const MainWindow& window, int limit = -1) {
  std::vector<uint64_t> ids;
  const int rows = limit < 0 ? window.proxy()->rowCount() : std::min(limit, window.proxy()->rowCount());
  for (int r = 0; r < rows; ++r) ids.push_back(window.proxy()->index(r, 0).data(FlowTableModel::FlowIdRole).toULongLong());
  return ids;
}

struct Fixture {
  FakeEngine engine;
  EngineBridge bridge{engine};
  MainWindow window{bridge};
  QAbstractItemModelTester modelTester{window.model(), QAbstractItemModelTester::FailureReportingMode::QtTest};
  QAbstractItemModelTester proxyTester{window.proxy(), QAbstractItemModelTester::FailureReportingMode::QtTest};
  ps::ui::SessionUi* sessions = ps::ui::installSessionUi(window);
  ps::ui::StoredView* view = window.findChild<ps::ui::StoredView*>();
  Fixture() {
    sessions->setInteractive(false);
    window.resize(1200, 700);
    window.show();
  }
  ~Fixture() { bridge.waitSessionJobs(); }
  bool settled() const { return view != nullptr && !view->orderPending(); }
};

}  // namespace

class TestStoredView : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    QCoreApplication::setOrganizationName(QStringLiteral("ProxyscopeTestStoredView"));
    QSettings().clear();
    QVERIFY(m_dir.isValid());
    m_path = (m_dir.path() + QStringLiteral("/twenty-thousand.pxsession")).toStdString();
    QVERIFY(makeSession(m_path));
  }

  void opensSortsAndFiltersInTheStore() {
    Fixture f;
    QVERIFY(f.view != nullptr);
    QSignalSpy batches(&f.bridge, &EngineBridge::batchReady);
    f.sessions->open(QString::fromStdString(m_path));
    QVERIFY(f.window.model()->isStoredView());
    QTRY_VERIFY_WITH_TIMEOUT(f.settled() && f.window.model()->rowCount() == static_cast<int>(kFlows), kDeadlineMs);
    QCOMPARE(batches.count(), 0);  // nothing was loaded row by row
    QCOMPARE(f.window.proxy()->rowCount(), static_cast<int>(kFlows));
    QCOMPARE(shownIds(f.window, 100), ps::test::sqlIds(m_path, "SELECT id FROM flows ORDER BY id LIMIT 100"));
    QTRY_COMPARE_WITH_TIMEOUT(f.window.model()->storedTotal(), static_cast<qint64>(kFlows), kDeadlineMs);

    // The rows on screen arrive with their stored values.
    QTRY_VERIFY_WITH_TIMEOUT(f.window.model()->isRowCached(0), kDeadlineMs);
    QCOMPARE(f.window.proxy()->index(0, FlowTableModel::ColHost).data().toString().toStdString(),
             ps::test::sampleFlow(1).request.host);
    QCOMPARE(f.window.proxy()->index(0, FlowTableModel::ColMethod).data().toString().toStdString(),
             ps::test::sampleFlow(1).request.method);

    // A header click: slowest first, as the file's SQL orders it.
    f.window.table()->sortByColumn(FlowTableModel::ColDuration, Qt::DescendingOrder);
    QTRY_VERIFY_WITH_TIMEOUT(f.settled() && f.window.model()->storedSortColumn() == FlowTableModel::ColDuration, kDeadlineMs);
    QCOMPARE(f.window.proxy()->rowCount(), static_cast<int>(kFlows));
    QCOMPARE(shownIds(f.window, 50), ps::test::sqlIds(m_path, "SELECT id FROM flows ORDER BY duration_us DESC, id DESC LIMIT 50"));
    QTRY_VERIFY_WITH_TIMEOUT(f.window.model()->isRowCached(0) && f.window.model()->isRowCached(1), kDeadlineMs);
    QVERIFY(f.window.model()->row(0).durationMicros >= f.window.model()->row(1).durationMicros);
    QVERIFY(f.window.model()->row(0).durationMicros > 0);

    // A host filter: the rows the file's SQL counts, still slowest first.
    const std::string host = "auth.example.com";
    const auto expected =
        ps::test::sqlIds(m_path, "SELECT id FROM flows WHERE host = '" + host + "' ORDER BY duration_us DESC, id DESC");
    QVERIFY(expected.size() > 100 && expected.size() < kFlows);
    f.window.filterBar()->setText(QStringLiteral("host:") + QString::fromStdString(host));
    f.window.filterBar()->validateNow();
    QTRY_VERIFY_WITH_TIMEOUT(f.settled() && f.window.proxy()->rowCount() == static_cast<int>(expected.size()), kDeadlineMs);
    QCOMPARE(shownIds(f.window), expected);
    QTRY_VERIFY_WITH_TIMEOUT(f.window.model()->isRowCached(0), kDeadlineMs);
    QCOMPARE(f.window.proxy()->index(0, FlowTableModel::ColHost).data().toString().toStdString(), host);

    // Another filter and a text column with no index: the whole order as SQL gives it.
    f.window.filterBar()->setText(QStringLiteral("status:>=400"));
    f.window.filterBar()->validateNow();
    f.window.table()->sortByColumn(FlowTableModel::ColPath, Qt::AscendingOrder);
    const auto errors = ps::test::sqlIds(m_path, "SELECT id FROM flows WHERE status >= 400 ORDER BY path, id");
    QVERIFY(!errors.empty());
    QTRY_VERIFY_WITH_TIMEOUT(f.settled() && f.window.model()->storedSortColumn() == FlowTableModel::ColPath &&
                                 f.window.proxy()->rowCount() == static_cast<int>(errors.size()),
                             kDeadlineMs);
    QCOMPARE(shownIds(f.window), errors);

    // Clearing the filter brings every flow back; Delete hides rows from the view (the file is
    // read-only).
    f.window.filterBar()->setText(QString());
    f.window.filterBar()->validateNow();
    QTRY_VERIFY_WITH_TIMEOUT(f.settled() && f.window.proxy()->rowCount() == static_cast<int>(kFlows), kDeadlineMs);
    const auto top = shownIds(f.window, 3);
    f.window.model()->removeFlows({top[0], top[2]});
    QCOMPARE(f.window.proxy()->rowCount(), static_cast<int>(kFlows) - 2);
    QCOMPARE(shownIds(f.window, 1).front(), top[1]);
  }

  void structureViewCountsTheFileByHost() {
    // An opened file has no live batches: the hosts → paths tree is filled from the file's SQL.
    Fixture f;
    auto* tree = f.window.findChild<QTreeView*>(QStringLiteral("structureView"));
    QVERIFY(tree != nullptr);
    auto* sorter = qobject_cast<QSortFilterProxyModel*>(tree->model());
    QVERIFY(sorter != nullptr);
    auto* structure = qobject_cast<ps::ui::StructureModel*>(sorter->sourceModel());
    QVERIFY(structure != nullptr);
    QAbstractItemModelTester tester{structure, QAbstractItemModelTester::FailureReportingMode::QtTest};
    f.sessions->open(QString::fromStdString(m_path));
    QTRY_COMPARE_WITH_TIMEOUT(structure->totalFlows(), static_cast<int>(kFlows), kDeadlineMs);
    const std::string host = ps::test::sampleFlow(1).request.host;
    const auto expected = ps::test::sqlIds(m_path, "SELECT count(*) FROM flows WHERE host = '" + host + "'");
    QCOMPARE(expected.size(), size_t(1));
    const QModelIndex node = structure->find(QString::fromStdString(host));
    QVERIFY(node.isValid());
    QCOMPARE(structure->index(node.row(), ps::ui::StructureModel::ColCount, node.parent()).data().toULongLong(), expected.front());
    // Live capture takes the tree back with the table.
    QAction* fresh = nullptr;
    for (QAction* action : f.window.sessionMenu()->actions()) {
      if (action->shortcut() == QKeySequence(QKeySequence::New)) fresh = action;
    }
    QVERIFY(fresh != nullptr);
    fresh->trigger();
    f.engine.publishLifecycle(ps::test::sampleFlow(200'001));
    QTRY_COMPARE_WITH_TIMEOUT(structure->totalFlows(), 1, kDeadlineMs);
  }

  void liveCaptureTakesTheTableBack() {
    Fixture f;
    f.sessions->open(QString::fromStdString(m_path));
    QTRY_VERIFY_WITH_TIMEOUT(f.settled() && f.window.model()->rowCount() == static_cast<int>(kFlows), kDeadlineMs);
    f.window.table()->sortByColumn(FlowTableModel::ColDuration, Qt::DescendingOrder);
    QTRY_VERIFY_WITH_TIMEOUT(f.settled() && f.window.model()->storedSortColumn() == FlowTableModel::ColDuration, kDeadlineMs);

    // Session ▸ New: the stored view ends; live flows stream in as before, sorted by the proxy.
    QAction* fresh = nullptr;
    for (QAction* action : f.window.sessionMenu()->actions()) {
      if (action->shortcut() == QKeySequence(QKeySequence::New)) fresh = action;
    }
    QVERIFY(fresh != nullptr);
    fresh->trigger();
    QVERIFY(!f.window.model()->isStoredView());
    QCOMPARE(f.window.model()->rowCount(), 0);
    for (uint64_t id = 100'001; id <= 100'003; ++id) f.engine.publishLifecycle(ps::test::sampleFlow(id));
    QTRY_COMPARE_WITH_TIMEOUT(f.window.model()->rowCount(), 3, kDeadlineMs);
    QCOMPARE(f.window.proxy()->rowCount(), 3);
    QCOMPARE(f.window.model()->row(0).host.toStdString(), ps::test::sampleFlow(100'001).request.host);
  }

 private:
  QTemporaryDir m_dir;
  std::string m_path;
};

QTEST_MAIN(TestStoredView)
#include "test_stored_view.moc"
