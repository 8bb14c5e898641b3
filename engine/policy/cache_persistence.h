#pragma once
// CachePersistence: the Cache policy's entries kept in the session's SQLite file (issue 10, "optionally
// persisted in the session"), so a run with the same --session starts warm. The table is the cache's
// own (policy_cache, created IF NOT EXISTS next to the store's tables, which it never touches); its
// connection is separate from the store's writer (WAL lets both write, one at a time).
//
// Entries are written whole: save() replaces the table's rows with the cache's current contents in
// one transaction (the engine does it on stop, on a purge and every few seconds while entries
// change). load() puts rows back with their stored time, so freshness keeps counting from the first
// store (RFC 9111 4.2.3: the age includes the time the entry spent on disk).
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <thread>
#include <memory>
#include <mutex>
#include <string>

#include "engine/core/result.h"
#include "engine/policy/http_cache.h"
#include "engine/store/sqlite_db.h"

namespace ps::engine {

class CachePersistence {
 public:
  // Opens the session file (it must exist: the store creates it) and creates the table if missing.
  static Result<std::unique_ptr<CachePersistence>> open(const std::string& sessionPath);

  // Puts every stored entry into `cache`; returns how many. Rows that cannot be read are skipped.
  Result<size_t> load(HttpCache& cache);
  // Replaces the stored rows with the cache's entries; returns how many were written.
  Result<size_t> save(const HttpCache& cache);
  const std::string& path() const { return m_path; }

  // Write-behind: a thread of its own saves `cache` whenever its generation moved (checked every
  // `period`, or at once after saveSoon()), so no engine or GUI thread waits on SQLite.
  void startSaving(std::shared_ptr<const HttpCache> cache, std::chrono::milliseconds period = std::chrono::seconds(2));
  void saveSoon();
  // Stops the thread after a last save (when anything changed). Idempotent; the destructor calls it.
  void stopSaving();
  ~CachePersistence();

 private:
  CachePersistence() = default;
  void saveLoop(std::chrono::milliseconds period);

  std::string m_path;
  std::mutex m_mutex;  // one save/load at a time on the connection
  SqliteDb m_db;

  std::shared_ptr<const HttpCache> m_cache;
  std::mutex m_wakeMutex;
  std::condition_variable m_wake;
  bool m_stop = false, m_soon = false;
  uint64_t m_savedGeneration = ~uint64_t{0};
  std::thread m_saver;
};

}  // namespace ps::engine
