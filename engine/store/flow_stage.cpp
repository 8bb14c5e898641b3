#include "engine/store/flow_stage.h"

#include "engine/store/flow_record.h"

namespace ps::engine {

Result<FlowStage> FlowStage::prepare(SqliteDb& db) {
  if (auto r = db.exec("CREATE TABLE IF NOT EXISTS flows_stage (id INTEGER PRIMARY KEY, complete INTEGER NOT NULL, "
                       "record BLOB NOT NULL)");
      !r) {
    return Error{"cannot prepare the session's staging table: " + r.error().message};
  }
  FlowStage stage;
  struct Item {
    SqliteStatement* stmt;
    const char* sql;
  } items[] = {
      {&stage.m_put,
       "INSERT INTO flows_stage (id, complete, record) VALUES (?1, ?2, ?3) "
       "ON CONFLICT (id) DO UPDATE SET complete = max(complete, excluded.complete), record = excluded.record"},
      {&stage.m_oldest, "SELECT id, complete, record FROM flows_stage ORDER BY id LIMIT ?1"},
      {&stage.m_remove, "DELETE FROM flows_stage WHERE id = ?1"},
  };
  for (auto& item : items) {
    auto stmt = db.prepare(item.sql);
    if (!stmt) return Error{"cannot prepare the session's staging table: " + stmt.error().message};
    *item.stmt = std::move(*stmt);
  }
  return stage;
}

Result<int64_t> FlowStage::put(const Flow& flow, bool complete) {
  m_record.clear();
  encodeFlowRecord(flow, m_record);
  m_put.bindInt(1, static_cast<int64_t>(flow.id));
  m_put.bindInt(2, complete ? 1 : 0);
  m_put.bindBlobStatic(3, m_record);
  auto r = m_put.run();
  m_put.reset();
  if (!r) return r.error();
  return static_cast<int64_t>(m_record.size());
}

Result<std::vector<FlowStage::Staged>> FlowStage::oldest(int64_t limit) {
  std::vector<Staged> out;
  m_oldest.bindInt(1, limit);
  while (true) {
    auto row = m_oldest.step();
    if (!row) {
      m_oldest.reset();
      return row.error();
    }
    if (!*row) break;
    Staged& staged = out.emplace_back();
    staged.id = static_cast<uint64_t>(m_oldest.columnInt(0));
    staged.complete = m_oldest.columnInt(1) != 0;
    auto flow = decodeFlowRecord(m_oldest.columnBlob(2));
    if (!flow) {
      staged.damage = flow.error().message;
    } else if (flow->id != staged.id) {
      staged.damage = "the record holds flow " + std::to_string(flow->id);
    } else {
      staged.flow = std::move(*flow);
    }
  }
  m_oldest.reset();
  return out;
}

Result<void> FlowStage::remove(uint64_t id) {
  m_remove.bindInt(1, static_cast<int64_t>(id));
  auto r = m_remove.run();
  m_remove.reset();
  return r;
}

Result<int64_t> FlowStage::count(SqliteDb& db) { return db.queryInt("SELECT count(*) FROM flows_stage"); }

}  // namespace ps::engine
