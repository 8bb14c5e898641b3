#pragma once
// FlowStore: one session = one SQLite file (WAL). A single writer thread drains the store's
// EventHub sink (unbounded: the store copy is never dropped) in batches, one transaction per batch,
// upserting each flow's latest snapshot, so a flow's row follows its progress. The engine never waits
// on SQLite. Readers (UI, CLI) use FlowReader on their own read-only connections.
//
// Staging: under a busy capture the writer appends each snapshot as one record to the session's
// staging file (flow_stage.h) instead of its row, bodies and index entries (a seventh of the
// writer's CPU a flow), and turns the records into rows when the capture is quiet, when a caller
// waits for rows (flush), or when the store closes. So field filters lag a burst only until it ends (or until someone asks);
// the live view never reads the file.
//
// Crash safety: WAL with synchronous=NORMAL; a batch is at most kMaxBatchEvents events and is taken
// as soon as the previous commit ends, so kill -9 loses at most the batch in flight (~ms at load).
//
// Full text: rows are committed first; the FTS5 document of each written flow is queued
// (fts_pending) and indexed by the same writer thread as a background pass: indexing costs 2-3x a
// row write, and on a machine the engine saturates every CPU-second it takes is taken from the
// engine (forward mode at 20k flows/s lost ~0.4 core to it). So it runs when the capture is quiet
// (no busy batch for kQuietTime), when the machine has CPU nobody else wants (CpuIdleMeter), when a
// caller waits for it (flush(true)), and otherwise one small step per kIndexFloorInterval. Full-text search therefore
// lags a burst by the backlog (stats().ftsBacklog); field filters never lag. The queue is in the file: an Append open
// resumes it.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/core/event_hub.h"
#include "engine/core/flow.h"
#include "engine/core/result.h"
#include "engine/store/flow_reader.h"
#include "engine/store/flow_row_writer.h"
#include "engine/store/flow_stage.h"
#include "engine/store/sqlite_db.h"

