#pragma once
// Small RAII layer over the SQLite C API used by the store: a connection (SqliteDb) and a prepared
// statement (SqliteStatement). Failures are values (Result) — a locked, corrupt or foreign file is
// an ordinary outcome for a session store.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "engine/core/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace ps::engine {

class SqliteStatement;

class SqliteDb {
 public:
  enum class Access { ReadOnly, ReadWrite, ReadWriteCreate };

  SqliteDb() = default;
  ~SqliteDb();
  SqliteDb(SqliteDb&& other) noexcept;
  SqliteDb& operator=(SqliteDb&& other) noexcept;
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Opens a connection and registers the project's SQL functions on it (contract with engine/query).
  static Result<SqliteDb> open(const std::string& path, Access access);

  Result<void> exec(std::string_view sql);
  Result<SqliteStatement> prepare(std::string_view sql);
  // Runs a one-row, one-column query returning an integer (PRAGMA user_version, count(*), ...).
  Result<int64_t> queryInt(std::string_view sql);
  std::string lastError() const;
  int64_t changes() const;

  sqlite3* handle() const { return m_db; }
  bool isOpen() const { return m_db != nullptr; }

 private:
  explicit SqliteDb(sqlite3* db) : m_db(db) {}
  sqlite3* m_db = nullptr;
};

class SqliteStatement {
 public:
  using Value = std::variant<int64_t, double, std::string>;

  SqliteStatement() = default;
  ~SqliteStatement();
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement& operator=(SqliteStatement&& other) noexcept;
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  // Binds are 1-based as in SQLite. Text and blobs are copied (SQLITE_TRANSIENT) only when the
  // caller's buffer might not outlive step(); the store binds straight from live snapshots.
  void bindNull(int index);
  void bindInt(int index, int64_t value);
  void bindDouble(int index, double value);
  void bindText(int index, std::string_view value);
  void bindBlob(int index, std::string_view value);
  void bindOptionalText(int index, const std::string* value);  // NULL when value is null
  void bindValue(int index, const Value& value);

  // SQLITE_ROW → true, SQLITE_DONE → false, anything else → error.
  Result<bool> step();
  Result<void> run();  // step to completion (statements without rows), then reset
  void reset();

  bool isNull(int column) const;
  int64_t columnInt(int column) const;
  double columnDouble(int column) const;
  std::string columnText(int column) const;  // "" for NULL
  std::string columnBlob(int column) const;

  bool valid() const { return m_stmt != nullptr; }
  // Rows changed by the last completed INSERT/UPDATE/DELETE on this statement's connection.
  int64_t changes() const;

 private:
  friend class SqliteDb;
  SqliteStatement(sqlite3_stmt* stmt, sqlite3* db) : m_stmt(stmt), m_db(db) {}
  sqlite3_stmt* m_stmt = nullptr;
  sqlite3* m_db = nullptr;
};

}  // namespace ps::engine
