#include "tests/support/contract_db.h"

#include <sqlite3.h>
#include <QtGlobal>

#include <optional>
#include <variant>

#include "engine/query/full_text.h"
#include "engine/query/sql_functions.h"
#include "engine/store/body_text.h"

namespace ps::test {

using namespace ps::engine;

namespace {

const char* const kSchema = R"sql(
CREATE TABLE flows (
  id INTEGER PRIMARY KEY, connection_id INTEGER, mode TEXT, kind TEXT, start_us INTEGER, end_us INTEGER,
  duration_us INTEGER, client TEXT, server TEXT, scheme TEXT, method TEXT, host TEXT, port INTEGER,
  path TEXT, query TEXT, url TEXT, status INTEGER, req_type TEXT, res_type TEXT, req_size INTEGER,
  res_size INTEGER, backend TEXT, error_kind TEXT, error TEXT, tags TEXT, replay_of INTEGER,
  req_headers TEXT, res_headers TEXT);
CREATE TABLE bodies (flow_id INTEGER, part TEXT, encoding TEXT, size INTEGER, truncated INTEGER, data BLOB,
  text TEXT, PRIMARY KEY (flow_id, part));
CREATE VIRTUAL TABLE flows_fts USING fts5(url, headers);
CREATE VIRTUAL TABLE flows_body_fts USING fts5(req_body, res_body, detail=none);
)sql";

using OptText = std::optional<std::string>;

std::string jsonString(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    const auto u = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

// Contract: a JSON array of [name, value] pairs, exactly as received.
std::string headersJson(const Headers& h) {
  std::string out = "[";
  for (const auto& f : h) {
    if (out.size() > 1) out += ',';
    out += "[" + jsonString(f.name) + "," + jsonString(f.value) + "]";
  }
  return out + "]";
}

// Contract: headers in the full-text index as "Name: value\n" lines, request then response.
std::string headerLines(const Headers& h) {
  std::string out;
  for (const auto& f : h) out += f.name + ": " + f.value + "\n";
  return out;
}

OptText contentType(const Headers& h) {
  auto v = h.get("content-type");
  return v ? OptText(std::string(*v)) : std::nullopt;
}

void bindText(sqlite3_stmt* st, int i, const OptText& v) {
  if (v)
    sqlite3_bind_text(st, i, v->data(), static_cast<int>(v->size()), SQLITE_TRANSIENT);
  else
    sqlite3_bind_null(st, i);
}

bool stepDone(sqlite3* db, sqlite3_stmt* st) {
  const int rc = sqlite3_step(st);
  if (rc != SQLITE_DONE) qWarning("insert failed: %s", sqlite3_errmsg(db));
  sqlite3_finalize(st);
  return rc == SQLITE_DONE;
}

bool insertBody(ContractDb& db, uint64_t id, const char* part, const Headers& h, const Body& b, const OptText& text) {
  if (b.captured.empty()) return true;
  sqlite3_stmt* st = db.prepare("INSERT INTO bodies VALUES (?, ?, ?, ?, ?, ?, ?)");
  if (!st) return false;
  sqlite3_bind_int64(st, 1, static_cast<int64_t>(id));
  bindText(st, 2, std::string(part));
  auto enc = h.get("content-encoding");
  bindText(st, 3, enc ? OptText(std::string(*enc)) : std::nullopt);
  sqlite3_bind_int64(st, 4, static_cast<int64_t>(b.size));
  sqlite3_bind_int(st, 5, b.truncated() ? 1 : 0);
  sqlite3_bind_blob(st, 6, b.captured.data(), static_cast<int>(b.captured.size()), SQLITE_TRANSIENT);
  bindText(st, 7, text);
  return stepDone(db.handle(), st);
}

}  // namespace

ContractDb::ContractDb() {
  sqlite3_open(":memory:", &m_db);
  registerSqlFunctions(m_db);
  exec(kSchema);
}

ContractDb::~ContractDb() { sqlite3_close(m_db); }

bool ContractDb::exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, &err) == SQLITE_OK) return true;
  qWarning("exec failed: %s", err ? err : "?");
  sqlite3_free(err);
  return false;
}

sqlite3_stmt* ContractDb::prepare(const std::string& sql) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(m_db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    qWarning("prepare failed: %s\n%s", sqlite3_errmsg(m_db), sql.c_str());
    return nullptr;
  }
  return st;
}