namespace ps::engine {

enum class OpenMode {
  ReadOnly,        // an existing session, for viewing/searching/export
  Append,          // an existing session, new flows are added
  Create,          // a new file; an existing file is refused unless StoreOptions::overwrite
  CreateOrAppend,  // autosave: append to our own session if the file exists, else create it
};

// Optional caps per session, oldest flows (lowest id) removed first. 0 = no cap (the default).
struct RetentionPolicy {
  uint64_t maxFlows = 0;
  uint64_t maxBytes = 0;  // captured body bytes held in the session
  bool enabled() const { return maxFlows != 0 || maxBytes != 0; }
};

struct StoreOptions {
  OpenMode mode = OpenMode::CreateOrAppend;
  bool overwrite = false;  // Create/CreateOrAppend may replace an existing (even foreign) file
  RetentionPolicy retention;
  size_t maxBatchEvents = 4096;
  // When a wait returns only a trickle of events, the writer gathers this long before committing
  // (0 = commit at once; tests of batch sizes use that).
  int gatherMillis = 10;
  // A busy capture is staged up to this many snapshots (0 = write rows only): ~4 s of the writer's
  // work to promote afterwards, ~450 MB of records at 1 KiB bodies.
  int64_t maxStagedSnapshots = 250'000;
};

struct StoreStats {
  uint64_t transactions = 0;      // committed batch transactions (one per batch / insert() call)
  uint64_t batches = 0;           // batches taken from the hub
  uint64_t eventsWritten = 0;     // events consumed by the writer
  uint64_t flowsWritten = 0;      // flow snapshots upserted as rows (after coalescing within a batch)
  uint64_t largestBatch = 0;      // events in the largest batch
  uint64_t retentionRemoved = 0;  // flows removed by the retention cap
  uint64_t failedBatches = 0;
  uint64_t ftsIndexed = 0;        // FTS5 documents written
  int64_t ftsBacklog = 0;         // flows written but not yet full-text indexed
  uint64_t snapshotsStaged = 0;   // snapshots written to the staging file (flow_stage.h)
  uint64_t flowsPromoted = 0;     // staged flows turned into rows
  int64_t staged = 0;             // snapshots in the staging file, not yet rows
  std::string lastError;
};

class FlowStore {
 public:
  static constexpr size_t kMaxBatchEvents = 4096;
  // Full-text work the writer does per transaction when it has slack: steps of kIndexStep flows
  // until kIndexBudget has passed or events wait. Larger transactions index faster (one FTS5
  // segment each); events that arrive end the transaction after the current step, so new rows wait
  // behind the index for one step (~1 ms), not for the budget (kill -9 window stays one batch).
  static constexpr int64_t kIndexStep = 16;
  static constexpr std::chrono::milliseconds kIndexBudget{250};
  // A batch of at least kBusyBatchEvents events (about 6k flows/s at the writer's ~10 ms cycle: a
  // quick flow is one event, its Finished snapshot, since Started comes late) marks the capture
  // busy; full text waits until kQuietTime has passed without one.
  static constexpr size_t kBusyBatchEvents = 64;
  static constexpr std::chrono::milliseconds kQuietTime{200};
  // Under a capture that is never quiet, kIndexFloorDocs this often keep the index moving (~1 % CPU).
  static constexpr std::chrono::milliseconds kIndexFloorInterval{1000};
  static constexpr int64_t kIndexFloorDocs = 128;
  // A busy capture is indexed all the same while the machine leaves this many cores idle, measured
  // over windows of kSpareCpuSample (Linux; elsewhere only the rules above apply). A core and a half:
  // with one idle core (two cores, a client, the engine and an origin taking turns on the other),
  // indexing beside the capture nearly doubled the engine's p99 at one connection (1.23 ms, against
  // 0.70 ms without it; medians of 4 interleaved runs): the index's commits cannot yield, and the
  // threads of each request land behind them. With more cores the idle ones are really spare.
  static constexpr double kSpareCoresForIndex = 1.5;
  static constexpr std::chrono::milliseconds kSpareCpuSample{250};
  // The writer gives up its CPU every kRowsPerYield rows (~0.1 ms of work) and between full-text
  // steps (kIndexStep documents, ~1 ms). Without the yields, a thread woken on the writer's core
  // (the engine's worker, the origin, the client) waited out the writer's time slice: a recording
  // capture at one connection had a p99 of 2.7 ms where --no-session has 0.4 ms; with them 1.0-1.3 ms.
  // (Running the writer at SCHED_IDLE instead changed nothing; what is left is mostly the commit,
  // ~0.9 ms of WAL writes for ~50 rows, which cannot be split.) sched_yield costs ~1 µs.
  static constexpr size_t kRowsPerYield = 8;
  // A busy capture (a batch of kBusyBatchEvents within kQuietTime) is staged (flow_stage.h) and
  // promoted to rows when quiet, up to StoreOptions::maxStagedSnapshots and kMaxStagedBytes; past
  // them each snapshot staged takes one promotion, so what is left to promote stays a few seconds of
  // the writer's work (~15 µs a flow).
  static constexpr int64_t kMaxStagedBytes = int64_t{512} << 20;
  // Promotion steps: this many flows (~1 ms), yielding between steps as full text does.
  static constexpr int64_t kPromoteStep = 64;
  // Once the hub is drained after at least this many events, freed memory goes back to the OS.
  static constexpr size_t kTrimAfterEvents = 20000;

  // Opens or creates a session file. Corrupt or foreign files are refused with a clear message.
  static Result<std::unique_ptr<FlowStore>> open(const std::string& path, StoreOptions options = {});
  // The autosave session file in a data directory ("<dataDir>/autosave.pxsession").
  static std::string defaultSessionPath(const std::string& dataDir);

  ~FlowStore();  // detaches (writing everything already published) and closes
  FlowStore(const FlowStore&) = delete;
  FlowStore& operator=(const FlowStore&) = delete;

  // Starts the writer thread on an unbounded sink of hub. One hub at a time; the hub must outlive
  // the attachment (detach() or the destructor).
  Result<void> attach(EventHub& hub);
  // Writes every event already in the sink, stops the writer thread, removes the sink.
  void detach();
  // Returns once every event published before the call is committed as rows (staged flows
  // promoted), and with fullText also full-text indexed (no-op when not attached).
  void flush(bool fullText = true);

