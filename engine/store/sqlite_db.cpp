#include "engine/store/sqlite_db.h"

#include <sqlite3.h>

#include <utility>

// Contract: every connection the store opens registers the filter language's SQL functions.
#include "engine/query/sql_functions.h"

namespace ps::engine {

SqliteDb::~SqliteDb() {
  if (m_db != nullptr) sqlite3_close_v2(m_db);
}

SqliteDb::SqliteDb(SqliteDb&& other) noexcept : m_db(std::exchange(other.m_db, nullptr)) {}

SqliteDb& SqliteDb::operator=(SqliteDb&& other) noexcept {
  if (this != &other) {
    if (m_db != nullptr) sqlite3_close_v2(m_db);
    m_db = std::exchange(other.m_db, nullptr);
  }
  return *this;
}

#if defined(__GLIBC__)
// glibc's own allocator, reachable under these names even when another malloc (mimalloc, linked into
// the app) has taken over the public ones.
extern "C" {
void* __libc_malloc(size_t size);
void __libc_free(void* p);
void* __libc_realloc(void* p, size_t size);
}
#endif

namespace {

#if defined(__GLIBC__)
// SQLite on glibc's allocator. FTS5 grows its doclists by realloc; glibc extends large blocks in
// place (mremap), mimalloc copies them: full-text indexing ran ~25 % slower under mimalloc
// (bench_store, 100k flows: 18k against 24k documents per CPU-second) while row writes did not
// care. Each block carries its size in front (SQLite asks for it; glibc's malloc_usable_size is
// mimalloc's in this process).
constexpr size_t kSizeHeader = 16;  // keeps the 16-byte alignment malloc gives

void* glibcMalloc(int n) {
  auto* base = static_cast<char*>(__libc_malloc(static_cast<size_t>(n) + kSizeHeader));
  if (base == nullptr) return nullptr;
  *reinterpret_cast<size_t*>(base) = static_cast<size_t>(n);
  return base + kSizeHeader;
}
void glibcFree(void* p) {
  if (p != nullptr) __libc_free(static_cast<char*>(p) - kSizeHeader);
}
void* glibcRealloc(void* p, int n) {
  auto* base = static_cast<char*>(__libc_realloc(static_cast<char*>(p) - kSizeHeader, static_cast<size_t>(n) + kSizeHeader));
  if (base == nullptr) return nullptr;
  *reinterpret_cast<size_t*>(base) = static_cast<size_t>(n);
  return base + kSizeHeader;
}
int glibcSize(void* p) {
  return p == nullptr ? 0 : static_cast<int>(*reinterpret_cast<size_t*>(static_cast<char*>(p) - kSizeHeader));
}
int glibcRoundup(int n) { return (n + 7) & ~7; }
int glibcInit(void*) { return SQLITE_OK; }
void glibcShutdown(void*) {}
#endif

// Process-wide settings, applied once before SQLite initializes (sqlite3_config refuses them after).
// Memory statistics off: with them on, every allocation SQLite makes (several per row written) takes
// a global mutex to count bytes nobody reads here.
void configureSqliteOnce() {
  static const bool done = [] {
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
#if defined(__GLIBC__)
    static const sqlite3_mem_methods kGlibc = {glibcMalloc, glibcFree,   glibcRealloc,  glibcSize,
                                               glibcRoundup, glibcInit, glibcShutdown, nullptr};
    (void)sqlite3_config(SQLITE_CONFIG_MALLOC, &kGlibc);
#endif
    return true;
  }();
  (void)done;
}

}  // namespace

Result<SqliteDb> SqliteDb::open(const std::string& path, Access access) {
  configureSqliteOnce();
  int flags = SQLITE_OPEN_NOMUTEX;  // each connection is used by one thread at a time (store's lock)
  switch (access) {
    case Access::ReadOnly: flags |= SQLITE_OPEN_READONLY; break;
    case Access::ReadWrite: flags |= SQLITE_OPEN_READWRITE; break;
    case Access::ReadWriteCreate: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE; break;
  }
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  SqliteDb db(raw);
  if (rc != SQLITE_OK) {
    std::string message = raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    return Error{"cannot open " + path + ": " + message};
  }
  sqlite3_extended_result_codes(raw, 1);
  // A reader may meet a writer's checkpoint; wait briefly rather than fail with SQLITE_BUSY.
  sqlite3_busy_timeout(raw, 2000);
  registerSqlFunctions(raw);
  return db;
}

Result<void> SqliteDb::exec(std::string_view sql) {
  std::string copy(sql);
  char* err = nullptr;
  if (sqlite3_exec(m_db, copy.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string message = err != nullptr ? err : sqlite3_errmsg(m_db);
    sqlite3_free(err);
    return Error{message};
  }
  return {};
}

Result<SqliteStatement> SqliteDb::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(m_db, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) != SQLITE_OK) {
    return Error{std::string(sqlite3_errmsg(m_db))};
  }
  return SqliteStatement(stmt, m_db);
}

