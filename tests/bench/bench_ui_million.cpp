// bench_ui_million: opens a 1,000,000-flow session file in the real main window (offscreen, the
// Session menu's own open path) and prints the issue-6 figures: time to first paint (rows on
// screen with their values), sort by duration, a host filter, a jump to the middle, and RSS.
// Prints figures; asserts nothing about time (STYLE.md).
//   bench_ui_million [--flows 1000000] [--file PATH (kept; reused when it holds --flows flows)]
//                    [--before]  also time the previous open path (every row loaded into the
//                                model in offset pages of 2000, then sorted by the proxy)
//                    [--shot PNG] save the window at the end: a host filter, slowest first, the
//                                top flow in the inspector
// The file is written straight in the store's schema (FlowStore creates it; one INSERT ... SELECT
// over a recursive CTE fills `flows`, ~1 min for 1M): no bodies and no full-text index, which the
// table never reads. Host i%1000, duration 1000 + (i*7919 mod 2,000,000) µs, as bench_store.
#include <QAction>
#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QHeaderView>
#include <QTableView>
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

#include "engine/store/flow_page_reader.h"
#include "engine/store/flow_reader.h"
#include "engine/store/flow_store.h"
#include "engine/store/sqlite_db.h"
#include "tests/support/fake_engine.h"
#include "ui/engine_bridge.h"
#include "ui/filter_bar.h"
#include "ui/flow_filter_proxy.h"
#include "ui/flow_table_model.h"
#include "ui/main_window.h"
#include "ui/session_ui.h"
#include "ui/stored_view.h"

namespace eng = ps::engine;
using ps::ui::FlowTableModel;

