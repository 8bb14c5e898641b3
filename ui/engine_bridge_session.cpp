// EngineBridge, session part: opening a session file, Save As, HAR import and export. Every job
// runs on the bridge's own thread pool and reports back with queued calls, so the GUI thread never
// waits on SQLite or a file. Rows of an opened file come through batchReady() page by page (the
// model inserts one batch at a time, so a million-flow session fills the table while the window
// stays responsive).
#include <QCoreApplication>
#include <QFileInfo>
#include <QStringList>
#include <QMetaObject>
#include <QThreadPool>
#include <fstream>

#include "engine/har/har_export.h"
#include "engine/har/har_import.h"
#include "engine/store/flow_reader.h"
#include "engine/store/flow_store.h"
#include "ui/engine_bridge.h"

namespace ps::engine::net {
uint64_t nextFlowId();  // engine/net/connection_context.h: process-wide flow ids, never reused
}  // namespace ps::engine::net

namespace ps::ui {

namespace eng = ps::engine;

namespace {

QString qs(const std::string& text) { return QString::fromStdString(text); }

// A stored flow's summary as a table row (no headers or bodies: the inspector loads those).
FlowRow rowOf(const eng::FlowSummary& s) {
  FlowRow row;
  row.id = s.id;
  row.start = s.startUs;
  row.method = qs(s.method);
  row.host = qs(s.host);
  row.path = qs(s.path);
  row.scheme = row.method == QLatin1String("CONNECT") ? QStringLiteral("tunnel") : QString();
  if (row.method == QLatin1String("CONNECT")) row.kind = RowKind::Tunnel;
  row.status = s.status;
  QString type = qs(s.type);
  row.type = type.section(QLatin1Char(';'), 0, 0).trimmed();
  row.requestSize = static_cast<uint64_t>(std::max<int64_t>(s.reqSize, 0));
  row.responseSize = static_cast<uint64_t>(std::max<int64_t>(s.resSize, 0));
  row.durationMicros = s.durationUs;
  row.backend = qs(s.backend);
  QStringList tags;
  for (const auto& tag : s.tags) tags << qs(tag);
  row.tags = tags.join(QStringLiteral(", "));
  row.errorKind = qs(s.errorKind);
  row.errorMessage = qs(s.error);
  row.finished = s.complete;
  return row;
}

}  // namespace

void EngineBridge::setSessionStore(eng::FlowStore* store) { m_sessionStore = store; }

void EngineBridge::runJob(std::function<void()> job) {
  if (!m_jobs) {
    m_jobs = std::make_unique<QThreadPool>();
    m_jobs->setMaxThreadCount(1);  // jobs run in order: an export after an import sees it
  }
  m_jobs->start(std::move(job));
}

bool EngineBridge::sessionJobRunning() const { return m_jobs && m_jobs->activeThreadCount() > 0; }

void EngineBridge::waitSessionJobs() {
  if (!m_jobs) return;
  ++*m_sessionGeneration;  // a running open stops at its next page
  m_jobs->waitForDone();
}

void EngineBridge::openSession(const QString& path) {
  // Validate on the GUI thread only the cheap part (SQLite open + schema check, no row read), so a
  // foreign or corrupt file is refused before anything on screen changes.
  auto reader = eng::FlowReader::open(path.toStdString());
  if (!reader) {
    emit sessionJobDone(QStringLiteral("open"), qs(reader.error().message), 0);
    return;
  }
  if (m_engine.running()) stop();
  clear();
  m_viewedSession = QFileInfo(path).absoluteFilePath();
  m_viewReader = std::shared_ptr<eng::FlowReader>(std::move(*reader));
  const uint64_t generation = ++*m_sessionGeneration;
  auto current = m_sessionGeneration;
  const std::string file = path.toStdString();
  runJob([this, file, generation, current] {
    auto reader = eng::FlowReader::open(file);
    if (!reader) {
      QString error = qs(reader.error().message);
      QMetaObject::invokeMethod(this, [this, error] { emit sessionJobDone(QStringLiteral("open"), error, 0); }, Qt::QueuedConnection);
      return;
    }
    auto total = (*reader)->count();
    const int64_t all = total ? *total : 0;
    int64_t loaded = 0;
    QString error;
    eng::FlowPageRequest request;
    request.limit = kSessionPageRows;
    // Keyset paging by id would be faster on huge files; offset paging in id order is simple and
    // bounded per page.
    while (*current == generation) {
      request.offset = loaded;
      auto page = (*reader)->page(request);
      if (!page) {
        error = qs(page.error().message);
        break;
      }
      if (page->empty()) break;
      FlowBatch batch;
      batch.inserted.reserve(page->size());
      for (const auto& summary : *page) batch.inserted.push_back(rowOf(summary));
      loaded += static_cast<int64_t>(page->size());
      QMetaObject::invokeMethod(
          this,
          [this, batch = std::move(batch), loaded, all, generation, current] {
            if (*current != generation) return;  // a newer open or a clear won
            emit batchReady(batch);
            emit sessionProgress(loaded, all);
          },
          Qt::QueuedConnection);
    }
    QMetaObject::invokeMethod(
        this,
        [this, error, loaded, generation, current] {
          if (*current != generation) return;
          emit sessionJobDone(QStringLiteral("open"), error, loaded);
        },
        Qt::QueuedConnection);
  });
}

void EngineBridge::closeViewedSession() {
  ++*m_sessionGeneration;  // rows of a load still under way are dropped
  m_viewedSession.clear();
  m_viewReader.reset();
}

std::optional<FlowDetail> EngineBridge::sessionDetail(uint64_t id) const {
  // One primary-key lookup on the viewed file: fast enough for a click in the table.
  if (!m_viewReader) return std::nullopt;
  auto flow = m_viewReader->loadFlow(id);
  if (!flow) return std::nullopt;
  return toDetail(*flow);
}

void EngineBridge::saveSessionAs(const QString& path, bool overwrite) {
  const std::string target = path.toStdString();
  eng::FlowStore* store = m_sessionStore;
  const std::string viewed = m_viewedSession.toStdString();
  runJob([this, target, overwrite, store, viewed] {
    QString error;
    if (!viewed.empty()) {
      // Viewing a file: Save As is a copy of it (it is never written to).
      eng::StoreOptions readOnly;
      readOnly.mode = eng::OpenMode::ReadOnly;
      auto source = eng::FlowStore::open(viewed, readOnly);
      if (!source) error = qs(source.error().message);
      else if (auto saved = (*source)->saveAs(target, overwrite); !saved) error = qs(saved.error().message);
    } else if (!store) {
      error = QStringLiteral("no session is being recorded");
    } else {
      store->flush(false);
      if (auto saved = store->saveAs(target, overwrite); !saved) error = qs(saved.error().message);
    }
    QMetaObject::invokeMethod(this, [this, error] { emit sessionJobDone(QStringLiteral("save"), error, 0); }, Qt::QueuedConnection);
  });
}

void EngineBridge::importHar(const QString& path) {
  const std::string file = path.toStdString();
  eng::FlowStore* store = m_viewedSession.isEmpty() ? m_sessionStore : nullptr;
  runJob([this, file, store] {
    auto flows = eng::har::importHarFile(file);
    if (!flows) {
      QString error = qs(flows.error().message);
      QMetaObject::invokeMethod(this, [this, error] { emit sessionJobDone(QStringLiteral("import"), error, 0); }, Qt::QueuedConnection);
      return;
    }
    // HAR ids would collide with live flows (the store upserts by id): take fresh engine ids.
    for (auto& flow : *flows) flow.id = eng::net::nextFlowId();
    QString error;
    if (store) {
      if (auto inserted = store->insert(*flows, true); !inserted) error = qs(inserted.error().message);
    }
    auto snapshots = std::make_shared<std::vector<eng::FlowPtr>>();
    for (auto& flow : *flows) snapshots->push_back(std::make_shared<const eng::Flow>(std::move(flow)));
    QMetaObject::invokeMethod(
        this,
        [this, snapshots, error] {
          FlowBatch batch;
          for (const auto& flow : *snapshots) {
            m_snapshots[flow->id] = flow;
            m_snapshotOrder.push_back(flow->id);
            batch.inserted.push_back(toRow(*flow));
          }
          if (!batch.inserted.empty()) emit batchReady(batch);
          emit sessionJobDone(QStringLiteral("import"), error, static_cast<qint64>(snapshots->size()));
        },
        Qt::QueuedConnection);
  });
}

void EngineBridge::exportHar(const QString& path, const std::vector<uint64_t>& ids) {
  const std::string file = path.toStdString();
  // Flows are read from a session file on the worker (never from the GUI's snapshots, which the
  // GUI thread may change meanwhile); flows only in memory (an import into a viewed file) are
  // copied here as shared immutable snapshots.
  std::string source = m_viewedSession.toStdString();
  eng::FlowStore* store = source.empty() ? m_sessionStore : nullptr;
  if (store) source = store->path();
  auto memory = std::make_shared<std::unordered_map<uint64_t, eng::FlowPtr>>();
  for (uint64_t id : ids) {
    auto it = m_snapshots.find(id);
    if (it != m_snapshots.end() && it->second) memory->emplace(id, it->second);
  }
  const std::string version = QCoreApplication::applicationVersion().toStdString();
  runJob([this, file, ids, source, store, memory, version] {
    QString error;
    size_t written = 0;
    if (store) store->flush(false);
    std::unique_ptr<eng::FlowReader> reader;
    if (!source.empty()) {
      auto opened = eng::FlowReader::open(source);
      if (opened) reader = std::move(*opened);
      else error = qs(opened.error().message);
    }
    eng::har::HarExportOptions options;
    options.creatorVersion = version;
    if (error.isEmpty()) {
      size_t next = 0;
      std::vector<uint64_t> all;
      if (ids.empty() && reader) {
        if (auto listed = reader->ids({}); listed) all = std::move(*listed);
      }
      const std::vector<uint64_t>& wanted = ids.empty() ? all : ids;
      auto pull = [&](eng::Flow& out) {
        while (next < wanted.size()) {
          uint64_t id = wanted[next++];
          if (auto it = memory->find(id); it != memory->end()) {
            out = *it->second;
            return true;
          }
          if (!reader) continue;
          if (auto flow = reader->loadFlow(id); flow) {
            out = std::move(*flow);
            return true;
          }
        }
        return false;
      };
      auto result = eng::har::exportHarFile(file, pull, options);
      if (result) written = *result;
      else error = qs(result.error().message);
    }
    QMetaObject::invokeMethod(
        this, [this, error, written] { emit sessionJobDone(QStringLiteral("export"), error, static_cast<qint64>(written)); },
        Qt::QueuedConnection);
  });
}

}  // namespace ps::ui