bool ContractDb::insert(const Flow& f) {
  sqlite3_stmt* st = prepare(
      "INSERT INTO flows VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,"
      "?24,?25,?26,?27,?28)");
  if (!st) return false;
  const Request& r = f.request;
  const auto q = r.path.find('?');
  std::string tags = " ";
  for (const auto& t : f.tags) tags += t + " ";
  if (f.tags.empty()) tags = "  ";
  std::string host = r.host;
  for (char& ch : host) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  const Response* res = f.response ? &*f.response : nullptr;
  sqlite3_bind_int64(st, 1, static_cast<int64_t>(f.id));
  sqlite3_bind_int64(st, 2, static_cast<int64_t>(f.connectionId));
  bindText(st, 3, std::string(f.mode == ProxyMode::Forward ? "forward" : "reverse"));
  bindText(st, 4, std::string(f.kind == FlowKind::Http ? "http" : f.kind == FlowKind::Tunnel ? "tunnel" : "websocket"));
  sqlite3_bind_int64(st, 5, f.timing.start);
  sqlite3_bind_int64(st, 6, f.timing.end);
  sqlite3_bind_int64(st, 7, f.timing.durationMicros());
  bindText(st, 8, f.clientAddress);
  bindText(st, 9, f.serverAddress);
  bindText(st, 10, r.scheme);
  bindText(st, 11, r.method);
  bindText(st, 12, host);
  sqlite3_bind_int(st, 13, r.port);
  bindText(st, 14, r.path.substr(0, q));
  bindText(st, 15, q == std::string::npos ? std::string() : r.path.substr(q + 1));
  bindText(st, 16, r.url());
  if (res)
    sqlite3_bind_int(st, 17, res->status);
  else
    sqlite3_bind_null(st, 17);
  bindText(st, 18, contentType(r.headers));
  bindText(st, 19, res ? contentType(res->headers) : std::nullopt);
  sqlite3_bind_int64(st, 20, static_cast<int64_t>(r.body.size));
  if (res)
    sqlite3_bind_int64(st, 21, static_cast<int64_t>(res->body.size));
  else
    sqlite3_bind_null(st, 21);
  bindText(st, 22, f.backend);
  bindText(st, 23, f.error ? OptText(toString(f.error->kind)) : std::nullopt);
  bindText(st, 24, f.error ? OptText(f.error->message) : std::nullopt);
  bindText(st, 25, tags);
  sqlite3_bind_int64(st, 26, static_cast<int64_t>(f.replayOf));
  bindText(st, 27, headersJson(r.headers));
  bindText(st, 28, res ? OptText(headersJson(res->headers)) : std::nullopt);
  if (!stepDone(m_db, st)) return false;

  const OptText reqText = bodyText(r.body.captured, r.headers, r.body.truncated());
  const OptText resText = res ? bodyText(res->body.captured, res->headers, res->body.truncated()) : std::nullopt;
  if (!insertBody(*this, f.id, "req", r.headers, r.body, reqText)) return false;
  if (res && !insertBody(*this, f.id, "res", res->headers, res->body, resText)) return false;

  st = prepare("INSERT INTO flows_fts(rowid, url, headers) VALUES (?, ?, ?)");
  if (!st) return false;
  sqlite3_bind_int64(st, 1, static_cast<int64_t>(f.id));
  bindText(st, 2, r.url());
  bindText(st, 3, headerLines(r.headers) + (res ? headerLines(res->headers) : std::string()));
  if (!stepDone(m_db, st)) return false;
  // Bodies are indexed as far as kFullTextBodyBytes (full_text.h).
  auto indexed = [](const OptText& text) { return text ? OptText(std::string(fullTextBodyPrefix(*text))) : std::nullopt; };
  st = prepare("INSERT INTO flows_body_fts(rowid, req_body, res_body) VALUES (?, ?, ?)");
  if (!st) return false;
  sqlite3_bind_int64(st, 1, static_cast<int64_t>(f.id));
  bindText(st, 2, indexed(reqText));
  bindText(st, 3, indexed(resText));
  return stepDone(m_db, st);
}

sqlite3_stmt* ContractDb::run(const SqlFilter& filter, const char* select) {
  std::string sql = select;
  if (!filter.where.empty()) sql += " WHERE " + filter.where;
  sqlite3_stmt* st = prepare(sql);
  if (!st) return nullptr;
  for (size_t i = 0; i < filter.params.size(); ++i) {
    const int index = static_cast<int>(i + 1);
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, int64_t>)
            sqlite3_bind_int64(st, index, v);
          else if constexpr (std::is_same_v<T, double>)
            sqlite3_bind_double(st, index, v);
          else
            sqlite3_bind_text(st, index, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
        },
        filter.params[i]);
  }
  return st;
}

std::set<int64_t> ContractDb::query(const SqlFilter& filter) {
  sqlite3_stmt* st = run(filter, "SELECT id FROM flows");
  if (!st) return {-1};
  std::set<int64_t> ids;
  int rc = 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) ids.insert(sqlite3_column_int64(st, 0));
  if (rc != SQLITE_DONE) {
    qWarning("step failed: %s", sqlite3_errmsg(m_db));
    ids = {-1};
  }
  sqlite3_finalize(st);
  return ids;
}

int64_t ContractDb::count(const SqlFilter& filter) {
  sqlite3_stmt* st = run(filter, "SELECT count(*) FROM flows");
  if (!st) return -1;
  int64_t n = -1;
  if (sqlite3_step(st) == SQLITE_ROW)
    n = sqlite3_column_int64(st, 0);
  else
    qWarning("step failed: %s", sqlite3_errmsg(m_db));
  sqlite3_finalize(st);
  return n;
}

}  // namespace ps::test
