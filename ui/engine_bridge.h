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
#include <unordered_set>
#include <vector>

#include "engine/net/engine.h"
#include "ui/breakpoint_types.h"
#include "ui/flow_detail.h"
#include "ui/flow_row.h"
#include "ui/topology_model.h"
#include "ui/reverse_values.h"
#include "ui/settings_values.h"
#include "ui/policy_values.h"

namespace ps::engine { class DemoBackends; }

namespace ps::engine {
class Filter;
}

class QThreadPool;

namespace ps::engine {
class FlowStore;
class FlowReader;
class SystemProxyManager;
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


  // --- breakpoints (ui/engine_bridge_breakpoints.cpp) ---
  // Rules are applied as a whole; the engine's refusal (bad expression) comes back as text, "" = ok.
  QString setBreakpointRules(const QVector<BreakpointRuleUi>& rules);
  void setBreakpointsEnabled(bool enabled);
  void breakOnNextRequest();
  QVector<PausedFlowUi> pausedFlows() const;
  // Decisions; each returns false when the flow is no longer paused.
  bool continueFlow(uint64_t id);
  // Content-Length and Transfer-Encoding are dropped: the engine frames the edited body itself.
  bool continueEditedRequest(uint64_t id, const EditableRequest& request);
  bool continueEditedResponse(uint64_t id, const EditableResponse& response);
  bool respondTo(uint64_t id, const EditableResponse& response);
  bool abortFlow(uint64_t id, bool closeConnection);
  // Replay / composer: returns the new flow id (0 on failure, with the reason in *error).
  uint64_t replay(const EditableRequest& request, uint64_t replayOf, QString* error = nullptr);
  QString repeat(const EditableRequest& request, uint64_t replayOf, unsigned count, unsigned concurrency, int delayMs);
  // The request of a known flow, as the editor and composer edit it.
  std::optional<EditableRequest> editableRequest(uint64_t id) const;
  // A pasted cURL command (engine/har parseCurlCommand) as an editable request; nullopt + *error if bad.
  static std::optional<EditableRequest> requestFromCurl(const QString& command, QString* error = nullptr);
  // --- end breakpoints ---

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

  // --- reverse (ui/engine_bridge_reverse.cpp) ---
  // Live per-backend statistics (the engine copies them under a short lock; no I/O).
  QVector<BackendRowUi> backendStats() const;
  // Drain / disable / enable / set weight; the engine's message on failure, empty on success.
  QString adminBackend(const QString& pool, const QString& backend, BackendActionUi action, int weight = 0);
  // The first pool of the current reverse configuration as a form (empty form in forward mode).
  ReverseForm reverseForm() const;
  // Checks a form with the engine's own parser; the engine's message, or empty when valid.
  QString validateReverseForm(const ReverseForm& form) const;
  // Validates and swaps the configuration at run time (Engine::setConfig); connections in flight
  // keep theirs. Returns the error, empty on success.
  QString applyReverseForm(const ReverseForm& form);
  // Starts n demo backends on loopback (replacing earlier ones) and returns their URLs.
  QStringList startDemoBackends(int n, double failureRate = 0.0);
  QStringList demoBackendUrls() const;
  // More demo origins beside those (the tour's forward origin, a failing backend); kept until the
  // bridge goes.
  QStringList startExtraDemoBackends(int n, double failureRate = 0.0);
  // The hop diff of a flow the bridge still holds; nullopt if unknown.
  std::optional<HopDiff> hopDiff(uint64_t id) const;
  // --- end reverse ---

  // --- filter (ui-filter branch: filter bar, structure view, table actions) ---
  // Evaluates a parsed filter on the latest snapshot of a flow. Rows without one (an opened
  // session file, rows older than maxSnapshots) are judged by the session store instead: see
  // queryStoredMatches(); until its answer arrives they do not match.
  bool flowMatches(uint64_t id, const engine::Filter& filter) const;
  // Runs the filter's SQL (Filter::toSql) on the viewed session file, or on the live session store,
  // on a pool thread; storedMatchesReady() follows with the matching ids installed. An empty filter
  // forgets the previous answer. Nothing to ask (no store) → nothing happens.
  void queryStoredMatches(const engine::Filter& filter);
  // Header names seen in the newest maxFlows snapshots (both directions), lower-case, sorted.
  QStringList headerNamesSeen(size_t maxFlows = 2000) const;
  // Replays the flow's captured request through the engine; "" or an error for the status bar.
  QString replayFlow(uint64_t id, uint64_t* newId = nullptr);
  // The request and response as raw HTTP/1.1 (heads as received, captured bodies).
  QByteArray rawHttp(uint64_t id) const;
  // Writes the flows' snapshots as HAR 1.2 on a pool thread; harExported() reports back.
  // Returns how many flows were handed over (0: none known, nothing started).
  int exportHarFile(const std::vector<uint64_t>& ids, const QString& path);
  // Forgets the snapshots of deleted rows.
  void forget(const std::vector<uint64_t>& ids);
 signals:
  void harExported(const QString& path, int flows, const QString& error);
  // The store's answer for the latest queryStoredMatches() is in place (re-run the row filter).
  void storedMatchesReady();
  // --- end filter ---

