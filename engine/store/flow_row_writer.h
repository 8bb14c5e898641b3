#pragma once
// FlowRowWriter: writes Flow snapshots into the session tables on the writer connection — the row in
// `flows` and the bodies — as an upsert, so a flow's row follows its progress (Started →
// Finished), and keeps track of what full text still has to index. Indexing (indexPending) is a
// separate step because it costs several times the row write. The caller owns the transactions.
//
// What is indexed: a watermark W (session_info 'fts_watermark') and a queue (fts_pending). Flows
// with id >= W have never been indexed; below W a flow is indexed unless it is queued (a row rewritten
// after its document was made, or written late, below a watermark that had already passed). Engine
// ids grow, so a new flow is almost always past W and costs the writer nothing for full text: no
// queue row to insert now and delete after indexing. Files written before the watermark (every
// unindexed flow queued) get W = max(id) + 1 when opened for writing, which means the same.
#include <cstdint>

#include "engine/core/flow.h"
#include "engine/core/result.h"
#include "engine/store/flow_store_schema.h"
#include "engine/store/sqlite_db.h"

namespace ps::engine {

class FlowRowWriter {
 public:
  struct Outcome {
    bool inserted = false;     // a new row (not an update of an existing one)
    int64_t bytesDelta = 0;    // change of captured body bytes held
    bool queuedForIndex = false;  // newly waiting for full text (a new flow, or newly queued)
  };

  static Result<FlowRowWriter> prepare(SqliteDb& db);

  // complete: the snapshot is final (Finished event or an import); it stays marked complete.
  Result<Outcome> upsert(const Flow& flow, bool complete);
  // Removes a flow, its bodies and its FTS document; returns the captured bytes freed (or -1 when
  // there was no such flow).
  Result<int64_t> remove(uint64_t id);
  // Indexes up to limit flows (the queue first, then past the watermark, oldest first); returns how
  // many were indexed.
  Result<int64_t> indexPending(int64_t limit);
  // Flows not yet full-text indexed, counted in the file.
  Result<int64_t> countUnindexed(SqliteDb& db) const;

 private:
  struct OldRow {
    bool exists = false;
    bool complete = false;
    bool ftsIndexed = false;
    int64_t storedBytes = 0;
    std::string url, reqHeaders, resHeaders, reqText, resText;
    bool reqTextNull = true, resTextNull = true;
  };
  // A flow's full-text document (views into its owner): url, header lines, the two body texts.
  struct FtsDocument {
    int64_t id;
    std::string_view url, headers;
    const std::string& reqText;
    const std::string& resText;
    bool reqNull, resNull;
  };
  Result<OldRow> readOld(uint64_t id);
  Result<void> deleteFtsDocument(uint64_t id, const OldRow& old);
  // Runs the insert (or 'delete') pair for the layout: heads then bodies, or the one combined row.
  Result<void> writeFtsDocument(SqliteStatement& heads, SqliteStatement& bodies, const FtsDocument& doc);

  // Highest flow id stored so far: engine ids only grow, so a higher id is a new row and skips the
  // look-up of an old one (most upserts under load are first writes).
  int64_t m_maxId = 0;
  SqliteStatement m_selectOld;
  FullTextLayout m_layout = FullTextLayout::Split;
  SqliteStatement m_ftsDelete;  // flows_fts (url, headers; all four columns when Combined)
  SqliteStatement m_ftsInsert;
  SqliteStatement m_ftsBodyDelete;  // flows_body_fts (Split only)
  SqliteStatement m_ftsBodyInsert;
  SqliteStatement m_upsertFlow;
  SqliteStatement m_upsertBody;
  SqliteStatement m_deleteBody;
  SqliteStatement m_deleteFlow;
  SqliteStatement m_deleteBodies;
  SqliteStatement m_queuePending;
  SqliteStatement m_selectPending;
  SqliteStatement m_unqueuePending;
  SqliteStatement m_selectBeyond;
  SqliteStatement m_saveWatermark;
  int64_t m_ftsWatermark = 1;  // flows with id >= this have never been indexed
};

}  // namespace ps::engine
