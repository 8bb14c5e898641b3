#pragma once
// FlowRowWriter: writes Flow snapshots into the session tables on the writer connection — the row in
// `flows` and the bodies — as an upsert, so a flow's row follows its progress (Started →
// ResponseHeaders → Finished), and queues the flow for full-text indexing (fts_pending). Indexing
// (indexPending) is a separate step because it costs several times the row write. The caller owns
// the transactions.
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
    bool queuedForIndex = false;  // newly added to fts_pending
  };

  static Result<FlowRowWriter> prepare(SqliteDb& db);

  // complete: the snapshot is final (Finished event or an import); it stays marked complete.
  Result<Outcome> upsert(const Flow& flow, bool complete);
  // Removes a flow, its bodies and its FTS document; returns the captured bytes freed (or -1 when
  // there was no such flow).
  Result<int64_t> remove(uint64_t id);
  // Indexes up to limit queued flows (oldest first); returns how many were indexed.
  Result<int64_t> indexPending(int64_t limit);

 private:
  struct OldRow {
    bool exists = false;
    bool complete = false;
    bool ftsIndexed = false;
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
  SqliteStatement m_queuePending;
  SqliteStatement m_selectPending;
  SqliteStatement m_markIndexed;
  SqliteStatement m_unqueuePending;
};

}  // namespace ps::engine
