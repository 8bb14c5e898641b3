// EngineBridge, stored-view part: the ordered ids and the visible rows of an opened session file,
// read on the view's own thread pools (engine/store/flow_page_reader.h) and handed to the GUI thread
// with a queued call. Orders and rows run on separate one-thread pools, each with its own read-only
// connection: a sort over a million flows (~0.1-0.5 s) never holds up the rows a scroll needs.
#include <QMetaObject>
#include <QPointer>
#include <QThreadPool>
#include <unordered_map>

#include "engine/query/filter.h"
#include "engine/store/flow_page_reader.h"
#include "ui/engine_bridge.h"
#include "ui/flow_table_model.h"

namespace ps::ui {

namespace eng = ps::engine;

// One read-only connection, used by one pool's jobs in turn (one thread at a time), reopened when
// the viewed file changes.
struct EngineBridge::ViewReader {
  std::string path;
  std::unique_ptr<eng::FlowReader> reader;

  eng::FlowReader* forPath(const std::string& file, QString* error) {
    if (reader && path == file) return reader.get();
    reader.reset();
    auto opened = eng::FlowReader::open(file);
    if (!opened) {
      *error = QString::fromStdString(opened.error().message);
      return nullptr;
    }
    reader = std::move(*opened);
    path = file;
    return reader.get();
  }
};

namespace {

eng::FlowOrder orderOf(int column) {
  switch (column) {
    case FlowTableModel::ColTime: return eng::FlowOrder::Start;
    case FlowTableModel::ColClient: return eng::FlowOrder::Client;
    case FlowTableModel::ColMethod: return eng::FlowOrder::Method;
    case FlowTableModel::ColScheme: return eng::FlowOrder::Scheme;
    case FlowTableModel::ColHost: return eng::FlowOrder::Host;
    case FlowTableModel::ColPath: return eng::FlowOrder::Path;
    case FlowTableModel::ColStatus: return eng::FlowOrder::Status;
    case FlowTableModel::ColType: return eng::FlowOrder::Type;
    case FlowTableModel::ColRequestSize: return eng::FlowOrder::ReqSize;
    case FlowTableModel::ColResponseSize: return eng::FlowOrder::ResSize;
    case FlowTableModel::ColDuration: return eng::FlowOrder::Duration;
    case FlowTableModel::ColBackend: return eng::FlowOrder::Backend;
    case FlowTableModel::ColTags: return eng::FlowOrder::Tags;
    default: return eng::FlowOrder::Id;
  }
}

// A stored row as a table row, as EngineBridge::toRow() folds a live snapshot (repeated strings of
// one block share a buffer).
struct RowFolder {
  std::unordered_map<std::string, QString> strings;
  QString intern(const std::string& text) {
    if (text.empty()) return {};
    auto it = strings.find(text);
    if (it != strings.end()) return it->second;
    return strings.emplace(text, QString::fromStdString(text)).first->second;
  }
  FlowRow fold(const eng::FlowTableRow& stored) {
    const eng::FlowSummary& s = stored.summary;
    FlowRow row;
    row.id = s.id;
    row.start = s.startUs;
    row.client = intern(stored.client);
    row.method = intern(s.method);
    row.scheme = intern(stored.scheme);
    row.host = intern(s.host);
    const int defaultPort = stored.scheme == "https" ? 443 : 80;
    if (stored.port > 0 && stored.port != defaultPort && stored.port <= 65535) row.port = static_cast<uint16_t>(stored.port);
    row.path = QString::fromStdString(s.path);
    row.kind = stored.kind == eng::FlowKind::Tunnel      ? RowKind::Tunnel
               : stored.kind == eng::FlowKind::WebSocket ? RowKind::WebSocket
                                                         : RowKind::Http;
    row.status = s.status;
    const std::string type = s.type.substr(0, s.type.find(';'));
    row.type = intern(type.substr(0, type.find_last_not_of(' ') + 1));
    row.requestSize = static_cast<uint64_t>(std::max<int64_t>(s.reqSize, 0));
    row.responseSize = static_cast<uint64_t>(std::max<int64_t>(s.resSize, 0));
    row.durationMicros = s.durationUs;
    row.finished = s.complete;
    row.backend = intern(s.backend);
    std::string tags;
    for (const auto& tag : s.tags) tags += (tags.empty() ? "" : ", ") + tag;
    row.tags = intern(tags);
    row.errorKind = intern(s.errorKind);
    row.errorMessage = QString::fromStdString(s.error);
    for (const auto& tag : s.tags) row.intercepted = row.intercepted || tag == "intercepted" || tag == "breakpoint";
    return row;
  }
};

}  // namespace

void EngineBridge::runViewJob(QThreadPool& pool, std::function<void()> job) { pool.start(std::move(job)); }

void EngineBridge::queryViewOrder(std::shared_ptr<const eng::Filter> filter, int column, bool descending,
                                  QObject* context, std::function<void(std::vector<uint64_t>, QString)> done) {
  if (!m_orderPool) {
    m_orderPool = std::make_unique<QThreadPool>();
    m_orderPool->setMaxThreadCount(1);
  }
  if (!m_orderReader) m_orderReader = std::make_shared<ViewReader>();
  const std::string file = m_viewedSession.toStdString();
  const eng::SqlFilter sql = filter && !filter->empty() ? filter->toSql() : eng::SqlFilter{};
  QPointer<QObject> guard(context);
  runViewJob(*m_orderPool, [this, file, sql, column, descending, guard, done = std::move(done), state = m_orderReader] {
    std::vector<uint64_t> ids;
    QString error;
    if (file.empty()) {
      error = QStringLiteral("no session file is open");
    } else if (eng::FlowReader* reader = state->forPath(file, &error)) {
      auto ordered = eng::orderedFlowIds(*reader, sql, orderOf(column), descending);
      if (ordered) ids = std::move(*ordered);
      else error = QString::fromStdString(ordered.error().message);
    }
    QMetaObject::invokeMethod(
        this,
        [guard, done, ids = std::move(ids), error]() mutable {
          if (guard) done(std::move(ids), error);
        },
        Qt::QueuedConnection);
  });
}

void EngineBridge::fetchViewRows(std::vector<uint64_t> ids, QObject* context, std::function<void(std::vector<FlowRow>)> done) {
  if (!m_rowPool) {
    m_rowPool = std::make_unique<QThreadPool>();
    m_rowPool->setMaxThreadCount(1);
  }
  if (!m_rowReader) m_rowReader = std::make_shared<ViewReader>();
  const std::string file = m_viewedSession.toStdString();
  QPointer<QObject> guard(context);
  runViewJob(*m_rowPool, [this, file, ids = std::move(ids), guard, done = std::move(done), state = m_rowReader] {
    std::vector<FlowRow> rows;
    QString error;
    if (eng::FlowReader* reader = file.empty() ? nullptr : state->forPath(file, &error)) {
      if (auto stored = eng::flowTableRows(*reader, ids); stored) {
        RowFolder folder;
        rows.reserve(stored->size());
        for (const auto& s : *stored) rows.push_back(folder.fold(s));
      }
    }
    QMetaObject::invokeMethod(
        this,
        [guard, done, rows = std::move(rows)]() mutable {
          if (guard) done(std::move(rows));
        },
        Qt::QueuedConnection);
  });
}

void EngineBridge::fetchViewPathCounts(QObject* context, std::function<void(QVector<PathCountUi>)> done) {
  if (!m_countPool) {
    m_countPool = std::make_unique<QThreadPool>();
    m_countPool->setMaxThreadCount(1);
  }
  const std::string file = m_viewedSession.toStdString();
  QPointer<QObject> guard(context);
  // On a pool of its own with its own connection (a one-off pass over the whole file, ~1.5 s at 1M
  // flows): queued on the order pool it held back the table's first rows by that long.
  runViewJob(*m_countPool, [this, file, guard, done = std::move(done)] {
    constexpr size_t kMaxGroups = 5000;  // the tree stays readable; the rest is folded per host
    QVector<PathCountUi> counts;
    ViewReader reader;
    QString error;
    if (eng::FlowReader* r = file.empty() ? nullptr : reader.forPath(file, &error)) {
      if (auto stored = eng::pathCounts(*r, kMaxGroups); stored) {
        counts.reserve(static_cast<qsizetype>(stored->size()));
        for (const auto& c : *stored) {
          counts.push_back({QString::fromStdString(c.host), QString::fromStdString(c.path), static_cast<int>(c.count)});
        }
      }
    }
    QMetaObject::invokeMethod(
        this,
        [guard, done, counts = std::move(counts)]() mutable {
          if (guard) done(std::move(counts));
        },
        Qt::QueuedConnection);
  });
}

}  // namespace ps::ui
