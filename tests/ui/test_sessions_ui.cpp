// The Session menu's operations on a real MainWindow (offscreen) with a FakeEngine and real session
// files: opening a big session shows it store-backed without loading its rows, a
// foreign file is refused and left alone, Save As copies the live session, a HAR import shows its
// entries and stores them, and an export of the selection is a HAR with exactly those entries.
#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QItemSelectionModel>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSettings>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include "engine/store/flow_reader.h"
#include "engine/store/flow_store.h"
#include "tests/support/fake_engine.h"
#include "ui/engine_bridge.h"
#include "ui/filter_bar.h"
#include "ui/flow_filter_proxy.h"
#include "ui/flow_table_model.h"
#include "ui/main_window.h"
#include "ui/session_ui.h"

using ps::test::FakeEngine;
using ps::ui::EngineBridge;
using ps::ui::MainWindow;
using ps::ui::SessionUi;
namespace eng = ps::engine;

namespace {

constexpr int kDeadlineMs = 60'000;

// Waits for the next jobDone of kind what; returns its error ("<timeout>" when none came in time).
QString waitJob(SessionUi& ui, const QString& what) {
  QSignalSpy spy(&ui, &SessionUi::jobDone);
  QElapsedTimer clock;
  clock.start();
  while (clock.elapsed() < kDeadlineMs) {
    for (const auto& args : spy) {
      if (args.at(0).toString() == what) return args.at(1).toString();
    }
    spy.wait(100);
  }
  return QStringLiteral("<timeout>");
}

std::unique_ptr<eng::FlowStore> makeSession(const std::string& path, uint64_t count) {
  eng::StoreOptions options;
  options.mode = eng::OpenMode::Create;
  auto store = eng::FlowStore::open(path, options);
  if (!store) return nullptr;
  std::vector<eng::Flow> flows;
  for (uint64_t id = 1; id <= count; ++id) flows.push_back(ps::test::sampleFlow(id));
  if (!(*store)->insert(flows, true)) return nullptr;
  return std::move(*store);
}

}  // namespace

