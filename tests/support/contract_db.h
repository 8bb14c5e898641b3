#pragma once
// ContractDb: an in-memory SQLite holding the store-contract schema (flows, bodies, flows_fts, flows_body_fts)
// with the query functions registered, and a writer that fills it from Flows the way the
// contract describes. The filter tests and benchmark use it to run compiled filters without
// depending on FlowStore (which lands on its own branch).
#include <set>
#include <string>

#include "engine/core/flow.h"
#include "engine/store/sql_filter.h"

struct sqlite3;
struct sqlite3_stmt;

namespace ps::test {

class ContractDb {
 public:
  ContractDb();
  ~ContractDb();
  ContractDb(const ContractDb&) = delete;
  ContractDb& operator=(const ContractDb&) = delete;

  sqlite3* handle() { return m_db; }
  bool exec(const std::string& sql);
  sqlite3_stmt* prepare(const std::string& sql);  // nullptr (and a qWarning) on error
  bool insert(const ps::engine::Flow& flow);
  // Ids matching the filter, or {-1} when SQLite refused the statement.
  std::set<int64_t> query(const ps::engine::SqlFilter& filter);
  // COUNT(*) of the filter; -1 on error.
  int64_t count(const ps::engine::SqlFilter& filter);

 private:
  sqlite3_stmt* run(const ps::engine::SqlFilter& filter, const char* select);
  sqlite3* m_db = nullptr;
};

}  // namespace ps::test
