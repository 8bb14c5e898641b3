#include "engine/store/flow_store_schema.h"

#include <string>

namespace ps::engine {

namespace {

// One row per flow. Columns up to res_headers are the contract with engine/query; later ones are the
// store's own (everything loadFlow() needs to rebuild a Flow). Times are epoch microseconds, 0 when
// the phase did not happen.
constexpr const char* kSchema = R"sql(
CREATE TABLE flows (
  id            INTEGER PRIMARY KEY,  -- Flow.id (engine-assigned, grows with time: "oldest" = lowest)
  connection_id INTEGER,              -- client connection the flow arrived on
  mode          TEXT,                 -- 'forward' | 'reverse'
  kind          TEXT,                 -- 'http' | 'tunnel' | 'websocket'
  start_us      INTEGER,              -- Timing.start
  end_us        INTEGER,              -- Timing.end (0 while in progress)
  duration_us   INTEGER,              -- Timing.durationMicros()
  client        TEXT,                 -- client address "127.0.0.1:54321"
  server        TEXT,                 -- upstream endpoint connected to
  scheme        TEXT,                 -- 'http' | 'https'
  method        TEXT,                 -- request method as received
  host          TEXT,                 -- lower-case host, no IPv6 brackets
  port          INTEGER,
  path          TEXT,                 -- path without the query
  query         TEXT,                 -- query without '?', '' if none
  url           TEXT,                 -- Request::url()
  status        INTEGER,              -- NULL when no response (yet)
  req_type      TEXT,                 -- request Content-Type as sent, NULL if absent
  res_type      TEXT,                 -- response Content-Type, NULL if absent
  req_size      INTEGER,              -- request body bytes seen (Body.size, not only captured)
  res_size      INTEGER,              -- response body bytes seen, NULL when no response
  backend       TEXT,                 -- reverse mode backend, '' if none
  error_kind    TEXT,                 -- toString(ErrorKind), NULL when no error
  error         TEXT,                 -- error message, NULL when no error
  tags          TEXT,                 -- ' tag1 tag2 ' (space padded for LIKE '% tag %'); '  ' if none
  replay_of     INTEGER,              -- id of the replayed flow, 0 if none
  req_headers   TEXT,                 -- JSON [[name, value], ...] exactly as received
  res_headers   TEXT,                 -- JSON array, NULL when no response
  -- store-private columns --------------------------------------------------------------------
  target        TEXT,                 -- request-target exactly as received
  req_version   TEXT,                 -- '1.1'
  res_version   TEXT,                 -- NULL when no response
  reason        TEXT,                 -- response reason phrase, NULL when no response
  t_req_headers INTEGER,              -- Timing.requestHeaders
  t_dns         INTEGER,              -- Timing.dnsDone
  t_connect     INTEGER,              -- Timing.connectDone
  t_tls         INTEGER,              -- Timing.tlsDone
  t_req_sent    INTEGER,              -- Timing.requestSent
  t_res_start   INTEGER,              -- Timing.responseStart
  t_res_headers INTEGER,              -- Timing.responseHeaders
  bytes_from_client INTEGER,          -- wire bytes client→proxy
  bytes_to_client   INTEGER,          -- wire bytes proxy→client
  complete      INTEGER NOT NULL DEFAULT 0,  -- 1 once the Finished snapshot (or an import) is stored
  stored_bytes  INTEGER NOT NULL DEFAULT 0,  -- captured body bytes held in `bodies` (retention)
  extensions    TEXT                  -- JSON object of unknown HAR fields kept on import, NULL if none
);
-- Whether flows_fts holds a row's current document is "id below session_info 'fts_watermark' and not
-- in fts_pending" (flow_row_writer.h; the writer keeps them in step), so indexing never rewrites the
-- flows row.
-- Bodies out of line, so scans and sorts of `flows` never touch body pages. Most textual bodies are
-- sent without a content-coding: their decoded text is the captured bytes, so it is stored once
-- (text NULL, text_is_data 1) and the contract's `bodies.text` is derived by the view below.
CREATE TABLE body_data (
  flow_id   INTEGER,                  -- flows.id
  part      TEXT,                     -- 'req' | 'res'
  encoding  TEXT,                     -- Content-Encoding as received ('' if none)
  size      INTEGER,                  -- body bytes seen (Body.size)
  truncated INTEGER,                  -- 1 when only the first bytes were captured
  data      BLOB,                     -- captured bytes as on the wire (content-coding kept)
  text      TEXT,                     -- decoded text when it differs from data, else NULL
  text_is_data INTEGER NOT NULL DEFAULT 0,  -- 1: the decoded text is exactly `data`
  PRIMARY KEY (flow_id, part)
);
-- The contract's table (engine/query targets it): text = decoded text for textual bodies, else NULL.
CREATE VIEW bodies AS SELECT flow_id, part, encoding, size, truncated, data,
  CASE WHEN text_is_data THEN CAST(data AS TEXT) ELSE text END AS text FROM body_data;
-- Full text (rowid = flows.id), in two tables (engine/query/full_text_sql.h says how a search uses
-- them): flows_fts holds url and headers as "Name: value" lines with positions (phrases such as a
-- host name match in the index); flows_body_fts the decoded request/response text without
-- positions (detail=none: half the indexing CPU and a quarter of the index, for a per-candidate
-- phrase check on search). Contentless: the text already lives in flows/bodies; a second copy would
-- double the file. The writer re-derives the old document when it updates a flow (FTS5 'delete'
-- needs the old values). Bodies are indexed up to kFullTextBodyBytes (engine/query/full_text.h): a
-- word after the first 64 KiB of a body is found by body: filters (bodies.text), not by bare words.
-- Files written before the split have one flows_fts(url, headers, req_body, res_body) instead
-- (FullTextLayout::Combined), still read and appended to.
CREATE VIRTUAL TABLE flows_fts USING fts5(url, headers, content='');
CREATE VIRTUAL TABLE flows_body_fts USING fts5(req_body, res_body, content='', detail=none);
-- Flows below the watermark whose current document is not yet in flows_fts (rewritten after being
-- indexed, or written late). Indexing costs several times a row write, so the writer commits rows
-- first and indexes the queue, then the flows past the watermark, whenever the engine leaves it
-- slack (same file, same transactions: a crash never loses what is left to index).
CREATE TABLE fts_pending (flow_id INTEGER PRIMARY KEY);
-- Indexes for the table's default sort (start) and the common field filters (1M-row sessions). Each
-- index costs every insert, so the other sort columns go without one of their own.
-- flows_start (with id, the table's tie-break, as its second key) also carries duration and sizes: its entries are appended in start order (a flow's
-- final snapshot rewrites its entry in place, near the end), while an index on duration itself put
-- every insert at a random leaf, one dirty 8 KiB page a flow once the session outgrew the batch
-- (~10 µs a flow at 200k flows, a third of the writer). Sorting by duration or size scans this
-- narrow index (~20 bytes an entry) instead of the wide rows, and sorts in memory
-- (flow_page_reader.cpp, FlowReader::page).
CREATE INDEX flows_start ON flows(start_us, id, duration_us, req_size, res_size);
CREATE INDEX flows_host ON flows(host);
CREATE INDEX flows_status ON flows(status);
-- Key/value facts about the session (creator version, created time).
CREATE TABLE session_info (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
)sql";

}  // namespace

Result<void> configureWriter(SqliteDb& db) {
  // WAL: readers (GUI, CLI) never block the writer. synchronous=NORMAL: a commit is in the WAL
  // before the next batch starts, so kill -9 loses at most the batch being written (only power
  // loss can lose more). wal_autocheckpoint 8192 pages (32 MiB): fewer checkpoint fsyncs under a
  // capture storm than the default 1000; journal_size_limit truncates the WAL back to 64 MiB after a
  // checkpoint so a storm does not leave a huge -wal file behind.
  // page_size 8192 (new files only; a no-op on existing ones): 1 KiB bodies pack 7 to a page
  // instead of 3, ~15 % less file for body_data, and FTS5 segments overflow less.
  if (auto r = db.exec("PRAGMA page_size=8192; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY;"
                       "PRAGMA cache_size=-32768; PRAGMA wal_autocheckpoint=8192; PRAGMA journal_size_limit=67108864;");
      !r) {
    return r;
  }
  return {};
}

Result<void> createSchema(SqliteDb& db) {
  std::string sql = "BEGIN;";
  sql += kSchema;
  sql += "PRAGMA application_id=" + std::to_string(kSessionApplicationId) + ";";
  sql += "PRAGMA user_version=" + std::to_string(kSessionSchemaVersion) + ";";
  sql += "INSERT INTO session_info VALUES ('format', 'proxyscope-session');";
  // FTS5 flushes its in-memory term hash into a new segment when it passes hashsize or at commit.
  // 8 MiB (default 1 MiB) lets one indexing transaction become one segment: ~2x indexing speed.
  // automerge 8 (default 4): the writer commits a small segment per indexing transaction; merging
  // later and in bigger steps halves the rewrite of index pages under a steady capture.
  for (const char* table : {"flows_fts", "flows_body_fts"}) {
    sql += std::string("INSERT INTO ") + table + " (" + table + ", rank) VALUES ('hashsize', 8388608);";
    sql += std::string("INSERT INTO ") + table + " (" + table + ", rank) VALUES ('automerge', 8);";
  }
  sql += "COMMIT;";
  if (auto r = db.exec(sql); !r) {
    (void)db.exec("ROLLBACK;");
    return Error{"cannot create the session schema: " + r.error().message};
  }
  return {};
}

Result<void> checkSchema(SqliteDb& db, const std::string& path) {
  // The first read of the header is where SQLite notices "file is not a database".
  auto appId = db.queryInt("PRAGMA application_id");
  if (!appId) {
    return Error{path + " is not a Proxyscope session (not an SQLite database: " + appId.error().message + ")"};
  }
  if (*appId != kSessionApplicationId) {
    return Error{path + " is an SQLite database but not a Proxyscope session (application_id " +
                 std::to_string(*appId) + ")"};
  }
  auto version = db.queryInt("PRAGMA user_version");
  if (!version) return Error{path + " cannot be read: " + version.error().message};
  if (*version != kSessionSchemaVersion) {
    return Error{path + " is a Proxyscope session of format version " + std::to_string(*version) +
                 ", this build reads version " + std::to_string(kSessionSchemaVersion)};
  }
  auto tables = db.queryInt(
      "SELECT count(*) FROM sqlite_schema WHERE type='table' AND name IN ('flows','body_data','flows_fts','fts_pending')");
  if (!tables || *tables != 4) {
    return Error{path + " is damaged: Proxyscope session tables are missing"};
  }
  // A cheap structural check (page 1 and the schema parse); full integrity_check would read the
  // whole file, too slow for a 1M-flow session at open.
  if (auto probe = db.queryInt("SELECT count(*) FROM (SELECT id FROM flows ORDER BY id DESC LIMIT 1)"); !probe) {
    return Error{path + " is damaged: " + probe.error().message};
  }
  return {};
}

Result<FullTextLayout> fullTextLayout(SqliteDb& db) {
  auto split = db.queryInt("SELECT count(*) FROM sqlite_schema WHERE type='table' AND name='flows_body_fts'");
  if (!split) return split.error();
  return *split != 0 ? FullTextLayout::Split : FullTextLayout::Combined;
}

Result<FullTextLayout> prepareForFilters(SqliteDb& db) {
  auto layout = fullTextLayout(db);
  if (!layout || *layout == FullTextLayout::Split) return layout;
  // The combined flows_fts matches the whole phrase in all four columns; the body half of the
  // compiled query then finds nothing more.
  if (auto r = db.exec("CREATE VIRTUAL TABLE IF NOT EXISTS temp.flows_body_fts USING fts5(req_body, res_body, content='', detail=none)");
      !r) {
    return r.error();
  }
  return layout;
}

}  // namespace ps::engine