Result<int64_t> SqliteDb::queryInt(std::string_view sql) {
  auto stmt = prepare(sql);
  if (!stmt) return stmt.error();
  auto row = stmt->step();
  if (!row) return row.error();
  if (!*row) return Error{"query returned no row"};
  return stmt->columnInt(0);
}

std::string SqliteDb::lastError() const { return m_db != nullptr ? sqlite3_errmsg(m_db) : "no connection"; }

int64_t SqliteDb::changes() const { return sqlite3_changes(m_db); }

SqliteStatement::~SqliteStatement() {
  if (m_stmt != nullptr) sqlite3_finalize(m_stmt);
}

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : m_stmt(std::exchange(other.m_stmt, nullptr)), m_db(other.m_db) {}

SqliteStatement& SqliteStatement::operator=(SqliteStatement&& other) noexcept {
  if (this != &other) {
    if (m_stmt != nullptr) sqlite3_finalize(m_stmt);
    m_stmt = std::exchange(other.m_stmt, nullptr);
    m_db = other.m_db;
  }
  return *this;
}

void SqliteStatement::bindNull(int index) { sqlite3_bind_null(m_stmt, index); }
void SqliteStatement::bindInt(int index, int64_t value) { sqlite3_bind_int64(m_stmt, index, value); }
void SqliteStatement::bindDouble(int index, double value) { sqlite3_bind_double(m_stmt, index, value); }

void SqliteStatement::bindText(int index, std::string_view value) {
  sqlite3_bind_text64(m_stmt, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

void SqliteStatement::bindBlob(int index, std::string_view value) {
  sqlite3_bind_blob64(m_stmt, index, value.data(), value.size(), SQLITE_TRANSIENT);
}

void SqliteStatement::bindTextStatic(int index, std::string_view value) {
  sqlite3_bind_text64(m_stmt, index, value.empty() ? "" : value.data(), value.size(), SQLITE_STATIC, SQLITE_UTF8);
}

void SqliteStatement::bindBlobStatic(int index, std::string_view value) {
  sqlite3_bind_blob64(m_stmt, index, value.empty() ? "" : value.data(), value.size(), SQLITE_STATIC);
}

void SqliteStatement::bindOptionalText(int index, const std::string* value) {
  if (value == nullptr) {
    bindNull(index);
  } else {
    bindText(index, *value);
  }
}

void SqliteStatement::bindValue(int index, const Value& value) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, int64_t>) {
          bindInt(index, v);
        } else if constexpr (std::is_same_v<T, double>) {
          bindDouble(index, v);
        } else {
          bindText(index, v);
        }
      },
      value);
}

Result<bool> SqliteStatement::step() {
  int rc = sqlite3_step(m_stmt);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  std::string message = sqlite3_errmsg(m_db);
  sqlite3_reset(m_stmt);
  return Error{message};
}

Result<void> SqliteStatement::run() {
  auto r = step();
  sqlite3_reset(m_stmt);
  if (!r) return r.error();
  return {};
}

void SqliteStatement::reset() {
  sqlite3_reset(m_stmt);
  sqlite3_clear_bindings(m_stmt);
}

int64_t SqliteStatement::changes() const { return sqlite3_changes(m_db); }

bool SqliteStatement::isNull(int column) const { return sqlite3_column_type(m_stmt, column) == SQLITE_NULL; }
int64_t SqliteStatement::columnInt(int column) const { return sqlite3_column_int64(m_stmt, column); }
double SqliteStatement::columnDouble(int column) const { return sqlite3_column_double(m_stmt, column); }

std::string SqliteStatement::columnText(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(m_stmt, column));
  if (text == nullptr) return {};
  return std::string(text, static_cast<size_t>(sqlite3_column_bytes(m_stmt, column)));
}

std::string SqliteStatement::columnBlob(int column) const {
  const auto* data = static_cast<const char*>(sqlite3_column_blob(m_stmt, column));
  if (data == nullptr) return {};
  return std::string(data, static_cast<size_t>(sqlite3_column_bytes(m_stmt, column)));
}

}  // namespace ps::engine