 public:
  // --- session ---
  // The store the live capture records into (owned by the app; may be null). Save As copies it,
  // HAR import writes into it, HAR export reads it.
  void setSessionStore(engine::FlowStore* store);
  engine::FlowStore* sessionStore() const { return m_sessionStore; }
  // The read-only session being viewed ("" = the live capture).
  QString viewedSession() const { return m_viewedSession; }
  // Background jobs (a thread pool; the GUI thread never waits on SQLite); the end of each job comes
  // through sessionJobDone(). openSession() loads no rows: viewedSessionOpened() switches the table
  // to a store-backed view of the file (ui/stored_view.h); its "open" job counts the flows.
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

  // --- stored view (ui/engine_bridge_stored_view.cpp; ui/stored_view.h drives it) ---
  // An opened session file is shown store-backed: the table holds the ordered ids and fetches the
  // rows on screen; sorting and filtering run in the file's SQL. Both calls return at once; the
  // work runs on the view's own one-thread pools (orders and rows apart, so a slow sort never
  // delays the rows of a scroll) and done() runs on the GUI thread, unless context is gone by then.
 public:
  // Ids of the viewed file's flows matching filter (null = all) in the order of a FlowTableModel
  // column. done(ids, error).
  void queryViewOrder(std::shared_ptr<const engine::Filter> filter, int column, bool descending, QObject* context,
                      std::function<void(std::vector<uint64_t>, QString)> done);
  // The table rows of these flows of the viewed file (ids it lacks are skipped).
  void fetchViewRows(std::vector<uint64_t> ids, QObject* context, std::function<void(std::vector<FlowRow>)> done);
  // Hosts and paths of the viewed file with their flow counts (the structure view), largest first.
  struct PathCountUi {
    QString host, path;
    int count = 0;
  };
  void fetchViewPathCounts(QObject* context, std::function<void(QVector<PathCountUi>)> done);
 signals:
  // openSession() accepted a file: the table switches to a store-backed view of it.
  void viewedSessionOpened(const QString& path);

 private:
  struct ViewReader;
  void runViewJob(QThreadPool& pool, std::function<void()> job);
  std::shared_ptr<ViewReader> m_orderReader;
  std::shared_ptr<ViewReader> m_rowReader;
  std::unique_ptr<QThreadPool> m_orderPool;  // joined before m_jobs (declared after it)
  std::unique_ptr<QThreadPool> m_rowPool;
  std::unique_ptr<QThreadPool> m_countPool;  // the structure view's counts (a whole-file pass)
  // --- end stored view ---

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

