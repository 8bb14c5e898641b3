#pragma once
// FlowRowWriter: writes Flow snapshots into the session tables on the writer connection — the row in
// `flows`, the bodies, and the FTS5 document — as an upsert, so a flow's row follows its progress
// (Started → ResponseHeaders → Finished). The caller owns the transaction.
#include <cstdint>

#include "engine/core/flow.h"
#include "engine/core/result.h"
#include "engine/store/sqlite_db.h"

namespace ps::engine {

class FlowRowWriter {
 public:
  struct Outcome {
    bool inserted = false;     // a new row (not an update of an existing one)
    int64_t bytesDelta = 0;    // change of captured body bytes held
  };

  static Result<FlowRowWriter> prepare(SqliteDb& db);

  // complete: the snapshot is final (Finished event or an import); it stays marked complete.
  Result<Outcome> upsert(const Flow& flow, bool complete);
  // Removes a flow, its bodies and its FTS document; returns the captured bytes freed (or -1 when
  // there was no such flow).
  Result<int64_t> remove(uint64_t id);

 private:
  struct OldRow {
    bool exists = false;
    bool complete = false;
    int64_t storedBytes = 0;
    std::string url, reqHeaders, resHeaders, reqText, resText;
    bool reqTextNull = true, resTextNull = true;
  };
  Result<OldRow> readOld(uint64_t id);
  Result<void> deleteFtsDocument(uint64_t id, const OldRow& old);

  SqliteStatement m_selectOld;
  SqliteStatement m_ftsDelete;
  SqliteStatement m_ftsInsert;
  SqliteStatement m_upsertFlow;
  SqliteStatement m_upsertBody;
  SqliteStatement m_deleteBody;
  SqliteStatement m_deleteFlow;
  SqliteStatement m_deleteBodies;
};

}  // namespace ps::engine
