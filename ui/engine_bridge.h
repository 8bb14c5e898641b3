#pragma once
// EngineBridge: the one class that sees both the engine and Qt (STYLE.md "Boundaries").
//
// Engine threads publish FlowEvents into a bounded sink of the engine's EventHub. On the sink's
// empty→non-empty transition the hub calls our notify on the publishing thread; it only queues a
// call to drain() on the GUI thread. drain() takes one batch (bounded in count and time), folds it
// into FlowRow values, emits batchReady() once and re-arms itself while events remain. When the
// UI falls behind, the sink drops the newest events and counts them (droppedEvents()); the store
// has its own unbounded sink, so nothing is lost for good.
#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QTimer>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/net/engine.h"
#include "ui/flow_detail.h"
#include "ui/flow_row.h"
#include "ui/topology_model.h"

class QThreadPool;

namespace ps::engine {
class FlowStore;
class FlowReader;
}  // namespace ps::engine

namespace ps::ui {

class EngineBridge : public QObject {
  Q_OBJECT

 public:
  struct Options {
    size_t capacity = 200'000;  // UI sink bound; newer events are dropped (and counted) beyond it
    size_t maxBatchEvents = 5'000;
    int maxBatchMillis = 8;     // stop folding after this long, to keep the event loop responsive
    int coalesceMillis = 33;    // ~30 Hz; 0 drains as soon as the queued call runs
    // Full snapshots kept for the inspector, newest flows first to stay; older flows keep their
    // row but their details must come from the session store.
    size_t maxSnapshots = 100'000;
  };

  explicit EngineBridge(engine::Engine& engine, QObject* parent = nullptr);
  EngineBridge(engine::Engine& engine, Options options, QObject* parent = nullptr);
  ~EngineBridge() override;

  // GUI → engine. Each call returns at once (the engine posts to its own threads); errors come
  // back as text for the status bar. switchMode() is stop → new config → start.
  QString start();
  void stop();
  QString switchMode(ProxyModeUi mode, const QString& listenAddress);
  bool running() const;
  QString listenAddress() const;
  ProxyModeUi mode() const;

  // The inspector's view of one flow, built from the latest snapshot; empty if unknown.
  std::optional<FlowDetail> detail(uint64_t id) const;
  // Forgets every row and snapshot (the table's Clear). Events of flows still in flight will
  // come back as new rows.
  void clear();

  uint64_t droppedEvents() const;
  uint64_t eventsReceived() const { return m_eventsReceived; }
  uint64_t flowsSeen() const { return m_flowsSeen; }
  uint64_t bytesSeen() const { return m_bytesSeen; }
  size_t pendingEvents() const;

  // Folds one snapshot into a row; repeated strings (methods, hosts, types, ...) share one buffer.
  FlowRow toRow(const engine::Flow& flow);
  static FlowDetail toDetail(const engine::Flow& flow);
  // What the topology view needs of a finished flow: who talked to whom, and which headers the
  // proxy removed from or added to the forwarded copy.
  static TopologySample toTopologySample(const engine::Flow& flow);

  // --- session ---
  // The store the live capture records into (owned by the app; may be null). Save As copies it,
  // HAR import writes into it, HAR export reads it.
  void setSessionStore(engine::FlowStore* store);
  engine::FlowStore* sessionStore() const { return m_sessionStore; }
  // The read-only session being viewed ("" = the live capture).
  QString viewedSession() const { return m_viewedSession; }
  // Background jobs (a thread pool; the GUI thread never waits on SQLite). Rows come back through
  // batchReady() in batches of kSessionPageRows; the end of each job through sessionJobDone().
  static constexpr int kSessionPageRows = 2000;
  void openSession(const QString& path);
  // Back to the live capture (Session → New): forgets the viewed file.
  void closeViewedSession();
  void saveSessionAs(const QString& path, bool overwrite);
  void importHar(const QString& path);
  // ids empty = every flow of the viewed session (or of the live store).
  void exportHar(const QString& path, const std::vector<uint64_t>& ids);
  bool sessionJobRunning() const;
  // Waits for background jobs (tests, shutdown).
  void waitSessionJobs();
 signals:
  void sessionProgress(qint64 loaded, qint64 total);
  // what: "open", "save", "import", "export"; error empty on success; count = rows/entries.
  void sessionJobDone(const QString& what, const QString& error, qint64 count);

 private:
  std::optional<FlowDetail> sessionDetail(uint64_t id) const;
  void runJob(std::function<void()> job);
  engine::FlowStore* m_sessionStore = nullptr;
  QString m_viewedSession;
  std::shared_ptr<engine::FlowReader> m_viewReader;  // GUI thread: inspector details of a viewed file
  std::shared_ptr<std::atomic<uint64_t>> m_sessionGeneration = std::make_shared<std::atomic<uint64_t>>(0);
  std::unique_ptr<QThreadPool> m_jobs;  // last member: destroyed (joined) first
  // --- end session ---

  // --- certificate ---
 public:
  // Proxyscope's CA in the engine's data directory (created on first use). Reading the files and,
  // on first use, generating one EC key take milliseconds: these run on the calling thread.
  struct CaInfo {
    QString subject;
    QString fingerprint;  // SHA-256, "AB:CD:..."
    QString certPath;
    QString instructions;  // per-OS trust steps
    QString error;
  };
  CaInfo caInfo() const;
  QString exportCa(const QString& path, bool der) const;  // "" on success
  CaInfo regenerateCa();
  // --- end certificate ---


 public slots:
  // Called (queued) by the sink's notify, by the coalescing timer and by itself while events remain.
  void drain();

 signals:
  void batchReady(const ps::ui::FlowBatch& batch);
  // The flows of a batch that finished, folded for the topology view (one signal per batch).
  void flowsFinished(const QVector<ps::ui::TopologySample>& samples);
  // Reverse mode: a backend's health changed (the engine's description of it).
  void backendHealthChanged(const QString& detail);
  void runningChanged(bool running, const QString& address);
  void cleared();

 private:
  struct NotifyTarget;
  void drainBatch();
  void rearm();
  QString intern(const std::string& text);

  engine::Engine& m_engine;
  Options m_options;
  std::shared_ptr<NotifyTarget> m_target;  // shared with the notify closure (engine threads)
  engine::EventHub::SinkId m_sink = 0;
  QTimer m_coalesceTimer;
  QElapsedTimer m_sinceLastDrain;
  bool m_rearmQueued = false;
  std::vector<engine::FlowEvent> m_scratch;
  std::unordered_map<uint64_t, engine::FlowPtr> m_snapshots;  // latest snapshot per flow id
  std::deque<uint64_t> m_snapshotOrder;                        // ids by first arrival, for eviction
  // Interned row strings: a million rows share a few thousand host/method/type buffers.
  std::unordered_map<std::string, QString> m_strings;
  uint64_t m_eventsReceived = 0;
  uint64_t m_flowsSeen = 0;
  uint64_t m_bytesSeen = 0;
};

}  // namespace ps::ui
