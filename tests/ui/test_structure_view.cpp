// StructureModel under QAbstractItemModelTester (hosts → path segments with counts), its
// filters, and the structure view in a MainWindow: selecting a node filters the table.
#include <QAbstractItemModelTester>
#include <QAction>
#include <QCoreApplication>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>
#include <QTreeView>

#include "tests/support/fake_engine.h"
#include "ui/engine_bridge.h"
#include "ui/filter_bar.h"
#include "ui/filter_ui.h"
#include "ui/flow_table_model.h"
#include "ui/main_window.h"
#include "ui/structure_model.h"

using ps::test::FakeEngine;
using ps::test::sampleFlow;
using ps::ui::EngineBridge;
using ps::ui::FilterBar;
using ps::ui::MainWindow;
using ps::ui::StructureModel;

namespace {
int count(const StructureModel& model, const QModelIndex& node) {
  return model.index(node.row(), StructureModel::ColCount, node.parent()).data().toInt();
}
}  // namespace

class TestStructureView : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("ProxyscopeTests"));
    QCoreApplication::setApplicationName(QStringLiteral("test_structure_view"));
    QSettings().clear();
  }

  void treeAndCounts() {
    StructureModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.addFlow(QStringLiteral("a.com"), QStringLiteral("/api/users?page=2"));
    model.addFlow(QStringLiteral("a.com"), QStringLiteral("/api/users/7"));
    model.addFlow(QStringLiteral("a.com"), QStringLiteral("/api/orders"));
    model.addFlow(QStringLiteral("a.com"), QStringLiteral("/"));
    model.addFlow(QStringLiteral("b.org"), QStringLiteral("/x"));
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.totalFlows(), 5);
    const QModelIndex a = model.find(QStringLiteral("a.com"));
    QVERIFY(a.isValid());
    QCOMPARE(count(model, a), 4);
    QCOMPARE(model.rowCount(a), 1);  // api
    const QModelIndex api = model.find(QStringLiteral("a.com"), {QStringLiteral("api")});
    QCOMPARE(count(model, api), 3);
    QCOMPARE(count(model, model.find(QStringLiteral("a.com"), {QStringLiteral("api"), QStringLiteral("users")})), 2);
    QCOMPARE(count(model, model.find(QStringLiteral("a.com"), {QStringLiteral("api"), QStringLiteral("users"), QStringLiteral("7")})), 1);
    QCOMPARE(model.parent(api), a);
    // Deep paths fold into their last segment.
    model.addFlow(QStringLiteral("c.net"), QStringLiteral("/1/2/3/4/5/6/7/8/9/10"));
    QVERIFY(model.find(QStringLiteral("c.net"), {"1", "2", "3", "4", "5", "6", "7", "8/9/10"}).isValid());
    model.clear();
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.totalFlows(), 0);
  }

  void filtersForNodes() {
    StructureModel model;
    model.addFlow(QStringLiteral("a.com"), QStringLiteral("/api/v1.2/x"));
    QCOMPARE(model.filterFor(model.find(QStringLiteral("a.com"))), QStringLiteral("host:=a.com"));
    const QString f = model.filterFor(model.find(QStringLiteral("a.com"), {QStringLiteral("api"), QStringLiteral("v1.2")}));
    QVERIFY2(f.startsWith(QStringLiteral("host:=a.com path:~\"^")), qPrintable(f));  // quoted: the regex has parentheses
    QVERIFY2(f.contains(QStringLiteral("v1\\\\.2")), qPrintable(f));  // regex-escaped, then quoted
  }

  void selectingANodeFiltersTheTable() {
    FakeEngine engine;
    EngineBridge bridge(engine);
    MainWindow window(bridge);
    window.show();
    for (uint64_t id = 1; id <= 48; ++id) engine.publishLifecycle(sampleFlow(id));
    QTRY_COMPARE_WITH_TIMEOUT(window.model()->rowCount(), 48, 5000);
    StructureModel* model = window.filterUi().structureModel;
    QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model->totalFlows(), 48);
    QCOMPARE(model->rowCount(), 6);  // six sample hosts
    // api.example.com: ids divisible by 6 → 8 flows; its "v1" paths are ids ≡ 0 mod 8 and 6 mod 8.
    const QModelIndex api = model->find(QStringLiteral("api.example.com"));
    QCOMPARE(count(*model, api), 8);
    const QModelIndex v1 = model->find(QStringLiteral("api.example.com"), {QStringLiteral("v1")});
    QVERIFY(v1.isValid());
    const int v1Count = count(*model, v1);
    QVERIFY(v1Count > 0 && v1Count < 8);

    QTreeView* tree = window.filterUi().structureView;
    auto* sorter = qobject_cast<QSortFilterProxyModel*>(tree->model());
    QVERIFY(sorter != nullptr);
    tree->setCurrentIndex(sorter->mapFromSource(v1));
    QCOMPARE(window.filterBar()->text(), model->filterFor(v1));
    QCOMPARE(window.filterBar()->state(), FilterBar::State::Valid);
    QTRY_COMPARE_WITH_TIMEOUT(window.table()->model()->rowCount(), v1Count, 3000);
    tree->setCurrentIndex(sorter->mapFromSource(api));
    QTRY_COMPARE_WITH_TIMEOUT(window.table()->model()->rowCount(), 8, 3000);

    // The View menu toggles it; Clear empties it.
    QAction* toggle = window.filterUi().structureToggle;
    toggle->setChecked(false);
    QVERIFY(!tree->isVisible());
    toggle->setChecked(true);
    QVERIFY(tree->isVisible());
    window.clearFlows();
    QCOMPARE(model->rowCount(), 0);
  }
};

QTEST_MAIN(TestStructureView)
#include "test_structure_view.moc"