  // Writes complete flows directly (HAR import, tests), one transaction for the whole vector, then
  // indexes them for full text unless deferFullText (then the writer thread or indexFullText() does).
  Result<void> insert(const std::vector<Flow>& flows, bool deferFullText = false);
  // Indexes queued flows on the calling thread, up to maxFlows (< 0: all); returns how many.
  Result<int64_t> indexFullText(int64_t maxFlows = -1);
  // Copies the live session to path consistently (SQLite online backup, one read snapshot) while
  // writing continues. Refuses an existing path unless overwrite.
  Result<void> saveAs(const std::string& path, bool overwrite = false);

  void setRetention(RetentionPolicy policy);
  // Applies the retention cap now (the writer also applies it after every batch).
  Result<void> applyRetention();

  // A new read-only reader on this session (one per reading thread).
  Result<std::unique_ptr<FlowReader>> openReader() const;

  // One past the highest flow id stored when the session was opened. Flow ids are the primary key
  // and writes are upserts, so an engine appending to an existing session must number its flows
  // from here (the app seeds the engine's id counter with it); otherwise it would overwrite.
  uint64_t nextFlowId() const { return m_nextFlowId; }

  StoreStats stats() const;
  const std::string& path() const { return m_path; }
  bool readOnly() const { return m_readOnly; }

 private:
  FlowStore(std::string path, SqliteDb db, bool readOnly, StoreOptions options);
  void writerLoop();
  // Writes a batch in one transaction (called with m_dbMutex held).
  // stage: the capture is busy; the batch goes to the staging file (flow_stage.h).
  Result<void> writeBatch(std::vector<FlowEvent>& events, bool stage);
  Result<void> writeSnapshots(const std::vector<std::pair<const Flow*, bool>>& snapshots);
  Result<void> stageSnapshots(const std::vector<std::pair<const Flow*, bool>>& snapshots);
  // One row upsert with the retention counters and the full-text count (inside a transaction).
  Result<void> upsertLocked(const Flow& flow, bool complete, int64_t& queuedForIndex);
  // One promotion transaction: steps of kPromoteStep flows until limit, the budget or (when
  // yieldToEvents) events waiting in the hub.
  Result<int64_t> promoteStepLocked(int64_t limit, std::chrono::milliseconds budget, bool yieldToEvents);
  Result<void> promoteAllLocked();
  Result<void> enforceRetentionLocked();
  // One indexing transaction: steps of `step` flows until `limit` flows, the time budget, or
  // (when non-null) events waiting in the hub.
  Result<int64_t> indexStepLocked(int64_t step, int64_t limit, std::chrono::milliseconds budget, bool yieldToEvents);
  Result<void> loadRetentionCountersLocked();

  std::string m_path;
  bool m_readOnly = false;
  StoreOptions m_options;

  mutable std::mutex m_dbMutex;  // guards m_db, m_rows, retention counters
  SqliteDb m_db;
  std::unique_ptr<FlowRowWriter> m_rows;
  std::unique_ptr<FlowStage> m_stage;  // null when read-only
  std::atomic<int64_t> m_staged{0};    // snapshots staged and not yet promoted
  bool m_countersLoaded = false;
  int64_t m_flowCount = 0;
  int64_t m_storedBytes = 0;
  std::atomic<int64_t> m_ftsBacklog{0};
  std::atomic<bool> m_fullTextWanted{false};  // a flush(true) caller waits: index without waiting for quiet
  uint64_t m_nextFlowId = 1;

  mutable std::mutex m_statsMutex;
  StoreStats m_stats;

  EventHub* m_hub = nullptr;
  EventHub::SinkId m_sink = 0;
  std::thread m_writer;
  std::atomic<bool> m_stopping{false};
  std::mutex m_flushMutex;
  std::condition_variable m_flushCv;
  uint64_t m_flushRequested = 0;
  uint64_t m_flushDoneRows = 0;
  uint64_t m_flushDoneFullText = 0;
};

}  // namespace ps::engine