namespace {

long statusKb(const char* key) {
  QFile f(QStringLiteral("/proc/self/status"));
  if (!f.open(QIODevice::ReadOnly)) return -1;
  for (const QByteArray& line : f.readAll().split('\n')) {
    if (line.startsWith(key)) return line.mid(static_cast<qsizetype>(std::strlen(key))).trimmed().split(' ').first().toLong();
  }
  return -1;
}

bool generate(const std::string& path, uint64_t flows) {
  QFile::remove(QString::fromStdString(path));
  QFile::remove(QString::fromStdString(path + "-wal"));
  QFile::remove(QString::fromStdString(path + "-shm"));
  {
    eng::StoreOptions options;
    options.mode = eng::OpenMode::Create;
    auto store = eng::FlowStore::open(path, options);
    if (!store) {
      std::fprintf(stderr, "create: %s\n", store.error().message.c_str());
      return false;
    }
  }
  auto db = eng::SqliteDb::open(path, eng::SqliteDb::Access::ReadWrite);
  if (!db) return false;
  const std::string n = std::to_string(flows);
  const std::string sql =
      "PRAGMA synchronous=OFF; BEGIN; "
      "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < " + n + ") "
      "INSERT INTO flows (id, connection_id, mode, kind, start_us, end_us, duration_us, client, server, scheme, method, "
      "host, port, path, query, url, status, req_type, res_type, req_size, res_size, backend, error_kind, error, tags, "
      "replay_of, req_headers, res_headers, target, req_version, res_version, reason, complete) "
      "SELECT x, x/4, 'forward', 'http', 1700000000000000 + x*500, 1700000000000000 + x*500 + 1000 + (x*7919)%2000000, "
      "1000 + (x*7919)%2000000, '127.0.0.1:' || (40000 + x%20000), '10.0.0.1:443', 'https', "
      "CASE WHEN x%7=0 THEN 'POST' ELSE 'GET' END, 'host' || (x%1000) || '.example.test', 443, "
      "'/api/v1/items/' || x, 'page=' || (x%13), "
      "'https://host' || (x%1000) || '.example.test/api/v1/items/' || x || '?page=' || (x%13), "
      "CASE WHEN x%50=0 THEN 503 WHEN x%20=0 THEN 404 ELSE 200 END, NULL, 'application/json', 0, 1024, '', NULL, NULL, "
      "'  ', 0, '[[\"Host\",\"h\"],[\"User-Agent\",\"bench/1.0\"],[\"Accept\",\"application/json\"]]', "
      "'[[\"Content-Type\",\"application/json\"],[\"Content-Length\",\"1024\"]]', '/api/v1/items/' || x, '1.1', '1.1', "
      "'OK', 1 FROM c; COMMIT; PRAGMA wal_checkpoint(TRUNCATE);";
  if (auto r = db->exec(sql); !r) {
    std::fprintf(stderr, "fill: %s\n", r.error().message.c_str());
    return false;
  }
  return true;
}

// Rows the table shows right now (proxy rows = model rows in a stored view).
bool visibleRowsLoaded(const ps::ui::MainWindow& window) {
  QTableView* table = window.table();
  const int rows = window.proxy()->rowCount();
  if (rows == 0) return false;
  const int first = std::max(0, table->rowAt(0));
  int last = table->rowAt(table->viewport()->height() - 1);
  if (last < 0) last = rows - 1;
  for (int r = first; r <= last; ++r) {
    const int source = window.proxy()->mapToSource(window.proxy()->index(r, 0)).row();
    if (!window.model()->isRowCached(source)) return false;
  }
  return true;
}

// Runs the event loop until ready() (then one synchronous paint of the table), or the deadline.
double waitPainted(ps::ui::MainWindow& window, QElapsedTimer& since, const std::function<bool()>& ready) {
  QElapsedTimer deadline;
  deadline.start();
  while (!ready() && deadline.elapsed() < 120'000) QApplication::processEvents(QEventLoop::AllEvents, 5);
  window.table()->viewport()->repaint();
  return static_cast<double>(since.nsecsElapsed()) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t flows = 1'000'000;
  std::string path = "/tmp/bench_ui_million.pxsession";
  bool before = false;
  QString shot;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--flows") == 0 && i + 1 < argc) flows = std::strtoull(argv[++i], nullptr, 10);
    else if (std::strcmp(argv[i], "--file") == 0 && i + 1 < argc) path = argv[++i];
    else if (std::strcmp(argv[i], "--before") == 0) before = true;
    else if (std::strcmp(argv[i], "--shot") == 0 && i + 1 < argc) shot = QString::fromLocal8Bit(argv[++i]);
  }
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  QApplication app(argc, argv);
  QCoreApplication::setOrganizationName(QStringLiteral("ProxyscopeBenchUiMillion"));

  int64_t existing = -1;
  if (auto reader = eng::FlowReader::open(path); reader) {
    if (auto counted = (*reader)->count(); counted) existing = *counted;
  }
  if (existing != static_cast<int64_t>(flows)) {
    QElapsedTimer build;
    build.start();
    if (!generate(path, flows)) return 1;
    std::printf("bench_ui_million: wrote %llu flows to %s in %.1f s (%.0f MiB)\n", static_cast<unsigned long long>(flows),
                path.c_str(), static_cast<double>(build.elapsed()) / 1000.0,
                static_cast<double>(QFileInfo(QString::fromStdString(path)).size()) / 1048576.0);
  }
  std::printf("bench_ui_million: %llu-flow session %s, offscreen window 1400x900\n", static_cast<unsigned long long>(flows),
              path.c_str());

  // The store's share of the figures below: the queries alone, on this thread.
  if (auto reader = eng::FlowReader::open(path); reader) {
    auto timeQuery = [&](const char* what, eng::FlowOrder order, bool descending, const eng::SqlFilter& filter) {
      QElapsedTimer t;
      t.start();
      auto ids = eng::orderedFlowIds(**reader, filter, order, descending);
      std::printf("  store: %-26s %7.1f ms  (%zu ids)\n", what, static_cast<double>(t.nsecsElapsed()) / 1e6,
                  ids ? ids->size() : size_t{0});
    };
    timeQuery("ids in arrival order", eng::FlowOrder::Id, false, {});
    timeQuery("ids by duration", eng::FlowOrder::Duration, true, {});
    timeQuery("host filter by duration", eng::FlowOrder::Duration, true,
              {"coalesce(flows.host, '') LIKE ? ESCAPE '\\'", {std::string("%host42.example.test%")}});
  }

  ps::test::FakeEngine engine;
  ps::ui::EngineBridge bridge(engine);
  ps::ui::MainWindow window(bridge);
  auto* sessions = ps::ui::installSessionUi(window);
  sessions->setInteractive(false);
  auto* view = window.findChild<ps::ui::StoredView*>();
  window.resize(1400, 900);
  window.show();
  QApplication::processEvents();
  const long rssIdle = statusKb("VmRSS:");

  // 1. Open: Session ▸ Open's own path, until the rows on screen are there and painted.
  QElapsedTimer clock;
  clock.start();
  sessions->open(QString::fromStdString(path));
  const double openMs = waitPainted(window, clock, [&] {
    return window.model()->rowCount() == static_cast<int>(flows) && !view->orderPending() && visibleRowsLoaded(window);
  });
  std::printf("  open → first paint          %8.1f ms  (%d rows, top row #%s)\n", openMs, window.model()->rowCount(),
              qPrintable(window.proxy()->index(0, 0).data().toString()));

  // 2. Sort by duration, slowest first (a header click).
  clock.restart();
  window.table()->sortByColumn(FlowTableModel::ColDuration, Qt::DescendingOrder);
  const double sortMs = waitPainted(window, clock, [&] { return !view->orderPending() && visibleRowsLoaded(window); });
  std::printf("  sort by duration            %8.1f ms  (top: #%s %s)\n", sortMs,
              qPrintable(window.proxy()->index(0, FlowTableModel::ColId).data().toString()),
              qPrintable(window.proxy()->index(0, FlowTableModel::ColDuration).data().toString()));

  // 3. A host filter typed into the filter bar (sorted by duration still).
  clock.restart();
  window.filterBar()->setText(QStringLiteral("host:host42.example.test"));
  window.filterBar()->validateNow();
  const double filterMs = waitPainted(window, clock, [&] { return !view->orderPending() && visibleRowsLoaded(window); });
  std::printf("  host filter                 %8.1f ms  (%d rows)\n", filterMs, window.proxy()->rowCount());

  // 4. Clear the filter, then jump to the middle of the million.
  clock.restart();
  window.filterBar()->setText(QString());
  window.filterBar()->validateNow();
  const double clearMs = waitPainted(window, clock, [&] { return !view->orderPending() && visibleRowsLoaded(window); });
  std::printf("  filter cleared              %8.1f ms  (%d rows)\n", clearMs, window.proxy()->rowCount());
  clock.restart();
  window.table()->scrollTo(window.proxy()->index(window.proxy()->rowCount() / 2, 0), QAbstractItemView::PositionAtTop);
  const double jumpMs = waitPainted(window, clock, [&] { return visibleRowsLoaded(window); });
  std::printf("  jump to the middle          %8.1f ms\n", jumpMs);
  clock.restart();
  window.table()->sortByColumn(FlowTableModel::ColHost, Qt::AscendingOrder);
  const double hostSortMs = waitPainted(window, clock, [&] { return !view->orderPending() && visibleRowsLoaded(window); });
  std::printf("  sort by host                %8.1f ms\n", hostSortMs);
  clock.restart();
  window.table()->sortByColumn(FlowTableModel::ColPath, Qt::AscendingOrder);
  const double pathSortMs = waitPainted(window, clock, [&] { return !view->orderPending() && visibleRowsLoaded(window); });
  std::printf("  sort by path (no index)     %8.1f ms\n", pathSortMs);
  std::printf("  RSS idle window %ld MB, with the session %ld MB, peak %ld MB\n", rssIdle / 1024, statusKb("VmRSS:") / 1024,
              statusKb("VmHWM:") / 1024);

  if (!shot.isEmpty()) {
    // The structure view is filled from live batches only: hidden here, so the duration column fits.
    if (QAction* structure = window.filterUi().structureToggle; structure != nullptr && structure->isChecked()) structure->trigger();
    window.table()->sortByColumn(FlowTableModel::ColDuration, Qt::DescendingOrder);
    window.filterBar()->setText(QStringLiteral("host:host42.example.test"));
    window.filterBar()->validateNow();
    clock.restart();
    waitPainted(window, clock, [&] { return !view->orderPending() && visibleRowsLoaded(window); });
    window.table()->selectRow(0);
    QElapsedTimer settle;
    settle.start();
    while (settle.elapsed() < 1500) QApplication::processEvents(QEventLoop::AllEvents, 20);
    std::printf("  screenshot %s: %s\n", qPrintable(shot), window.grab().save(shot) ? "saved" : "FAILED");
  }

  if (before) {
    // The previous open path, reproduced: every summary read in offset pages of 2000 and appended
    // to the model as one batch per page, then the proxy sorting a million rows itself.
    bridge.closeViewedSession();
    window.clearFlows();
    window.table()->sortByColumn(-1, Qt::AscendingOrder);
    auto reader = std::move(eng::FlowReader::open(path).value());
    clock.restart();
    eng::FlowPageRequest request;
    request.limit = 2000;
    int64_t loaded = 0;
    double firstPage = -1;
    while (true) {
      request.offset = loaded;
      auto page = reader->page(request);
      if (!page || page->empty()) break;
      ps::ui::FlowBatch batch;
      for (const auto& s : *page) {
        ps::ui::FlowRow row;
        row.id = s.id;
        row.start = s.startUs;
        row.method = QString::fromStdString(s.method);
        row.host = QString::fromStdString(s.host);
        row.path = QString::fromStdString(s.path);
        row.status = s.status;
        row.type = QString::fromStdString(s.type);
        row.requestSize = static_cast<uint64_t>(s.reqSize);
        row.responseSize = static_cast<uint64_t>(s.resSize);
        row.durationMicros = s.durationUs;
        row.finished = s.complete;
        batch.inserted.push_back(std::move(row));
      }
      loaded += static_cast<int64_t>(page->size());
      window.model()->applyBatch(batch);
      if (firstPage < 0) firstPage = waitPainted(window, clock, [] { return true; });
      QApplication::processEvents();
    }
    std::printf("  before: first page painted  %8.1f ms; all %lld rows loaded %8.1f ms\n", firstPage,
                static_cast<long long>(loaded), static_cast<double>(clock.nsecsElapsed()) / 1e6);
    clock.restart();
    window.table()->sortByColumn(FlowTableModel::ColDuration, Qt::DescendingOrder);
    std::printf("  before: sort by duration    %8.1f ms\n", waitPainted(window, clock, [] { return true; }));
    std::printf("  before: RSS %ld MB, peak %ld MB\n", statusKb("VmRSS:") / 1024, statusKb("VmHWM:") / 1024);
  }
  return 0;
}
