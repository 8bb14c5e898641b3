#pragma once
// FlowReader: the read side of a session for the UI and the CLI, on its own read-only SQLite
// connection (WAL lets it read while the writer thread commits). One reader per thread.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/flow.h"
#include "engine/core/result.h"
#include "engine/query/full_text_sql.h"
#include "engine/store/sql_filter.h"
#include "engine/store/sqlite_db.h"

namespace ps::engine {

// What the flow table shows per row; no headers and no bodies (those load with loadFlow()).
struct FlowSummary {
  uint64_t id = 0;
  int64_t startUs = 0;
  std::string method;
  std::string host;
  std::string path;
  int status = 0;             // 0 when no response
  std::string type;           // response Content-Type ('' if none)
  int64_t reqSize = 0;
  int64_t resSize = 0;
  int64_t durationUs = 0;
  std::string backend;
  std::vector<std::string> tags;
  std::string errorKind;      // '' when no error
  std::string error;
  bool complete = false;
};

// The flows columns a FlowSummary is read from, in order ("SELECT " + kFlowSummaryColumns + ...),
// and the reading of them from a row positioned on a statement that selected them first.
inline constexpr const char* kFlowSummaryColumns =
    "id, start_us, method, host, path, status, res_type, req_size, res_size, duration_us, backend, tags, error_kind, "
    "error, complete";
inline constexpr int kFlowSummaryColumnCount = 15;
FlowSummary readFlowSummary(const SqliteStatement& stmt);

enum class FlowSortColumn { Id, Start, Method, Host, Path, Status, Type, ReqSize, ResSize, Duration, Backend };

struct FlowPageRequest {
  SqlFilter filter;                    // empty where = every flow
  FlowSortColumn sort = FlowSortColumn::Id;
  bool descending = false;
  int64_t limit = 200;
  int64_t offset = 0;
};

class FlowReader {
 public:
  // Opens a session file read-only (refusing corrupt or foreign files like FlowStore::open).
  static Result<std::unique_ptr<FlowReader>> open(const std::string& path);

  // Number of flows matching the filter (filter.where is a fragment over `flows`). A filter that is
  // only a full-text match counts in the FTS index alone (no join with `flows`).
  Result<int64_t> count(const SqlFilter& filter = {});
  // min(count, bound): for a status bar ("100,000+ flows") on a term in most of a 1M session,
  // where even the index-only count reads a doclist of every match.
  Result<int64_t> countUpTo(const SqlFilter& filter, int64_t bound);
  // One page of summaries, ordered by the column then id (a stable order for paging).
  Result<std::vector<FlowSummary>> page(const FlowPageRequest& request);
  // Ids of matching flows in id order; limit < 0 = all.
  Result<std::vector<uint64_t>> ids(const SqlFilter& filter, int64_t limit = -1, int64_t offset = 0);
  // The full flow: headers as received, captured bodies, timings. Error if no such flow.
  Result<Flow> loadFlow(uint64_t id);
  // Streams matching flows in id order (HAR export of a whole session without holding it in RAM);
  // the callback returns false to stop. Returns how many flows were visited.
  Result<int64_t> forEachFlow(const SqlFilter& filter, const std::function<bool(const Flow&)>& visit);
  // Flows written but not yet full-text indexed (searches by words miss them until indexed).
  Result<int64_t> fullTextPending();
  // Decoded text of a stored body (part "req" or "res"), nullopt when none or not textual.
  Result<std::optional<std::string>> bodyText(uint64_t id, const std::string& part);

  // The filter as this file answers it fastest: a lone full-text search with its last token's
  // prefix narrowed to the body index's terms (fullTextOnly()); any other filter unchanged. For
  // callers that run a filter's SQL on db() themselves.
  Result<SqlFilter> narrowed(const SqlFilter& filter);

  SqliteDb& db() { return m_db; }

 private:
  explicit FlowReader(SqliteDb db) : m_db(std::move(db)) {}
  Result<SqliteStatement> prepareFiltered(const std::string& head, const SqlFilter& filter, const std::string& tail);
  // A page of a common full-text term sorted by duration or a size (see .cpp); nullopt when the
  // term is rare enough for plain SQL.
  Result<std::optional<std::vector<uint64_t>>> commonTermPageIds(const FlowPageRequest& request);
  // The query of a filter that is one full-text predicate (engine/query/full_text_sql.h), its last
  // token narrowed to the body index's terms when they are few; nullopt for any other filter.
  Result<std::optional<FullTextQuery>> fullTextOnly(const SqlFilter& filter);
  static constexpr size_t kMaxPrefixTerms = 16;
  // Marks the flows matching q in `seen` (indexed by id) until bound of them are marked; returns
  // how many were.
  Result<int64_t> markFullText(const FullTextQuery& q, int64_t bound, std::vector<bool>& seen);

  SqliteDb m_db;
  SqliteStatement m_loadFlow;
  SqliteStatement m_loadBodies;
  bool m_narrowPrefixes = false;  // Split layout: temp.flows_body_vocab exists
  SqliteStatement m_bodyTerms;
};

}  // namespace ps::engine
