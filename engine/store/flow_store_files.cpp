// FlowStore, session files: opening (create / append / read-only, refusing foreign files) and
// "save as" through the SQLite online backup API.
#include <sqlite3.h>

#include <filesystem>

#include "engine/store/flow_store.h"
#include "engine/store/flow_store_schema.h"

namespace ps::engine {

namespace fs = std::filesystem;

namespace {

// Removes a database file together with the WAL and shared-memory files beside it: a stale WAL
// next to a new file would otherwise be replayed into it.
void removeDatabaseFiles(const std::string& path) {
  std::error_code ec;
  fs::remove(path, ec);
  fs::remove(path + "-wal", ec);
  fs::remove(path + "-shm", ec);
  fs::remove(path + "-journal", ec);
  fs::remove(FlowStage::pathFor(path), ec);
}

}  // namespace

std::string FlowStore::defaultSessionPath(const std::string& dataDir) {
  return (fs::path(dataDir) / "autosave.pxsession").string();
}

Result<std::unique_ptr<FlowStore>> FlowStore::open(const std::string& path, StoreOptions options) {
  std::error_code ec;
  const bool exists = fs::exists(path, ec);
  OpenMode mode = options.mode;
  if (mode == OpenMode::CreateOrAppend) mode = exists && !options.overwrite ? OpenMode::Append : OpenMode::Create;

  if ((mode == OpenMode::ReadOnly || mode == OpenMode::Append) && !exists) {
    return Error{"session " + path + " does not exist"};
  }
  if (exists && fs::is_directory(path, ec)) return Error{path + " is a directory, not a session file"};

  if (mode == OpenMode::ReadOnly) {
    auto db = SqliteDb::open(path, SqliteDb::Access::ReadOnly);
    if (!db) return db.error();
    if (auto r = checkSchema(*db, path); !r) return r.error();
    auto maxId = db->queryInt("SELECT coalesce(max(id), 0) FROM flows");
    if (!maxId) return Error{path + " cannot be read: " + maxId.error().message};
    std::unique_ptr<FlowStore> store(new FlowStore(path, std::move(*db), true, options));
    store->m_nextFlowId = static_cast<uint64_t>(*maxId) + 1;
    return store;
  }

  if (mode == OpenMode::Create) {
    if (exists && !options.overwrite) {
      return Error{path + " already exists; refusing to overwrite it (choose another name or allow overwriting)"};
    }
    if (exists) removeDatabaseFiles(path);
  }
  auto db = SqliteDb::open(path, mode == OpenMode::Create ? SqliteDb::Access::ReadWriteCreate
                                                          : SqliteDb::Access::ReadWrite);
  if (!db) return db.error();
  if (mode == OpenMode::Append) {
    if (auto r = checkSchema(*db, path); !r) return r.error();
  }
  if (auto r = configureWriter(*db); !r) return Error{"cannot configure " + path + ": " + r.error().message};
  if (mode == OpenMode::Create) {
    if (auto r = createSchema(*db); !r) return r.error();
  }
  auto rows = FlowRowWriter::prepare(*db);
  if (!rows) return rows.error();
  auto backlog = rows->countUnindexed(*db);
  if (!backlog) return Error{path + " cannot be read: " + backlog.error().message};
  auto maxId = db->queryInt("SELECT coalesce(max(id), 0) FROM flows");
  if (!maxId) return Error{path + " cannot be read: " + maxId.error().message};
  auto promoted =
      db->queryInt("SELECT coalesce((SELECT CAST(value AS INTEGER) FROM session_info WHERE key = 'stage_offset'), 0)");
  if (!promoted) return Error{path + " cannot be read: " + promoted.error().message};
  auto stage = FlowStage::open(path, *promoted, mode == OpenMode::Create);
  if (!stage) return stage.error();
  std::unique_ptr<FlowStore> store(new FlowStore(path, std::move(*db), false, options));
  store->m_rows = std::make_unique<FlowRowWriter>(std::move(*rows));
  store->m_stage = std::make_unique<FlowStage>(std::move(*stage));
  store->m_ftsBacklog = *backlog;
  // Flows a writer staged and never promoted (it was killed): rows before anything else.
  if (!store->m_stage->drained()) {
    if (auto r = store->promoteAllLocked(); !r) return r.error();
    auto promotedMax = store->m_db.queryInt("SELECT coalesce(max(id), 0) FROM flows");
    if (!promotedMax) return Error{path + " cannot be read: " + promotedMax.error().message};
    *maxId = *promotedMax;
  }
  store->m_nextFlowId = static_cast<uint64_t>(*maxId) + 1;
  return store;
}

Result<void> FlowStore::saveAs(const std::string& path, bool overwrite) {
  std::error_code ec;
  if (fs::exists(path, ec)) {
    if (fs::equivalent(path, m_path, ec)) return Error{"cannot save a session onto itself (" + path + ")"};
    if (!overwrite) return Error{path + " already exists; refusing to overwrite it"};
  }
  if (m_stage != nullptr && m_staged > 0) {  // the copy holds rows only, readable by any build
    std::lock_guard lock(m_dbMutex);
    if (auto r = promoteAllLocked(); !r) return r;
  }
  // Copy into a temporary beside the target and rename: the target is never half written.
  const std::string partial = path + ".partial";
  removeDatabaseFiles(partial);
  {
    auto src = SqliteDb::open(m_path, SqliteDb::Access::ReadOnly);
    if (!src) return src.error();
    auto dst = SqliteDb::open(partial, SqliteDb::Access::ReadWriteCreate);
    if (!dst) return dst.error();
    sqlite3_backup* backup = sqlite3_backup_init(dst->handle(), "main", src->handle(), "main");
    if (backup == nullptr) {
      std::string message = dst->lastError();
      dst = SqliteDb();
      removeDatabaseFiles(partial);
      return Error{"cannot start copying the session to " + path + ": " + message};
    }
    // One step over every page: a single read transaction on the source, so the copy is one
    // consistent snapshot while the writer keeps committing into the WAL.
    int rc = sqlite3_backup_step(backup, -1);
    sqlite3_backup_finish(backup);
    if (rc != SQLITE_DONE) {
      std::string message = sqlite3_errstr(rc);
      dst = SqliteDb();
      removeDatabaseFiles(partial);
      return Error{"copying the session to " + path + " failed: " + message};
    }
  }
  if (overwrite) removeDatabaseFiles(path);
  fs::rename(partial, path, ec);
  if (ec) {
    removeDatabaseFiles(partial);
    return Error{"cannot move the copy into place at " + path + ": " + ec.message()};
  }
  return {};
}

}  // namespace ps::engine
