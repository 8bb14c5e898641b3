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
  fts_indexed   INTEGER NOT NULL DEFAULT 0   -- 1 while flows_fts holds this row's current document
);
-- Bodies out of line, so scans and sorts of `flows` never touch body pages.
CREATE TABLE bodies (
  flow_id   INTEGER,                  -- flows.id
  part      TEXT,                     -- 'req' | 'res'
  encoding  TEXT,                     -- Content-Encoding as received ('' if none)
  size      INTEGER,                  -- body bytes seen (Body.size)
  truncated INTEGER,                  -- 1 when only the first bytes were captured
  data      BLOB,                     -- captured bytes as on the wire (content-coding kept)
  text      TEXT,                     -- decoded text for textual bodies, else NULL
  PRIMARY KEY (flow_id, part)
);
-- Full text (rowid = flows.id): url, headers as "Name: value" lines, decoded request/response text.
-- Contentless: the text already lives in flows/bodies; a second copy would double the file. The
-- writer re-derives the old document when it updates a flow (FTS5 'delete' needs the old values).
CREATE VIRTUAL TABLE flows_fts USING fts5(url, headers, req_body, res_body, content='');
-- Flows whose current document is not yet in flows_fts. Indexing costs several times a row write,
-- so the writer commits rows first and indexes from this queue whenever the engine leaves it slack
-- (same file, same transactions: a crash never loses the queue).
CREATE TABLE fts_pending (flow_id INTEGER PRIMARY KEY);
-- Indexes for the table's sort columns and the common field filters (1M-row sessions).
CREATE INDEX flows_start ON flows(start_us);
CREATE INDEX flows_host ON flows(host);
CREATE INDEX flows_status ON flows(status);
CREATE INDEX flows_duration ON flows(duration_us);
CREATE INDEX flows_res_size ON flows(res_size);
-- Key/value facts about the session (creator version, created time).
CREATE TABLE session_info (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
)sql";

}  // namespace

Result<void> configureWriter(SqliteDb& db) {
  // WAL: readers (GUI, CLI) never block the writer. synchronous=NORMAL: a commit is in the WAL
  // before the next batch starts, so kill -9 loses at most the batch being written (only power
  // loss can lose more). wal_autocheckpoint 8192 pages (32 MiB): fewer checkpoint fsyncs under a
  // capture storm than the default 1000.
  if (auto r = db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY;"
                       "PRAGMA cache_size=-32768; PRAGMA wal_autocheckpoint=8192;");
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
  sql += "INSERT INTO flows_fts (flows_fts, rank) VALUES ('hashsize', 8388608);";
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
      "SELECT count(*) FROM sqlite_schema WHERE type='table' AND name IN ('flows','bodies','flows_fts','fts_pending')");
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

}  // namespace ps::engine
