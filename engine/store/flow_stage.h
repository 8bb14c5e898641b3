#pragma once
// FlowStage: a session's staging file ("<session>-stage"), a queue in front of its rows. Under a
// busy capture the writer appends each flow snapshot to it as one record (flow_record.h), one
// write() per 64 records, instead of SQLite's row, bodies, index entries, WAL frames and checkpoint
// copies: ~2 µs a flow against ~15 µs, on a machine the engine and its peers saturate. The records become
// rows ("promotion", FlowStore) when the capture is quiet, when a caller waits for the rows, or when
// the store closes; the next writer to open a session promotes what a killed one left.
//
// Framing: [u32 length, little-endian][u8 flags: 1 = complete][record]. How far the rows have taken
// the file is the session's 'stage_offset' (session_info), written in the promotion's own
// transaction, so a crash between the two never promotes a record twice or loses one. Once every
// record is promoted the file is cut back to zero (an offset beyond the file's end means exactly
// that, if the writer died in between).
//
// Invariant: a staged record is newer than its flow's row. While anything is staged every snapshot
// is staged (first in, first out in front of the rows); nothing is ever written to rows around it.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/flow.h"
#include "engine/core/result.h"

namespace ps::engine {

class FlowStage {
 public:
  struct Staged {
    bool complete = false;
    Flow flow;
    std::string damage;  // why the record could not be decoded ("" when flow holds it)
  };

  static std::string pathFor(const std::string& sessionPath) { return sessionPath + "-stage"; }

  // Opens (creating it 0600: it holds captured traffic) the stage of a session; the records from
  // promotedOffset on are the ones still to promote. fresh: a new session, any old file is emptied.
  static Result<FlowStage> open(const std::string& sessionPath, int64_t promotedOffset, bool fresh);
  FlowStage() = default;
  ~FlowStage();
  FlowStage(FlowStage&& other) noexcept;
  FlowStage& operator=(FlowStage&& other) noexcept;
  FlowStage(const FlowStage&) = delete;
  FlowStage& operator=(const FlowStage&) = delete;

  // Encodes a snapshot into the batch in memory; write() appends the batch to the file at once.
  void add(const Flow& flow, bool complete);
  // On failure the file is cut back to where it ended, so a torn record never precedes later ones.
  Result<void> write();

  // Decodes up to limit records from the read position and moves past them. A record that cannot be
  // decoded comes back with its damage said (for the caller to report: it must not block the queue);
  // a record cut short at the end of the file ends the reading with its damage said.
  Result<std::vector<Staged>> next(int64_t limit);
  int64_t readOffset() const { return m_read; }
  void rewind(int64_t offset) { m_read = offset; }  // a promotion rolled back
  bool drained() const { return m_read >= m_end; }
  int64_t endOffset() const { return m_end; }
  // Empties the file (every record promoted).
  Result<void> clear();

  // Records in a stage file from an offset (tests, diagnostics); a cut-short tail is not counted.
  static int64_t countRecords(const std::string& stagePath, int64_t fromOffset = 0);

 private:
  FlowStage(int fd, std::string path, int64_t read, int64_t end)
      : m_fd(fd), m_path(std::move(path)), m_read(read), m_end(end) {}
  Result<void> fill(int64_t offset, size_t bytes);  // makes [offset, offset + bytes) readable in m_readBuf

  int m_fd = -1;
  std::string m_path;
  int64_t m_read = 0;   // next record to promote
  int64_t m_end = 0;    // end of the written records
  std::string m_batch;  // encoded, not yet written
  std::string m_readBuf;
  int64_t m_readBufAt = 0;  // file offset of m_readBuf[0]
};

}  // namespace ps::engine
