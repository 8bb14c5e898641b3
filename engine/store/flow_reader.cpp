#include "engine/store/flow_reader.h"

#include <algorithm>
#include <limits>

#include "engine/query/full_text_sql.h"
#include "engine/store/flow_row_codec.h"
#include "engine/store/flow_store_schema.h"
#include "engine/store/sort_key.h"

namespace ps::engine {

namespace {

// Column names for ORDER BY; only these reach the SQL text (never caller strings).
const char* sortColumnName(FlowSortColumn column) {
  switch (column) {
    case FlowSortColumn::Id: return "id";
    case FlowSortColumn::Start: return "start_us";
    case FlowSortColumn::Method: return "method";
    case FlowSortColumn::Host: return "host";
    case FlowSortColumn::Path: return "path";
    case FlowSortColumn::Status: return "status";
    case FlowSortColumn::Type: return "res_type";
    case FlowSortColumn::ReqSize: return "req_size";
    case FlowSortColumn::ResSize: return "res_size";
    case FlowSortColumn::Duration: return "duration_us";
    case FlowSortColumn::Backend: return "backend";
  }
  return "id";
}

constexpr const char* kLoadFlow =
    "SELECT connection_id, mode, kind, start_us, end_us, client, server, scheme, method, host, port, "
    "path, query, status, backend, error_kind, error, tags, replay_of, req_headers, res_headers, target, "
    "req_version, res_version, reason, t_req_headers, t_dns, t_connect, t_tls, t_req_sent, t_res_start, "
    "t_res_headers, bytes_from_client, bytes_to_client, req_size, res_size, extensions FROM flows WHERE id = ?1";

// A lone full-text search matching more than this many flows, sorted by duration or a size, takes
// its page from a bitmap of its ids and one pass over flows_start (commonTermPageIds) rather than
// from SQL.
constexpr int64_t kCommonTermMatches = 20000;

}  // namespace

Result<std::unique_ptr<FlowReader>> FlowReader::open(const std::string& path) {
  auto db = SqliteDb::open(path, SqliteDb::Access::ReadOnly);
  if (!db) return db.error();
  if (auto r = checkSchema(*db, path); !r) return r.error();
  auto layout = prepareForFilters(*db);
  if (!layout) return Error{path + " cannot be read: " + layout.error().message};
  std::unique_ptr<FlowReader> reader(new FlowReader(std::move(*db)));
  if (*layout == FullTextLayout::Split) {
    // The body index's vocabulary, for fullTextOnly() (a temp table: the file stays untouched).
    if (auto r = reader->m_db.exec("CREATE VIRTUAL TABLE IF NOT EXISTS temp.flows_body_vocab USING fts5vocab(main, 'flows_body_fts', 'row')");
        !r) {
      return Error{path + " cannot be read: " + r.error().message};
    }
    auto vocab = reader->m_db.prepare("SELECT term FROM temp.flows_body_vocab WHERE term >= ?1 AND term < ?2 LIMIT ?3");
    if (!vocab) return Error{path + " cannot be read: " + vocab.error().message};
    reader->m_bodyTerms = std::move(*vocab);
    reader->m_narrowPrefixes = true;
  }
  auto load = reader->m_db.prepare(kLoadFlow);
  if (!load) return load.error();
  reader->m_loadFlow = std::move(*load);
  auto bodies = reader->m_db.prepare("SELECT part, size, data FROM bodies WHERE flow_id = ?1");
  if (!bodies) return bodies.error();
  reader->m_loadBodies = std::move(*bodies);
  return reader;
}

Result<SqliteStatement> FlowReader::prepareFiltered(const std::string& head, const SqlFilter& filter,
                                                    const std::string& tail) {
  std::string sql = head;
  if (!filter.where.empty()) sql += " WHERE (" + filter.where + ")";
  sql += tail;
  auto stmt = m_db.prepare(sql);
  if (!stmt) return Error{"invalid filter SQL: " + stmt.error().message};
  for (size_t i = 0; i < filter.params.size(); ++i) stmt->bindValue(static_cast<int>(i + 1), filter.params[i]);
  return stmt;
}

Result<std::optional<FullTextQuery>> FlowReader::fullTextOnly(const SqlFilter& filter) {
  auto q = pureFullText(filter);
  if (!q || !m_narrowPrefixes) return q;
  // The terms in [prefix, prefix with its last byte raised): those that start with the prefix.
  std::string end = q->tokens.back();
  while (!end.empty() && static_cast<unsigned char>(end.back()) == 0xFF) end.pop_back();
  if (end.empty()) return q;
  end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
  m_bodyTerms.bindText(1, q->tokens.back());
  m_bodyTerms.bindText(2, end);
  m_bodyTerms.bindInt(3, kMaxPrefixTerms + 1);
  std::vector<std::string> terms;
  while (true) {
    auto row = m_bodyTerms.step();
    if (!row) {
      m_bodyTerms.reset();
      return row.error();
    }
    if (!*row) break;
    terms.push_back(m_bodyTerms.columnText(0));
  }
  m_bodyTerms.reset();
  if (terms.size() <= kMaxPrefixTerms) narrowLastToken(*q, terms);
  return q;
}

Result<SqlFilter> FlowReader::narrowed(const SqlFilter& filter) {
  auto text = fullTextOnly(filter);
  if (!text) return text.error();
  return *text ? fullTextWhere(**text) : filter;
}

Result<int64_t> FlowReader::markFullText(const FullTextQuery& q, int64_t bound, std::vector<bool>& seen) {
  // Distinct ids of both indexes in a bitmap: a UNION would build a temporary index of every match
  // (~130 ms for a word in 900k of 1M flows, against ~30 ms for reading the ids).
  int64_t n = 0;
  for (const SqlFilter& ids : {fullTextHeadIds(q), fullTextBodyIds(q)}) {
    auto stmt = prepareFiltered(ids.where, {"", ids.params}, "");
    if (!stmt) return stmt.error();
    while (n < bound) {
      auto row = stmt->step();
      if (!row) return row.error();
      if (!*row) break;
      const auto id = static_cast<uint64_t>(stmt->columnInt(0));
      if (id >= seen.size()) seen.resize(std::max<size_t>(id + 1, seen.size() * 2));
      if (!seen[id]) {
        seen[id] = true;
        ++n;
      }
    }
  }
  return n;
}

Result<int64_t> FlowReader::count(const SqlFilter& filter) {
  // Every document in the full-text tables belongs to a row of flows (removal deletes both), so
  // counting in the indexes gives the same number without a lookup per match.
  auto text = fullTextOnly(filter);
  if (!text) return text.error();
  std::vector<bool> seen;
  if (*text) return markFullText(**text, std::numeric_limits<int64_t>::max(), seen);
  auto stmt = prepareFiltered("SELECT count(*) FROM flows", filter, "");
  if (!stmt) return stmt.error();
  auto row = stmt->step();
  if (!row) return row.error();
  return stmt->columnInt(0);
}

Result<int64_t> FlowReader::countUpTo(const SqlFilter& filter, int64_t bound) {
  bound = std::max<int64_t>(bound, 0);
  auto text = fullTextOnly(filter);
  if (!text) return text.error();
  std::vector<bool> seen;
  if (*text) return markFullText(**text, bound, seen);
  auto stmt = prepareFiltered("SELECT count(*) FROM (SELECT 1 FROM flows", filter, " LIMIT " + std::to_string(bound) + ")");
  if (!stmt) return stmt.error();
  auto row = stmt->step();
  if (!row) return row.error();
  return stmt->columnInt(0);
}

FlowSummary readFlowSummary(const SqliteStatement& stmt) {
  FlowSummary s;
  s.id = static_cast<uint64_t>(stmt.columnInt(0));
  s.startUs = stmt.columnInt(1);
  s.method = stmt.columnText(2);
  s.host = stmt.columnText(3);
  s.path = stmt.columnText(4);
  s.status = static_cast<int>(stmt.columnInt(5));
  s.type = stmt.columnText(6);
  s.reqSize = stmt.columnInt(7);
  s.resSize = stmt.columnInt(8);
  s.durationUs = stmt.columnInt(9);
  s.backend = stmt.columnText(10);
  s.tags = tagsFromColumn(stmt.columnText(11));
  s.errorKind = stmt.columnText(12);
  s.error = stmt.columnText(13);
  s.complete = stmt.columnInt(14) != 0;
  return s;
}

Result<std::optional<std::vector<uint64_t>>> FlowReader::commonTermPageIds(const FlowPageRequest& request) {
  auto text = fullTextOnly(request.filter);
  if (!text) return text.error();
  if (!*text) return std::optional<std::vector<uint64_t>>{};
  // The matching ids in a bitmap (~30 ms for a word in 900k of 1M flows), then one pass over the
  // narrow flows_start index for the sort key, keeping the page's best. SQLite's own plan for this
  // probes an ephemeral table per row (~0.45 s at 1M flows). A rare term takes plain SQL.
  std::vector<bool> matched;
  auto common = markFullText(**text, std::numeric_limits<int64_t>::max(), matched);
  if (!common) return common.error();
  if (*common <= kCommonTermMatches) return std::optional<std::vector<uint64_t>>{};
  auto keys = m_db.prepare(std::string("SELECT id, ") + sortColumnName(request.sort) + " FROM flows");
  if (!keys) return keys.error();
  std::vector<SortKey> found;
  while (true) {
    auto row = keys->step();
    if (!row) return row.error();
    if (!*row) break;
    const auto id = static_cast<uint64_t>(keys->columnInt(0));
    if (id >= matched.size() || !matched[id]) continue;
    SortKey key;
    key.id = id;
    key.null = keys->isNull(1);
    key.number = keys->columnInt(1);
    found.push_back(key);
  }
  const size_t end = std::min(found.size(), static_cast<size_t>(std::max<int64_t>(0, request.offset + request.limit)));
  const size_t begin = std::min(end, static_cast<size_t>(std::max<int64_t>(0, request.offset)));
  std::partial_sort(found.begin(), found.begin() + static_cast<std::ptrdiff_t>(end), found.end(),
                    [desc = request.descending](const SortKey& a, const SortKey& b) { return sortKeyBefore(a, b, desc); });
  std::vector<uint64_t> ids;
  for (size_t i = begin; i < end; ++i) ids.push_back(found[i].id);
  return std::optional<std::vector<uint64_t>>{std::move(ids)};
}

Result<std::vector<FlowSummary>> FlowReader::page(const FlowPageRequest& request) {
  const char* dir = request.descending ? " DESC" : " ASC";
  std::string order = std::string(" ORDER BY ") + sortColumnName(request.sort) + dir;
  if (request.sort != FlowSortColumn::Id) order += std::string(", id") + dir;
  order += " LIMIT " + std::to_string(request.limit) + " OFFSET " + std::to_string(request.offset);
  const bool inStartIndex = request.sort == FlowSortColumn::Duration || request.sort == FlowSortColumn::ReqSize ||
                            request.sort == FlowSortColumn::ResSize;
  Result<SqliteStatement> stmt = Error{""};
  std::optional<std::vector<uint64_t>> pageIds;
  if (inStartIndex) {
    auto common = commonTermPageIds(request);
    if (!common) return common.error();
    pageIds = std::move(*common);
  }
  if (pageIds) {
    if (pageIds->empty()) return std::vector<FlowSummary>{};
    std::string list;
    for (uint64_t id : *pageIds) list += (list.empty() ? "" : ",") + std::to_string(id);
    stmt = m_db.prepare(std::string("SELECT ") + kFlowSummaryColumns + " FROM flows WHERE id IN (" + list + ")" +
                        " ORDER BY " + sortColumnName(request.sort) + dir + ", id" + dir);
  } else if (inStartIndex) {
    // Duration and sizes ride in the narrow flows_start index (schema), not in one of their own:
    // the page's ids come from that index (filtered there, or through the filter's own index)
    // with a top-N sort, then only those rows are read. Walking the wide rows instead costs ~1 s
    // at 1M flows.
    const std::string ordering = std::string(" ORDER BY ") + sortColumnName(request.sort) + dir + ", id" + dir;
    std::string sql = std::string("SELECT ") + kFlowSummaryColumns + " FROM flows WHERE id IN (SELECT id FROM flows";
    if (!request.filter.where.empty()) sql += " WHERE (" + request.filter.where + ")";
    sql += ordering + " LIMIT " + std::to_string(request.limit) + " OFFSET " + std::to_string(request.offset) + ")" +
           ordering;
    stmt = m_db.prepare(sql);
    if (!stmt) return Error{"invalid filter SQL: " + stmt.error().message};
    for (size_t i = 0; i < request.filter.params.size(); ++i) {
      stmt->bindValue(static_cast<int>(i + 1), request.filter.params[i]);
    }
  } else {
    // A full-text filter collects its matching ids once (FTS doclists, ~25 ms per 100k matches), then
    // the page walks flows in order. Probing the index per row instead costs a whole prefix
    // doclist per probe in FTS5 (the last token is a prefix), seconds for a common word.
    auto narrow = narrowed(request.filter);
    if (!narrow) return narrow.error();
    stmt = prepareFiltered(std::string("SELECT ") + kFlowSummaryColumns + " FROM flows", *narrow, order);
  }
  if (!stmt) return stmt.error();
  std::vector<FlowSummary> out;
  while (true) {
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back(readFlowSummary(*stmt));
  }
  return out;
}

Result<std::vector<uint64_t>> FlowReader::ids(const SqlFilter& filter, int64_t limit, int64_t offset) {
  auto narrow = narrowed(filter);
  if (!narrow) return narrow.error();
  auto stmt = prepareFiltered("SELECT id FROM flows", *narrow,
                              " ORDER BY id LIMIT " + std::to_string(limit) + " OFFSET " + std::to_string(offset));
  if (!stmt) return stmt.error();
  std::vector<uint64_t> out;
  while (true) {
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back(static_cast<uint64_t>(stmt->columnInt(0)));
  }
  return out;
}

Result<Flow> FlowReader::loadFlow(uint64_t id) {
  auto& s = m_loadFlow;
  s.bindInt(1, static_cast<int64_t>(id));
  auto row = s.step();
  if (!row) {
    s.reset();
    return row.error();
  }
  if (!*row) {
    s.reset();
    return Error{"no flow " + std::to_string(id) + " in this session"};
  }
  Flow f;
  f.id = id;
  f.connectionId = static_cast<uint64_t>(s.columnInt(0));
  f.mode = modeFromColumn(s.columnText(1));
  f.kind = kindFromColumn(s.columnText(2));
  f.timing.start = s.columnInt(3);
  f.timing.end = s.columnInt(4);
  f.clientAddress = s.columnText(5);
  f.serverAddress = s.columnText(6);
  Request& req = f.request;
  req.scheme = s.columnText(7);
  req.method = s.columnText(8);
  req.host = s.columnText(9);
  req.port = static_cast<uint16_t>(s.columnInt(10));
  req.path = s.columnText(11);
  if (std::string query = s.columnText(12); !query.empty()) req.path += "?" + query;
  const bool hasResponse = !s.isNull(13);
  f.backend = s.columnText(14);
  if (!s.isNull(15)) f.error = FlowError{errorKindFromColumn(s.columnText(15)), s.columnText(16)};
  f.tags = tagsFromColumn(s.columnText(17));
  f.replayOf = static_cast<uint64_t>(s.columnInt(18));
  req.headers = headersFromJson(s.columnText(19));
  req.target = s.columnText(21);
  versionFromColumn(s.columnText(22), req.versionMajor, req.versionMinor);
  if (hasResponse) {
    Response res;
    res.status = static_cast<int>(s.columnInt(13));
    res.headers = headersFromJson(s.columnText(20));
    versionFromColumn(s.columnText(23), res.versionMajor, res.versionMinor);
    res.reason = s.columnText(24);
    res.body.size = static_cast<uint64_t>(s.columnInt(35));
    f.response = std::move(res);
  }
  f.timing.requestHeaders = s.columnInt(25);
  f.timing.dnsDone = s.columnInt(26);
  f.timing.connectDone = s.columnInt(27);
  f.timing.tlsDone = s.columnInt(28);
  f.timing.requestSent = s.columnInt(29);
  f.timing.responseStart = s.columnInt(30);
  f.timing.responseHeaders = s.columnInt(31);
  f.bytesFromClient = static_cast<uint64_t>(s.columnInt(32));
  f.bytesToClient = static_cast<uint64_t>(s.columnInt(33));
  req.body.size = static_cast<uint64_t>(s.columnInt(34));
  if (!s.isNull(36)) f.extensions = s.columnText(36);
  s.reset();

  auto& b = m_loadBodies;
  b.bindInt(1, static_cast<int64_t>(id));
  while (true) {
    auto bodyRow = b.step();
    if (!bodyRow) {
      b.reset();
      return bodyRow.error();
    }
    if (!*bodyRow) break;
    Body* body = b.columnText(0) == "req" ? &req.body : (f.response ? &f.response->body : nullptr);
    if (body == nullptr) continue;
    body->size = static_cast<uint64_t>(b.columnInt(1));
    body->captured = b.columnBlob(2);
  }
  b.reset();
  return f;
}

Result<int64_t> FlowReader::forEachFlow(const SqlFilter& filter, const std::function<bool(const Flow&)>& visit) {
  // Ids in pages, flows one by one: the id list of a page is small, and loadFlow() reuses its
  // prepared statements.
  constexpr int64_t kPage = 1000;
  int64_t visited = 0;
  uint64_t after = 0;
  while (true) {
    SqlFilter page = filter;
    page.where = filter.where.empty() ? "id > ?" : "(" + filter.where + ") AND id > ?";
    page.params.emplace_back(static_cast<int64_t>(after));
    auto ids = this->ids(page, kPage);
    if (!ids) return ids.error();
    for (uint64_t id : *ids) {
      auto flow = loadFlow(id);
      if (!flow) return flow.error();
      ++visited;
      if (!visit(*flow)) return visited;
    }
    if (static_cast<int64_t>(ids->size()) < kPage) return visited;
    after = ids->back();
  }
}

Result<int64_t> FlowReader::fullTextPending() {
  // The queue plus the flows past the watermark (flow_row_writer.h); no watermark: only the queue.
  return m_db.queryInt(
      "SELECT (SELECT count(*) FROM fts_pending) + (SELECT count(*) FROM flows WHERE id >= coalesce("
      "(SELECT CAST(value AS INTEGER) FROM session_info WHERE key = 'fts_watermark'), 9223372036854775807))");
}

Result<std::optional<std::string>> FlowReader::bodyText(uint64_t id, const std::string& part) {
  auto stmt = m_db.prepare("SELECT text FROM bodies WHERE flow_id = ?1 AND part = ?2");
  if (!stmt) return stmt.error();
  stmt->bindInt(1, static_cast<int64_t>(id));
  stmt->bindText(2, part);
  auto row = stmt->step();
  if (!row) return row.error();
  if (!*row || stmt->isNull(0)) return std::optional<std::string>();
  return std::optional<std::string>(stmt->columnText(0));
}

}  // namespace ps::engine
