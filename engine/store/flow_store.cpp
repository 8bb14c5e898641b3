#include "engine/store/flow_store.h"

#include <ctime>
#include <limits>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#ifdef __linux__
#include <sys/resource.h>
#include <unistd.h>
#endif
#include <unordered_map>

#include "engine/core/allocator_maintenance.h"
#include "engine/core/thread_name.h"
#include "engine/store/cpu_idle_meter.h"
#include "engine/store/flow_store_schema.h"

namespace ps::engine {

namespace {

// CPU time of the calling thread (POSIX), to tell the machine's idle time from our own indexing.
double threadCpuSeconds() {
  timespec ts{};
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return 0.0;
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace

FlowStore::FlowStore(std::string path, SqliteDb db, bool readOnly, StoreOptions options)
    : m_path(std::move(path)), m_readOnly(readOnly), m_options(options), m_db(std::move(db)) {}

FlowStore::~FlowStore() {
  detach();
  // The writer connection closes last; SQLite checkpoints the WAL into the file on the last close.
  m_rows.reset();
}

Result<void> FlowStore::attach(EventHub& hub) {
  if (m_readOnly) return Error{"session " + m_path + " is open read-only"};
  if (m_hub != nullptr) return Error{"the store is already attached to an event hub"};
  m_hub = &hub;
  // Unbounded: the store copy is never dropped. A row is written when the flow has run for
  // EventHub::kLateStartedDelay (so a long download or a WebSocket is in the file while it lasts),
  // when it is held at or released from a breakpoint, and when it finishes. Intermediate steps
  // (response headers, body done, WebSocket messages) are left to the Finished snapshot: at load
  // each would cost the engine a flow copy and the writer a row rewrite for a state that is
  // superseded milliseconds later. Backend health events are not flows and never become rows.
  EventHub::SinkOptions options;
  options.types = eventBit(FlowEventType::Started) | eventBit(FlowEventType::Paused) |
                  eventBit(FlowEventType::Resumed) | eventBit(FlowEventType::Finished);
  // Started only for flows that last (EventHub::kLateStartedDelay): a request answered sooner is
  // written once, from its Finished snapshot, which it would have been anyway (a batch coalesces).
  options.lateStarted = true;
  m_sink = hub.addSink(options);
  m_stopping = false;
  m_writer = std::thread([this] {
    setCurrentThreadName("ps-store");
    setCurrentThreadBackground();  // recording never preempts the workers
    writerLoop();
  });
  return {};
}

void FlowStore::detach() {
  if (m_hub == nullptr) return;
  m_stopping = true;
  m_hub->wakeAll();
  if (m_writer.joinable()) m_writer.join();
  m_hub->removeSink(m_sink);
  m_hub = nullptr;
  m_sink = 0;
  // Release flush() callers that raced with the shutdown.
  {
    std::lock_guard lock(m_flushMutex);
    m_flushDoneRows = m_flushRequested;
    m_flushDoneFullText = m_flushRequested;
  }
  m_flushCv.notify_all();
}

void FlowStore::flush(bool fullText) {
  if (m_hub == nullptr) return;
  uint64_t target = 0;
  {
    std::lock_guard lock(m_flushMutex);
    target = ++m_flushRequested;
  }
  if (fullText) m_fullTextWanted = true;
  m_hub->wakeAll();
  std::unique_lock lock(m_flushMutex);
  // The writer always makes progress; the periodic re-wake covers a wake that raced its wait.
  auto done = [&] { return (fullText ? m_flushDoneFullText : m_flushDoneRows) >= target; };
  while (!done()) {
    if (!m_flushCv.wait_for(lock, std::chrono::milliseconds(20), done)) {
      lock.unlock();
      m_hub->wakeAll();
      lock.lock();
    }
  }
}

void FlowStore::writerLoop() {
#ifdef __linux__
  // The recorder is a background consumer: under CPU contention the engine's workers (serving
  // clients) go first and the writer catches up in bigger, cheaper batches. Nothing is dropped
  // (the store's sink is unbounded).
  (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 5);
#endif
  using Clock = std::chrono::steady_clock;
  std::vector<FlowEvent> batch;
  batch.reserve(m_options.maxBatchEvents);
  Clock::time_point lastBusy{};   // last batch of kBusyBatchEvents or more
  Clock::time_point lastIndex = Clock::now();
  // Spare CPU: over the last sample window the machine left kSpareCoresForIndex idle, counting the
  // CPU our own indexing took as idle (it would be there without it).
  CpuIdleMeter idleMeter;
  (void)idleMeter.idleCoresSinceLastCall();
  Clock::time_point lastSample = Clock::now();
  double indexCpuInSample = 0;
  bool spareCpu = false;
  size_t eventsSinceTrim = 0;
  Clock::time_point lastTrim{};
  while (true) {
    uint64_t flushTarget = 0;
    bool rowsWanted = false;  // a flush() caller waits for rows still staged
    {
      std::lock_guard lock(m_flushMutex);
      flushTarget = m_flushRequested;
      rowsWanted = m_staged > 0 && m_flushDoneRows < m_flushRequested;
    }
    const bool stopping = m_stopping.load();
    if (const auto now = Clock::now(); now - lastSample >= kSpareCpuSample) {
      const auto idle = idleMeter.idleCoresSinceLastCall();
      const double window = std::chrono::duration<double>(now - lastSample).count();
      spareCpu = idle && *idle + indexCpuInSample / window >= kSpareCoresForIndex;
      lastSample = now;
      indexCpuInSample = 0;
    }
    // Background work (promoting staged flows, then full text) may run now, or after the quiet time
    // / floor interval: the wait for events is cut to that moment so a backlog never waits on an
    // idle hub.
    auto indexAt = [&] {
      if ((m_ftsBacklog <= 0 && m_staged <= 0) || stopping) return Clock::time_point::max();
      if (m_fullTextWanted || spareCpu || rowsWanted) return Clock::time_point::min();
      // A staged burst waits for the quiet (promoting beside it would cost the capture what staging
      // saved it); full text alone also keeps moving at the floor rate.
      if (m_staged > 0) return lastBusy + kQuietTime;
      return std::min(lastBusy + kQuietTime, lastIndex + kIndexFloorInterval);
    };
    batch.clear();
    // Takes whatever accumulated while the previous batch was committing, up to the cap: batches
    // grow with load (throughput) but stay short in time (what kill -9 can lose).
    auto idle = std::chrono::milliseconds(50);
    if (const auto at = indexAt(); at != Clock::time_point::max()) {
      const auto now = Clock::now();
      idle = at <= now ? std::chrono::milliseconds(0)
                       : std::min(idle, std::chrono::ceil<std::chrono::milliseconds>(at - now));
    }
    size_t n = m_hub->drainWait(m_sink, batch, m_options.maxBatchEvents, idle);
    if (n > 0 && n < m_options.maxBatchEvents / 4 && !stopping && m_options.gatherMillis > 0) {
      // A trickle under load would commit a transaction every few events, and a commit costs far
      // more than a row: gather for a few milliseconds (well inside what kill -9 may lose).
      std::this_thread::sleep_for(std::chrono::milliseconds(m_options.gatherMillis));
      n += m_hub->drain(m_sink, batch, m_options.maxBatchEvents - n);
    }
    if (n >= kBusyBatchEvents) lastBusy = Clock::now();
    eventsSinceTrim += n;
    if (n > 0) {
      const bool busy = Clock::now() < lastBusy + kQuietTime && !stopping;
      std::lock_guard lock(m_dbMutex);
      if (auto r = writeBatch(batch, busy); !r) {
        std::lock_guard statsLock(m_statsMutex);
        ++m_stats.failedBatches;
        m_stats.lastError = r.error().message;
      }
    }
    const size_t pending = m_hub->pending(m_sink);
    if (stopping && pending == 0) {
      // Closing leaves no flow staged: another reader of the file sees rows only. (The full-text
      // backlog stays queued in the file; an Append open resumes it.)
      {
        std::lock_guard lock(m_dbMutex);
        if (auto r = promoteAllLocked(); !r) {
          std::lock_guard statsLock(m_statsMutex);
          m_stats.lastError = r.error().message;
        }
      }
      std::lock_guard lock(m_flushMutex);
      m_flushDoneRows = std::max(m_flushDoneRows, flushTarget);
      break;
    }
    // New snapshots always come first; staged flows and full text only with slack and when due (see
    // the class comment). Staged flows go first: full text indexes rows.
    if ((m_staged > 0 || m_ftsBacklog > 0) && pending < m_options.maxBatchEvents / 4 && indexAt() <= Clock::now()) {
      // Due by the floor interval only: one small step, the capture is busy and the CPU is not spare.
      const bool quiet = m_fullTextWanted || spareCpu || rowsWanted || Clock::now() >= lastBusy + kQuietTime;
      const int64_t limit = quiet ? std::numeric_limits<int64_t>::max() : kIndexFloorDocs;
      lastIndex = Clock::now();
      const double cpuBefore = threadCpuSeconds();
      std::lock_guard lock(m_dbMutex);
      auto r = m_staged > 0 ? promoteStepLocked(limit, kIndexBudget, true)
                            : indexStepLocked(kIndexStep, limit, kIndexBudget, true);
      indexCpuInSample += threadCpuSeconds() - cpuBefore;
      if (!r) {
        std::lock_guard statsLock(m_statsMutex);
        m_stats.lastError = r.error().message;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));  // do not spin on a failing index
      }
    }
    if (pending == 0) {
      // The snapshots of a burst were allocated by the engine's threads and freed here, in the
      // middle of their arenas, where glibc does not hand pages back by itself: after a backlog is
      // written, give them back so a capture's RSS follows what it holds, not its worst backlog.
      // SQLite's own memory is on glibc's allocator whatever the app links (sqlite_db.cpp).
      if (eventsSinceTrim >= kTrimAfterEvents && Clock::now() - lastTrim >= std::chrono::seconds(1)) {
#ifdef __GLIBC__
        ::malloc_trim(0);
#endif
        if (auto hook = allocatorMaintenance()) hook();
        eventsSinceTrim = 0;
        lastTrim = Clock::now();
      }
      if (m_staged == 0) {
        std::lock_guard lock(m_flushMutex);
        m_flushDoneRows = std::max(m_flushDoneRows, flushTarget);
        if (m_ftsBacklog == 0) {
          m_flushDoneFullText = std::max(m_flushDoneFullText, flushTarget);
          if (m_flushDoneFullText >= m_flushRequested) m_fullTextWanted = false;
        }
      }
      m_flushCv.notify_all();
    }
  }
  m_flushCv.notify_all();
}

Result<int64_t> FlowStore::indexStepLocked(int64_t step, int64_t limit, std::chrono::milliseconds budget,
                                           bool yieldToEvents) {
  if (auto r = m_db.exec("BEGIN IMMEDIATE"); !r) return r.error();
  const auto deadline = std::chrono::steady_clock::now() + budget;
  int64_t total = 0;
  bool drained = false;
  while (total < limit) {
    const int64_t ask = std::min(step, limit - total);
    auto indexed = m_rows->indexPending(ask);
    if (!indexed) {
      (void)m_db.exec("ROLLBACK");
      return indexed.error();
    }
    total += *indexed;
    if (*indexed < ask) {
      drained = true;  // the queue is empty
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    if (yieldToEvents && m_hub != nullptr && m_hub->pending(m_sink) > 0) break;
    std::this_thread::yield();  // see kRowsPerYield
  }
  if (auto r = m_db.exec("COMMIT"); !r) {
    (void)m_db.exec("ROLLBACK");
    return r.error();
  }
  if (drained) {
    m_ftsBacklog = 0;  // also covers entries that left with flows removed by retention
  } else {
    m_ftsBacklog -= total;
    if (m_ftsBacklog < 0) m_ftsBacklog = 0;
  }
  std::lock_guard statsLock(m_statsMutex);
  m_stats.ftsIndexed += static_cast<uint64_t>(total);
  return total;
}

Result<int64_t> FlowStore::indexFullText(int64_t maxFlows) {
  if (m_readOnly) return Error{"session " + m_path + " is open read-only"};
  int64_t total = 0;
  while (maxFlows < 0 || total < maxFlows) {
    // Bulk: big transactions (one FTS5 segment per ~hashsize of terms).
    const int64_t chunk = maxFlows < 0 ? 20000 : std::min<int64_t>(20000, maxFlows - total);
    std::lock_guard lock(m_dbMutex);
    auto n = indexStepLocked(1024, chunk, std::chrono::hours(1), false);
    if (!n) return n.error();
    total += *n;
    if (*n < chunk) break;
  }
  return total;
}

Result<void> FlowStore::writeBatch(std::vector<FlowEvent>& events, bool stage) {
  // Coalesce: each flow's latest snapshot supersedes earlier ones in the same batch (snapshots are
  // whole flows), so a flow that starts and finishes within one batch is written once.
  std::unordered_map<uint64_t, size_t> slot;
  std::vector<std::pair<const Flow*, bool>> snapshots;
  snapshots.reserve(events.size());
  for (const auto& event : events) {
    if (!event.flow) continue;
    const bool complete = event.type == FlowEventType::Finished;
    auto [it, fresh] = slot.try_emplace(event.flow->id, snapshots.size());
    if (fresh) {
      snapshots.emplace_back(event.flow.get(), complete);
    } else {
      snapshots[it->second].first = event.flow.get();
      snapshots[it->second].second = snapshots[it->second].second || complete;
    }
  }
  // While anything is staged, newer snapshots are staged behind it (flow_stage.h).
  const bool staging = m_stage != nullptr && m_options.maxStagedSnapshots > 0 && (stage || !m_stage->drained());
  auto r = staging ? stageSnapshots(snapshots) : writeSnapshots(snapshots);
  std::lock_guard statsLock(m_statsMutex);
  ++m_stats.batches;
  m_stats.eventsWritten += events.size();
  m_stats.largestBatch = std::max<uint64_t>(m_stats.largestBatch, events.size());
  return r;
}

Result<void> FlowStore::writeSnapshots(const std::vector<std::pair<const Flow*, bool>>& snapshots) {
  if (auto r = m_db.exec("BEGIN IMMEDIATE"); !r) return r;
  auto fail = [&](const Error& e) -> Result<void> {
    (void)m_db.exec("ROLLBACK");
    return Error{"writing to " + m_path + " failed: " + e.message};
  };
  if (m_options.retention.enabled() && !m_countersLoaded) {
    if (auto r = loadRetentionCountersLocked(); !r) return fail(r.error());
  }
  int64_t queued = 0;
  size_t written = 0;
  for (const auto& [flow, complete] : snapshots) {
    if (++written % kRowsPerYield == 0) std::this_thread::yield();
    if (auto r = upsertLocked(*flow, complete, queued); !r) return fail(r.error());
  }
  if (m_options.retention.enabled()) {
    if (auto r = enforceRetentionLocked(); !r) return fail(r.error());
  }
  if (auto r = m_db.exec("COMMIT"); !r) return fail(r.error());
  m_ftsBacklog += queued;
  std::lock_guard statsLock(m_statsMutex);
  ++m_stats.transactions;
  m_stats.flowsWritten += snapshots.size();
  return {};
}

Result<void> FlowStore::upsertLocked(const Flow& flow, bool complete, int64_t& queuedForIndex) {
  auto outcome = m_rows->upsert(flow, complete);
  if (!outcome) return outcome.error();
  queuedForIndex += outcome->queuedForIndex ? 1 : 0;
  if (m_countersLoaded) {
    m_flowCount += outcome->inserted ? 1 : 0;
    m_storedBytes += outcome->bytesDelta;
  }
  return {};
}

Result<void> FlowStore::stageSnapshots(const std::vector<std::pair<const Flow*, bool>>& snapshots) {
  // Written and yielded every 64 records (~0.1 ms of encoding, ~130 KB): a whole batch in one
  // write() held a core in the kernel for its copy, ~0.5 ms at 32 connections (see kRowsPerYield).
  size_t added = 0;
  size_t written = 0;
  for (const auto& [flow, complete] : snapshots) {
    m_stage->add(*flow, complete);
    if (++added % (kRowsPerYield * 8) == 0 || added == snapshots.size()) {
      if (auto r = m_stage->write(); !r) return Error{"writing to " + m_path + " failed: " + r.error().message};
      m_staged += static_cast<int64_t>(added - written);  // in the file: counted before anything can fail
      written = added;
      if (added != snapshots.size()) std::this_thread::yield();
    }
  }
  {
    std::lock_guard statsLock(m_statsMutex);
    ++m_stats.transactions;
    m_stats.snapshotsStaged += snapshots.size();
  }
  // Past the cap, every snapshot staged takes one promotion: the stage stops growing, and what is
  // left to promote stays bounded.
  const int64_t over =
      std::max(m_staged - m_options.maxStagedSnapshots, m_stage->endOffset() - m_stage->readOffset() > kMaxStagedBytes
                                                            ? static_cast<int64_t>(snapshots.size())
                                                            : int64_t{0});
  if (over > 0) {
    if (auto r = promoteStepLocked(over, std::chrono::hours(1), false); !r) return r.error();
  }
  return {};
}

Result<int64_t> FlowStore::promoteStepLocked(int64_t limit, std::chrono::milliseconds budget, bool yieldToEvents) {
  const int64_t start = m_stage->readOffset();
  if (auto r = m_db.exec("BEGIN IMMEDIATE"); !r) return r.error();
  auto fail = [&](const Error& e) -> Result<int64_t> {
    (void)m_db.exec("ROLLBACK");
    m_stage->rewind(start);
    return Error{"promoting staged flows in " + m_path + " failed: " + e.message};
  };
  if (m_options.retention.enabled() && !m_countersLoaded) {
    if (auto r = loadRetentionCountersLocked(); !r) return fail(r.error());
  }
  const auto deadline = std::chrono::steady_clock::now() + budget;
  int64_t total = 0;
  int64_t queued = 0;
  std::string damage;
  while (total < limit && !m_stage->drained()) {
    auto staged = m_stage->next(std::min(kPromoteStep, limit - total));
    if (!staged) return fail(staged.error());
    for (const auto& entry : *staged) {
      if (entry.damage.empty()) {
        if (auto r = upsertLocked(entry.flow, entry.complete, queued); !r) return fail(r.error());
      } else if (damage.empty()) {  // nothing to recover it from: reported, and out of the queue's way
        damage = "staged flows were lost: " + entry.damage;
      }
    }
    total += static_cast<int64_t>(staged->size());
    if (std::chrono::steady_clock::now() >= deadline) break;
    if (yieldToEvents && m_hub != nullptr && m_hub->pending(m_sink) > 0) break;
    std::this_thread::yield();  // see kRowsPerYield
  }
  if (m_options.retention.enabled()) {
    if (auto r = enforceRetentionLocked(); !r) return fail(r.error());
  }
  // Where the rows have got to, in the rows' own transaction.
  if (auto r = m_db.exec("INSERT OR REPLACE INTO session_info (key, value) VALUES ('stage_offset', '" +
                         std::to_string(m_stage->readOffset()) + "')");
      !r) {
    return fail(r.error());
  }
  if (auto r = m_db.exec("COMMIT"); !r) return fail(r.error());
  m_ftsBacklog += queued;
  m_staged = std::max<int64_t>(1, m_staged - total);  // the file, not the count, says when it is empty
  if (m_stage->drained()) {
    m_staged = 0;
    // Emptied, then the offset reset: dying in between leaves an offset past the end, which the
    // next open reads as "all promoted" (FlowStage::open).
    if (auto r = m_stage->clear(); !r) return r.error();
    if (auto r = m_db.exec("INSERT OR REPLACE INTO session_info (key, value) VALUES ('stage_offset', '0')"); !r) {
      return r.error();
    }
  }
  std::lock_guard statsLock(m_statsMutex);
  m_stats.flowsPromoted += static_cast<uint64_t>(total);
  m_stats.flowsWritten += static_cast<uint64_t>(total);
  if (!damage.empty()) m_stats.lastError = damage;
  return total;
}

Result<void> FlowStore::promoteAllLocked() {
  while (m_stage != nullptr && !m_stage->drained()) {
    auto n = promoteStepLocked(std::numeric_limits<int64_t>::max(), std::chrono::hours(1), false);
    if (!n) return n.error();
  }
  return {};
}

Result<void> FlowStore::insert(const std::vector<Flow>& flows, bool deferFullText) {
  if (m_readOnly) return Error{"session " + m_path + " is open read-only"};
  std::vector<std::pair<const Flow*, bool>> snapshots;
  snapshots.reserve(flows.size());
  for (const auto& flow : flows) snapshots.emplace_back(&flow, true);
  {
    std::lock_guard lock(m_dbMutex);
    if (auto r = promoteAllLocked(); !r) return r;  // rows written here must be newer than staged ones
    if (auto r = writeSnapshots(snapshots); !r) return r;
  }
  if (deferFullText) {
    if (m_hub != nullptr) m_hub->wakeAll();
    return {};
  }
  if (auto r = indexFullText(); !r) return r.error();
  return {};
}

Result<void> FlowStore::loadRetentionCountersLocked() {
  auto count = m_db.queryInt("SELECT count(*) FROM flows");
  if (!count) return count.error();
  auto bytes = m_db.queryInt("SELECT coalesce(sum(stored_bytes), 0) FROM flows");
  if (!bytes) return bytes.error();
  m_flowCount = *count;
  m_storedBytes = *bytes;
  m_countersLoaded = true;
  return {};
}

Result<void> FlowStore::enforceRetentionLocked() {
  const RetentionPolicy& policy = m_options.retention;
  auto over = [&] {
    return (policy.maxFlows != 0 && m_flowCount > static_cast<int64_t>(policy.maxFlows)) ||
           (policy.maxBytes != 0 && m_storedBytes > static_cast<int64_t>(policy.maxBytes));
  };
  while (over() && m_flowCount > 0) {
    int64_t chunk = 64;
    if (policy.maxFlows != 0 && m_flowCount > static_cast<int64_t>(policy.maxFlows)) {
      chunk = std::max<int64_t>(chunk, m_flowCount - static_cast<int64_t>(policy.maxFlows));
    }
    auto stmt = m_db.prepare("SELECT id, stored_bytes FROM flows ORDER BY id LIMIT ?1");
    if (!stmt) return stmt.error();
    stmt->bindInt(1, chunk);
    std::vector<uint64_t> oldest;
    while (true) {
      auto row = stmt->step();
      if (!row) return row.error();
      if (!*row) break;
      oldest.push_back(static_cast<uint64_t>(stmt->columnInt(0)));
    }
    if (oldest.empty()) break;
    for (uint64_t id : oldest) {
      if (!over()) break;
      auto freed = m_rows->remove(id);
      if (!freed) return freed.error();
      if (*freed < 0) continue;
      --m_flowCount;
      m_storedBytes -= *freed;
      std::lock_guard statsLock(m_statsMutex);
      ++m_stats.retentionRemoved;
    }
  }
  return {};
}

void FlowStore::setRetention(RetentionPolicy policy) {
  std::lock_guard lock(m_dbMutex);
  m_options.retention = policy;
  if (!policy.enabled()) m_countersLoaded = false;  // counters are only kept while a cap is on
}

Result<void> FlowStore::applyRetention() {
  if (m_readOnly) return Error{"session " + m_path + " is open read-only"};
  std::lock_guard lock(m_dbMutex);
  if (!m_options.retention.enabled()) return {};
  return writeSnapshots({});
}

Result<std::unique_ptr<FlowReader>> FlowStore::openReader() const { return FlowReader::open(m_path); }

StoreStats FlowStore::stats() const {
  std::lock_guard lock(m_statsMutex);
  StoreStats copy = m_stats;
  copy.ftsBacklog = m_ftsBacklog;
  copy.staged = m_staged;
  return copy;
}

}  // namespace ps::engine
