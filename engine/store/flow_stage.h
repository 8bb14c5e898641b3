#pragma once
// FlowStage: the session's staging table, a queue in front of `flows`. Under a busy capture the
// writer appends each flow snapshot here as one record (flow_record.h): one B-tree append instead of
// the row, its bodies and four index entries (~4 µs a flow against ~16 µs, on the machine the engine
// and its peers saturate). The records are turned into rows ("promoted") when the capture is quiet,
// when a caller waits for the rows (FlowStore::flush), or when the store closes.
//
// Invariant: a staged record is newer than the flow's row, if it has one. So while anything is
// staged, every snapshot is staged too (the stage is first-in, first-out in front of `flows`); a
// snapshot written straight to `flows` past the cap removes the flow's staged record (unstage).
// Same file, same transactions: kill -9 loses no more than without the stage, and the next writer
// to open the file promotes what it finds.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/flow.h"
#include "engine/core/result.h"
#include "engine/store/sqlite_db.h"

namespace ps::engine {

class FlowStage {
 public:
  struct Staged {
    uint64_t id = 0;
    bool complete = false;
    Flow flow;
    std::string damage;  // why the record could not be decoded ("" when flow holds it)
  };

  // Creates the table in files that predate it (readers of older builds ignore the table).
  static Result<FlowStage> prepare(SqliteDb& db);

  // Stages the snapshot (replacing an earlier one of the flow; "complete" stays set); returns the
  // record's size. Not looking up an earlier record keeps this one B-tree write: the caller's
  // counts of what is staged are upper bounds (a flow staged twice counts twice) until the stage
  // is found empty.
  Result<int64_t> put(const Flow& flow, bool complete);
  // The oldest staged flows, up to limit, decoded. A record that cannot be decoded comes back with
  // its damage said, for the caller to report and remove: it must not block the queue behind it.
  Result<std::vector<Staged>> oldest(int64_t limit);
  // Removes a flow's record, if it has one.
  Result<void> remove(uint64_t id);

  // Staged flows, counted in the file.
  static Result<int64_t> count(SqliteDb& db);

 private:
  SqliteStatement m_put;
  SqliteStatement m_oldest;
  SqliteStatement m_remove;
  std::string m_record;  // reused encoding buffer
};

}  // namespace ps::engine