  // --- system proxy (ui/engine_bridge_sysproxy.cpp) ---
 public:
  enum class SystemProxyState { NotSet, SetByUs, RestorePending };
  struct SystemProxyResult {
    SystemProxyState state = SystemProxyState::NotSet;
    QString target;   // "127.0.0.1:8080" while set by us
    QString message;  // for the status bar (e.g. a stale journal was restored)
    QString error;
  };
  // Creates the system-proxy manager for the engine's data directory (GNOME GSettings / KDE
  // backends) with the watchdog command (argv prefix; "JOURNAL PID" are appended), e.g.
  // {"/usr/bin/proxyscope", "--sysproxy-watchdog"}. Call once, on the GUI thread, before the rest.
  void configureSystemProxy(const QStringList& watchdogCommand);
  // These run gsettings / kwriteconfig (milliseconds each) and so block: SystemProxyUi calls them
  // on its own one-thread pool (never two at once), and directly only at shutdown.
  SystemProxyResult recoverStaleSystemProxy();
  SystemProxyResult enableSystemProxy(const QString& listenAddress);
  SystemProxyResult disableSystemProxy();
  SystemProxyResult systemProxyStatus() const;
  // Chaining (issue 8): while the system proxy points at Proxyscope and the settings before it had a
  // manual proxy, Proxyscope's upstream traffic can go through that proxy (the upstream-proxies
  // policy, the prior ignore list bypassed). Returns the sentence for the status bar; *error when it
  // cannot (nothing set before, upstream proxies configured already). Thread-safe like the above.
  QString chainPriorSystemProxy(QString* error);
  // Takes the chained prior proxy out of the configuration again (also done by disableSystemProxy).
  void unchainPriorSystemProxy();
  bool priorSystemProxyChained() const;
  // The text `proxyscope env` prints, for listenAddress (creates the CA and its bundle on first use).
  QString shellExports(const QString& listenAddress, QString* error) const;
  // Starts Chromium detached with a fresh profile pointed at listenAddress (engine/sysproxy
  // chromiumLaunch); returns the error ("" = started). Its flows are tagged app:chromium
  // (Engine::registerLaunchedApp).
  QString launchChromium(const QString& listenAddress, const QString& url = {});
  // The same for Firefox (firefoxLaunch: user.js prefs, the CA imported with certutil when
  // installed); *note gets what the user should know (e.g. no certutil: certificate warnings).
  QString launchFirefox(const QString& listenAddress, QString* note = nullptr, const QString& url = {});

 private:
  std::shared_ptr<engine::SystemProxyManager> m_systemProxy;  // shared_ptr: complete type not needed here
  QString m_systemProxyTarget;
  // --- end system proxy ---


  // --- settings (ui/engine_bridge_settings.cpp) ---
 public:
  // The running configuration as the Settings dialog's values (theme left at its default).
  SettingsValues settings() const;
  // The engine's verdict on a listen address ("" if fine), for the dialog's inline errors.
  static QString checkListenAddress(const QString& text);
  // Swaps the engine's configuration at run time (Engine::setConfig); when the current mode's listen
  // address changed, a running proxy is stopped and started on the new one. The error, "" on success.
  QString applySettings(const SettingsValues& values);
  // Whether a certificate and key can serve reverse-mode TLS ("" if so; else the file and reason).
  static QString checkReverseCertificate(const QString& certFile, const QString& keyFile);
  // --- end settings ---

  // --- policies (ui/engine_bridge_policies.cpp) ---
  // One row per policy of the current PolicyConfig (all off when none is configured), with the
  // running interceptor's counters.
  QVector<PolicyRowUi> policyRows() const;
  // Copies the configuration, flips the policy's "enabled" and swaps it in (Engine::setConfig).
  // The error ("unknown policy"), "" on success. The engine keeps the counters and the cache across
  // the swap (a cache switched off keeps its entries, unused, until purged).
  QString setPolicyEnabled(const QString& key, bool enabled);
  // Empties the response cache; the number of entries removed.
  qint64 purgeCache();
  // Purges the entries matching a filter expression ("" = all); the error, "" on success (*removed set).
  QString purgeCacheMatching(const QString& filter, qint64* removed);
  // --- end policies ---

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
  // --- filter: the store's matches for rows without a snapshot (GUI thread only) ---
  std::shared_ptr<const std::unordered_set<uint64_t>> m_storedMatches;
  uint64_t m_storedMatchesGeneration = 0;
  // --- reverse ---
  // Reverse mode with no backend configured fronts these (started on first switch to reverse).
  std::shared_ptr<engine::DemoBackends> m_demo;
  std::vector<std::shared_ptr<engine::DemoBackends>> m_extraDemo;
  std::shared_ptr<const engine::ReverseConfig> reverseFor(const engine::Endpoint& listen, QString* error);
  // --- settings ---
  // Where each mode listens when the toolbar switches to it (Settings → listen addresses).
  engine::Endpoint m_forwardListen{"127.0.0.1", 8080};
  engine::Endpoint m_reverseListen{"127.0.0.1", 8000};
  // Reverse-mode TLS as chosen in Settings (unset: as the command line or --config gave it).
  struct ReverseTlsChoice {
    bool tls = false;
    std::string certFile, keyFile;
    bool operator==(const ReverseTlsChoice&) const = default;
  };
  std::optional<ReverseTlsChoice> m_reverseTls;
  static void applyReverseTls(engine::ReverseConfig& config, const ReverseTlsChoice& choice);
};

}  // namespace ps::ui
