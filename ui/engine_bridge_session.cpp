// EngineBridge, session part: opening a session file, Save As, HAR import and export. Every job
// runs on the bridge's own thread pool and reports back with queued calls, so the GUI thread never
// waits on SQLite or a file. An opened file is not loaded: the table views it store-backed
// (ui/stored_view.h, ui/engine_bridge_stored_view.cpp), so a million-flow session opens at once.
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
  // Fresh connections for the stored view (a file reopened after a change is read anew).
  m_orderReader.reset();
  m_rowReader.reset();
  const uint64_t generation = ++*m_sessionGeneration;
  auto current = m_sessionGeneration;
  // The table shows the file store-backed (ui/stored_view.h): it asks for the ordered ids and the
  // rows on screen itself, so nothing here reads rows. The job only counts the flows.
  emit viewedSessionOpened(m_viewedSession);
  const std::string file = path.toStdString();
  runJob([this, file, generation, current] {
    QString error;
    int64_t all = 0;
    if (auto reader = eng::FlowReader::open(file); !reader) {
      error = qs(reader.error().message);
    } else if (auto total = (*reader)->count(); !total) {
      error = qs(total.error().message);
    } else {
      all = *total;
    }
    QMetaObject::invokeMethod(
        this,
        [this, error, all, generation, current] {
          if (*current != generation) return;  // a newer open or a clear won
          emit sessionProgress(all, all);
          emit sessionJobDone(QStringLiteral("open"), error, all);
        },
        Qt::QueuedConnection);
  });
}

void EngineBridge::closeViewedSession() {
  ++*m_sessionGeneration;  // rows of a load still under way are dropped
  m_viewedSession.clear();
  m_viewReader.reset();
  m_orderReader.reset();
  m_rowReader.reset();
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