class TestSessionsUi : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    QCoreApplication::setOrganizationName(QStringLiteral("ProxyscopeTestSessionsUi"));
    QSettings().clear();
  }

  void openShowsTheFileWithoutLoadingIt() {
    QTemporaryDir dir;
    const std::string path = (dir.path() + QStringLiteral("/big.pxsession")).toStdString();
    constexpr uint64_t kFlows = 30'000;
    QVERIFY(makeSession(path, kFlows) != nullptr);

    FakeEngine engine;
    EngineBridge bridge(engine);
    MainWindow window(bridge);
    QAbstractItemModelTester tester(window.model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    SessionUi* ui = ps::ui::installSessionUi(window);
    ui->setInteractive(false);
    QSignalSpy batches(&bridge, &EngineBridge::batchReady);

    QSignalSpy done(ui, &SessionUi::jobDone);
    ui->open(QString::fromStdString(path));
    QCOMPARE(bridge.viewedSession(), QFileInfo(QString::fromStdString(path)).absoluteFilePath());
    // open() returned at once: the table's order of ids comes from a pool thread (a store-backed
    // view, ui/stored_view.h), and no row is loaded through the live batches.
    QCOMPARE(window.model()->rowCount(), 0);
    QVERIFY(window.model()->isStoredView());
    QVERIFY(done.wait(kDeadlineMs));
    QCOMPARE(done.at(0).at(1).toString(), QString());
    QCOMPARE(done.at(0).at(2).toLongLong(), static_cast<qint64>(kFlows));
    QTRY_COMPARE_WITH_TIMEOUT(window.model()->rowCount(), static_cast<int>(kFlows), kDeadlineMs);
    QCOMPARE(batches.count(), 0);
    // Rows carry the stored values once fetched, and the inspector's details come from the file.
    int row = window.model()->rowOf(17);
    QVERIFY(row >= 0);
    QTRY_COMPARE_WITH_TIMEOUT(window.model()->row(row).host.toStdString(), ps::test::sampleFlow(17).request.host, kDeadlineMs);
    auto detail = bridge.detail(17);
    QVERIFY(detail);
    QVERIFY(ui->recentFiles().contains(QFileInfo(QString::fromStdString(path)).absoluteFilePath()));
  }

  // An opened file's rows have no in-memory snapshot: the filter bar's expression is answered by
  // the session's SQL (header fields included), before and after the file loads.
  void filterOnAnOpenedSessionAsksTheStore() {
    QTemporaryDir dir;
    const std::string path = (dir.path() + QStringLiteral("/filtered.pxsession")).toStdString();
    constexpr uint64_t kFlows = 500;
    QVERIFY(makeSession(path, kFlows) != nullptr);
    const std::string host = ps::test::sampleFlow(17).request.host;
    int expected = 0;
    for (uint64_t id = 1; id <= kFlows; ++id) expected += ps::test::sampleFlow(id).request.host == host ? 1 : 0;
    QVERIFY(expected > 0 && expected < static_cast<int>(kFlows));

    FakeEngine engine;
    EngineBridge bridge(engine);
    MainWindow window(bridge);
    SessionUi* ui = ps::ui::installSessionUi(window);
    ui->setInteractive(false);
    ui->open(QString::fromStdString(path));
    QCOMPARE(waitJob(*ui, QStringLiteral("open")), QString());
    QTRY_COMPARE_WITH_TIMEOUT(window.model()->rowCount(), static_cast<int>(kFlows), kDeadlineMs);

    window.filterBar()->setText(QStringLiteral("host:=") + QString::fromStdString(host));
    window.filterBar()->validateNow();
    QTRY_COMPARE_WITH_TIMEOUT(window.proxy()->rowCount(), expected, kDeadlineMs);
    auto hostsAll = [&] {
      for (int r = 0; r < window.proxy()->rowCount(); ++r) {
        const auto source = window.proxy()->mapToSource(window.proxy()->index(r, 0));
        if (window.model()->row(source.row()).host.toStdString() != host) return false;
      }
      return true;
    };
    // Rows not fetched yet are placeholders (their fetch is queued by row()): wait for the values.
    QTRY_VERIFY_WITH_TIMEOUT(hostsAll(), kDeadlineMs);
    // A filter no stored flow matches empties the table; clearing it brings every row back.
    window.filterBar()->setText(QStringLiteral("host:=nowhere.invalid"));
    window.filterBar()->validateNow();
    QTRY_COMPARE_WITH_TIMEOUT(window.proxy()->rowCount(), 0, kDeadlineMs);
    window.filterBar()->setText(QString());
    window.filterBar()->validateNow();
    QTRY_COMPARE_WITH_TIMEOUT(window.proxy()->rowCount(), static_cast<int>(kFlows), kDeadlineMs);
  }

  void foreignFileRefusedAndKept() {
    QTemporaryDir dir;
    const QString path = dir.path() + QStringLiteral("/notes.pxsession");
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    const QByteArray content("this is not a session, just text\n");
    file.write(content);
    file.close();

    FakeEngine engine;
    EngineBridge bridge(engine);
    MainWindow window(bridge);
    SessionUi* ui = ps::ui::installSessionUi(window);
    ui->setInteractive(false);
    QSignalSpy done(ui, &SessionUi::jobDone);
    ui->open(path);
    QVERIFY(done.count() == 1 || done.wait(kDeadlineMs));
    QVERIFY(!done.at(0).at(1).toString().isEmpty());
    QVERIFY(bridge.viewedSession().isEmpty());
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), content);
  }

  void saveAsImportAndExportSelected() {
    QTemporaryDir dir;
    const std::string live = (dir.path() + QStringLiteral("/autosave.pxsession")).toStdString();
    eng::StoreOptions options;
    options.mode = eng::OpenMode::Create;
    auto store = eng::FlowStore::open(live, options);
    QVERIFY(store);
    FakeEngine engine;
    QVERIFY((*store)->attach(engine.events()));
    EngineBridge bridge(engine);
    bridge.setSessionStore(store->get());
    MainWindow window(bridge);
    QAbstractItemModelTester tester(window.model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    SessionUi* ui = ps::ui::installSessionUi(window);
    ui->setInteractive(false);

    // Live ids far from the engine's id counter, which the FakeEngine does not use but the HAR
    // import does (in the real engine live flows and imports share it).
    for (uint64_t id = 1001; id <= 1003; ++id) engine.publishLifecycle(ps::test::sampleFlow(id));
    QTRY_COMPARE_WITH_TIMEOUT(window.model()->rowCount(), 3, kDeadlineMs);

    // Save As: a consistent copy of the live session.
    const QString copy = dir.path() + QStringLiteral("/copy.pxsession");
    ui->saveAs(copy);
    QCOMPARE(waitJob(*ui, QStringLiteral("save")), QString());
    auto reader = eng::FlowReader::open(copy.toStdString());
    QVERIFY(reader);
    QCOMPARE((*reader)->count().value(), int64_t{3});

    // HAR import: rows in the table and flows in the live store.
    const QString har = QStringLiteral(PROXYSCOPE_TEST_DATA_DIR "/har/chrome.har");
    ui->importHar(har);
    QCOMPARE(waitJob(*ui, QStringLiteral("import")), QString());
    const int imported = window.model()->rowCount() - 3;
    QVERIFY(imported > 0);
    (*store)->flush(false);
    auto after = eng::FlowReader::open(live);
    QVERIFY(after);
    QCOMPARE((*after)->count().value(), int64_t{3 + imported});

    // Export selected: live flow 1001 and the first imported flow (rows found by id: the view sorts).
    const uint64_t importedId = window.model()->row(3).id;
    auto* selection = window.table()->selectionModel();
    selection->clearSelection();
    for (int r = 0; r < window.proxy()->rowCount(); ++r) {
      QModelIndex index = window.proxy()->index(r, 0);
      const uint64_t id = index.data(ps::ui::FlowTableModel::FlowIdRole).toULongLong();
      if (id == 1001 || id == importedId) selection->select(index, QItemSelectionModel::Select | QItemSelectionModel::Rows);
    }
    QCOMPARE(window.selectedFlowIds().size(), size_t{2});
    const QString out = dir.path() + QStringLiteral("/selected.har");
    ui->exportHar(out, SessionUi::ExportScope::Selected);
    QCOMPARE(waitJob(*ui, QStringLiteral("export")), QString());
    QFile file(out);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QJsonParseError error{};
    QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &error);
    QCOMPARE(error.error, QJsonParseError::NoError);
    const QJsonArray entries = doc.object().value(QStringLiteral("log")).toObject().value(QStringLiteral("entries")).toArray();
    QCOMPARE(entries.size(), 2);
    QStringList urls;
    for (const auto& entry : entries) urls << entry.toObject().value(QStringLiteral("request")).toObject().value(QStringLiteral("url")).toString();
    const QString liveHost = QString::fromStdString(ps::test::sampleFlow(1001).request.host);
    QCOMPARE(urls.filter(liveHost).size(), 1);  // one live flow, one from the HAR file

    bridge.waitSessionJobs();
    (*store)->detach();
  }
};

QTEST_MAIN(TestSessionsUi)
#include "test_sessions_ui.moc"
