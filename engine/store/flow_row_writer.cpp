#include "engine/store/flow_row_writer.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "engine/query/full_text.h"
#include "engine/store/body_text.h"
#include "engine/store/flow_row_codec.h"

namespace ps::engine {

namespace {

constexpr const char* kUpsertFlow = R"sql(
INSERT OR REPLACE INTO flows (
  id, connection_id, mode, kind, start_us, end_us, duration_us, client, server, scheme, method, host,
  port, path, query, url, status, req_type, res_type, req_size, res_size, backend, error_kind, error,
  tags, replay_of, req_headers, res_headers, target, req_version, res_version, reason, t_req_headers,
  t_dns, t_connect, t_tls, t_req_sent, t_res_start, t_res_headers, bytes_from_client, bytes_to_client,
  complete, stored_bytes, extensions)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,
        ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36, ?37, ?38, ?39,
        ?40, ?41, ?42, ?43, ?44))sql";

void bindFtsBody(SqliteStatement& s, int index, bool isNull, const std::string& text) {
  if (isNull) {
    s.bindNull(index);
  } else {
    s.bindTextStatic(index, fullTextBodyPrefix(text));  // insert and delete cut the same way
  }
}

}  // namespace

Result<FlowRowWriter> FlowRowWriter::prepare(SqliteDb& db) {
  FlowRowWriter w;
  struct Item {
    SqliteStatement* stmt;
    const char* sql;
  } items[] = {
      {&w.m_selectOld,
       "SELECT f.url, f.req_headers, f.res_headers, f.stored_bytes, f.complete, "
       "NOT EXISTS (SELECT 1 FROM fts_pending WHERE flow_id = ?1), "
       "(SELECT text FROM bodies WHERE flow_id = ?1 AND part = 'req'), "
       "(SELECT text FROM bodies WHERE flow_id = ?1 AND part = 'res') FROM flows f WHERE f.id = ?1"},
      {&w.m_upsertFlow, kUpsertFlow},
      {&w.m_upsertBody,
       "INSERT OR REPLACE INTO body_data (flow_id, part, encoding, size, truncated, data, text, text_is_data) "
       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"},
      {&w.m_deleteBody, "DELETE FROM body_data WHERE flow_id = ?1 AND part = ?2"},
      {&w.m_deleteFlow, "DELETE FROM flows WHERE id = ?1"},
      {&w.m_deleteBodies, "DELETE FROM body_data WHERE flow_id = ?1"},
      {&w.m_queuePending, "INSERT OR IGNORE INTO fts_pending (flow_id) VALUES (?1)"},
      {&w.m_selectPending,
       "SELECT p.flow_id, f.url, f.req_headers, f.res_headers, "
       "(SELECT text FROM bodies WHERE flow_id = p.flow_id AND part = 'req'), "
       "(SELECT text FROM bodies WHERE flow_id = p.flow_id AND part = 'res') "
       "FROM fts_pending p JOIN flows f ON f.id = p.flow_id ORDER BY p.flow_id LIMIT ?1"},
      {&w.m_unqueuePending, "DELETE FROM fts_pending WHERE flow_id = ?1"},
      {&w.m_selectBeyond,
       "SELECT f.id, f.url, f.req_headers, f.res_headers, "
       "(SELECT text FROM bodies WHERE flow_id = f.id AND part = 'req'), "
       "(SELECT text FROM bodies WHERE flow_id = f.id AND part = 'res') "
       "FROM flows f WHERE f.id >= ?1 ORDER BY f.id LIMIT ?2"},
      {&w.m_saveWatermark, "INSERT OR REPLACE INTO session_info (key, value) VALUES ('fts_watermark', ?1)"},
  };
  auto layout = fullTextLayout(db);
  if (!layout) return Error{"cannot prepare the session writer: " + layout.error().message};
  w.m_layout = *layout;
  // The document's statements: heads and bodies apart (Split), or one row of four columns.
  const std::vector<Item> fullText =
      w.m_layout == FullTextLayout::Split
          ? std::vector<Item>{{&w.m_ftsDelete, "INSERT INTO flows_fts (flows_fts, rowid, url, headers) VALUES ('delete', ?1, ?2, ?3)"},
                              {&w.m_ftsInsert, "INSERT INTO flows_fts (rowid, url, headers) VALUES (?1, ?2, ?3)"},
                              {&w.m_ftsBodyDelete,
                               "INSERT INTO flows_body_fts (flows_body_fts, rowid, req_body, res_body) VALUES ('delete', ?1, ?2, ?3)"},
                              {&w.m_ftsBodyInsert, "INSERT INTO flows_body_fts (rowid, req_body, res_body) VALUES (?1, ?2, ?3)"}}
          : std::vector<Item>{{&w.m_ftsDelete,
                               "INSERT INTO flows_fts (flows_fts, rowid, url, headers, req_body, res_body) "
                               "VALUES ('delete', ?1, ?2, ?3, ?4, ?5)"},
                              {&w.m_ftsInsert, "INSERT INTO flows_fts (rowid, url, headers, req_body, res_body) VALUES (?1, ?2, ?3, ?4, ?5)"}};
  for (const auto& item : fullText) {
    auto stmt = db.prepare(item.sql);
    if (!stmt) return Error{"cannot prepare the session writer: " + stmt.error().message};
    *item.stmt = std::move(*stmt);
  }
  for (auto& item : items) {
    auto stmt = db.prepare(item.sql);
    if (!stmt) return Error{"cannot prepare the session writer: " + stmt.error().message};
    *item.stmt = std::move(*stmt);
  }
  auto maxId = db.queryInt("SELECT coalesce(max(id), 0) FROM flows");
  if (!maxId) return Error{"cannot prepare the session writer: " + maxId.error().message};
  w.m_maxId = *maxId;
  auto watermark = db.queryInt("SELECT coalesce((SELECT CAST(value AS INTEGER) FROM session_info WHERE key = 'fts_watermark'), -1)");
  if (!watermark) return Error{"cannot prepare the session writer: " + watermark.error().message};
  if (*watermark < 0) {
    // A new file, or one written before the watermark: everything unindexed is in fts_pending.
    w.m_ftsWatermark = *maxId + 1;
    w.m_saveWatermark.bindText(1, std::to_string(w.m_ftsWatermark));
    auto r = w.m_saveWatermark.run();
    w.m_saveWatermark.reset();
    if (!r) return Error{"cannot prepare the session writer: " + r.error().message};
  } else {
    w.m_ftsWatermark = *watermark;
  }
  return w;
}

Result<FlowRowWriter::OldRow> FlowRowWriter::readOld(uint64_t id) {
  OldRow old;
  m_selectOld.bindInt(1, static_cast<int64_t>(id));
  auto row = m_selectOld.step();
  if (!row) return row.error();
  if (*row) {
    old.exists = true;
    old.url = m_selectOld.columnText(0);
    old.reqHeaders = m_selectOld.columnText(1);
    old.resHeaders = m_selectOld.columnText(2);
    old.storedBytes = m_selectOld.columnInt(3);
    old.complete = m_selectOld.columnInt(4) != 0;
    old.ftsIndexed = static_cast<int64_t>(id) < m_ftsWatermark && m_selectOld.columnInt(5) != 0;
    old.reqTextNull = m_selectOld.isNull(6);
    old.reqText = m_selectOld.columnText(6);
    old.resTextNull = m_selectOld.isNull(7);
    old.resText = m_selectOld.columnText(7);
  }
  m_selectOld.reset();
  return old;
}

Result<void> FlowRowWriter::writeFtsDocument(SqliteStatement& heads, SqliteStatement& bodies, const FtsDocument& doc) {
  auto runOnce = [](SqliteStatement& s) {
    auto r = s.run();
    s.reset();
    return r;
  };
  heads.bindInt(1, doc.id);
  heads.bindTextStatic(2, doc.url);
  heads.bindTextStatic(3, doc.headers);
  if (m_layout == FullTextLayout::Combined) {  // one row of four columns
    bindFtsBody(heads, 4, doc.reqNull, doc.reqText);
    bindFtsBody(heads, 5, doc.resNull, doc.resText);
    return runOnce(heads);
  }
  if (auto r = runOnce(heads); !r) return r;
  bodies.bindInt(1, doc.id);
  bindFtsBody(bodies, 2, doc.reqNull, doc.reqText);
  bindFtsBody(bodies, 3, doc.resNull, doc.resText);
  return runOnce(bodies);
}

Result<void> FlowRowWriter::deleteFtsDocument(uint64_t id, const OldRow& old) {
  const std::string lines = headerLinesFromJson(old.reqHeaders) + headerLinesFromJson(old.resHeaders);
  return writeFtsDocument(m_ftsDelete, m_ftsBodyDelete,
                          FtsDocument{static_cast<int64_t>(id), old.url, lines, old.reqText, old.resText, old.reqTextNull,
                                      old.resTextNull});
}

Result<FlowRowWriter::Outcome> FlowRowWriter::upsert(const Flow& flow, bool complete) {
  const auto id = static_cast<int64_t>(flow.id);
  // A rolled-back transaction may leave m_maxId above the file's max: those ids are absent, so
  // "new" is still right for them.
  auto old = id > m_maxId ? Result<OldRow>(OldRow{}) : readOld(flow.id);
  if (!old) return old.error();
  m_maxId = std::max(m_maxId, id);
  // The indexed document must leave flows_fts before the row it was derived from changes.
  if (old->ftsIndexed) {
    if (auto r = deleteFtsDocument(flow.id, *old); !r) return r.error();
  }

  const Request& req = flow.request;
  const Response* res = flow.response ? &*flow.response : nullptr;
  const std::string url = req.url();
  const std::string reqJson = headersToJson(req.headers);
  const std::string resJson = res != nullptr ? headersToJson(res->headers) : std::string();
  auto [path, query] = splitPathQuery(req.path);
  const int64_t storedBytes =
      static_cast<int64_t>(req.body.captured.size() + (res != nullptr ? res->body.captured.size() : 0));

  // Every text is bound without a copy (SQLITE_STATIC): the flow and these locals outlive run().
  const std::string host = asciiLowered(req.host);
  const std::string tags = tagsToColumn(flow.tags);
  const std::string reqVersion = versionToColumn(req.versionMajor, req.versionMinor);
  const std::string resVersion = res != nullptr ? versionToColumn(res->versionMajor, res->versionMinor) : std::string();
  auto& s = m_upsertFlow;
  s.bindInt(1, id);
  s.bindInt(2, static_cast<int64_t>(flow.connectionId));
  s.bindTextStatic(3, modeToColumn(flow.mode));
  s.bindTextStatic(4, kindToColumn(flow.kind));
  s.bindInt(5, flow.timing.start);
  s.bindInt(6, flow.timing.end);
  s.bindInt(7, flow.timing.durationMicros());
  s.bindTextStatic(8, flow.clientAddress);
  s.bindTextStatic(9, flow.serverAddress);
  s.bindTextStatic(10, req.scheme);
  s.bindTextStatic(11, req.method);
  s.bindTextStatic(12, host);
  s.bindInt(13, req.port);
  s.bindTextStatic(14, path);
  s.bindTextStatic(15, query);
  s.bindTextStatic(16, url);
  if (res != nullptr) {
    s.bindInt(17, res->status);
  } else {
    s.bindNull(17);
  }
  if (auto t = req.headers.get("Content-Type")) {
    s.bindTextStatic(18, *t);
  } else {
    s.bindNull(18);
  }
  if (auto t = res != nullptr ? res->headers.get("Content-Type") : std::nullopt) {
    s.bindTextStatic(19, *t);
  } else {
    s.bindNull(19);
  }
  s.bindInt(20, static_cast<int64_t>(req.body.size));
  if (res != nullptr) {
    s.bindInt(21, static_cast<int64_t>(res->body.size));
  } else {
    s.bindNull(21);
  }
  s.bindTextStatic(22, flow.backend);
  if (flow.error && flow.error->kind != ErrorKind::None) {
    s.bindTextStatic(23, toString(flow.error->kind));
    s.bindTextStatic(24, flow.error->message);
  } else {
    s.bindNull(23);
    s.bindNull(24);
  }
  s.bindTextStatic(25, tags);
  s.bindInt(26, static_cast<int64_t>(flow.replayOf));
  s.bindTextStatic(27, reqJson);
  if (res != nullptr) {
    s.bindTextStatic(28, resJson);
  } else {
    s.bindNull(28);
  }
  s.bindTextStatic(29, req.target);
  s.bindTextStatic(30, reqVersion);
  if (res != nullptr) {
    s.bindTextStatic(31, resVersion);
    s.bindTextStatic(32, res->reason);
  } else {
    s.bindNull(31);
    s.bindNull(32);
  }
  s.bindInt(33, flow.timing.requestHeaders);
  s.bindInt(34, flow.timing.dnsDone);
  s.bindInt(35, flow.timing.connectDone);
  s.bindInt(36, flow.timing.tlsDone);
  s.bindInt(37, flow.timing.requestSent);
  s.bindInt(38, flow.timing.responseStart);
  s.bindInt(39, flow.timing.responseHeaders);
  s.bindInt(40, static_cast<int64_t>(flow.bytesFromClient));
  s.bindInt(41, static_cast<int64_t>(flow.bytesToClient));
  s.bindInt(42, (complete || old->complete) ? 1 : 0);
  s.bindInt(43, storedBytes);
  if (flow.extensions.empty()) {
    s.bindNull(44);
  } else {
    s.bindTextStatic(44, flow.extensions);
  }
  if (auto r = s.run(); !r) return r.error();
  s.reset();

  // Bodies: one row per non-empty part; a part that became empty loses its row.
  std::optional<std::string> texts[2];
  const char* parts[2] = {"req", "res"};
  const Body* bodies[2] = {&req.body, res != nullptr ? &res->body : nullptr};
  const Headers* headers[2] = {&req.headers, res != nullptr ? &res->headers : nullptr};
  for (int i = 0; i < 2; ++i) {
    const Body* body = bodies[i];
    if (body == nullptr || (body->size == 0 && body->captured.empty())) {
      if (old->exists) {
        m_deleteBody.bindInt(1, id);
        m_deleteBody.bindText(2, parts[i]);
        auto r = m_deleteBody.run();
        m_deleteBody.reset();
        if (!r) return r.error();
      }
      continue;
    }
    // Most textual bodies carry no content-coding: their text is the captured bytes, known without
    // decoding or copying them.
    const bool textIsData = bodyTextIsCaptured(body->captured, *headers[i]) ||
                            ((texts[i] = bodyText(body->captured, *headers[i], body->truncated())) &&
                             *texts[i] == body->captured);
    std::string encoding;
    for (auto value : headers[i]->getAll("Content-Encoding")) {
      if (!encoding.empty()) encoding += ", ";
      encoding += value;
    }
    auto& b = m_upsertBody;
    b.bindInt(1, id);
    b.bindTextStatic(2, parts[i]);
    b.bindTextStatic(3, encoding);
    b.bindInt(4, static_cast<int64_t>(body->size));
    b.bindInt(5, body->truncated() ? 1 : 0);
    b.bindBlobStatic(6, body->captured);
    // Stored once when the decoded text is the captured bytes (the `bodies` view derives it).
    if (texts[i] && !textIsData) {
      b.bindTextStatic(7, *texts[i]);
    } else {
      b.bindNull(7);
    }
    b.bindInt(8, textIsData ? 1 : 0);
    auto r = b.run();
    b.reset();
    if (!r) return r.error();
  }

  // Past the watermark the flow is unindexed by definition (counted once, when new); below it the
  // row now differs from any document made of it, so it is queued.
  bool queued = !old->exists;
  if (id < m_ftsWatermark) {
    m_queuePending.bindInt(1, id);
    if (auto r = m_queuePending.run(); !r) return r.error();
    queued = m_queuePending.changes() > 0;
    m_queuePending.reset();
  }

  return Outcome{!old->exists, storedBytes - old->storedBytes, queued};
}

Result<int64_t> FlowRowWriter::remove(uint64_t id) {
  auto old = readOld(id);
  if (!old) return old.error();
  if (!old->exists) return int64_t{-1};
  if (old->ftsIndexed) {
    if (auto r = deleteFtsDocument(id, *old); !r) return r.error();
  }
  m_unqueuePending.bindInt(1, static_cast<int64_t>(id));
  if (auto r = m_unqueuePending.run(); !r) return r.error();
  m_unqueuePending.reset();
  m_deleteFlow.bindInt(1, static_cast<int64_t>(id));
  auto r1 = m_deleteFlow.run();
  m_deleteFlow.reset();
  if (!r1) return r1.error();
  m_deleteBodies.bindInt(1, static_cast<int64_t>(id));
  auto r2 = m_deleteBodies.run();
  m_deleteBodies.reset();
  if (!r2) return r2.error();
  return old->storedBytes;
}

Result<int64_t> FlowRowWriter::indexPending(int64_t limit) {
  struct Doc {
    int64_t id;
    std::string url, headers, reqText, resText;
    bool reqNull, resNull;
    bool queued;  // from fts_pending (else past the watermark)
  };
  std::vector<Doc> docs;
  // The queue first, then the flows past the watermark, both oldest first.
  auto collect = [&](SqliteStatement& s, bool queued) -> Result<void> {
    while (static_cast<int64_t>(docs.size()) < limit) {
      auto row = s.step();
      if (!row) {
        s.reset();
        return row.error();
      }
      if (!*row) break;
      // Derived exactly as deleteFtsDocument() re-derives it later (from the stored JSON).
      docs.push_back(Doc{s.columnInt(0), s.columnText(1), headerLinesFromJson(s.columnText(2)) + headerLinesFromJson(s.columnText(3)),
                         s.columnText(4), s.columnText(5), s.isNull(4), s.isNull(5), queued});
    }
    s.reset();
    return {};
  };
  m_selectPending.bindInt(1, limit);
  if (auto r = collect(m_selectPending, true); !r) return r.error();
  if (static_cast<int64_t>(docs.size()) < limit) {
    m_selectBeyond.bindInt(1, m_ftsWatermark);
    m_selectBeyond.bindInt(2, limit - static_cast<int64_t>(docs.size()));
    if (auto r = collect(m_selectBeyond, false); !r) return r.error();
  }
  int64_t watermark = m_ftsWatermark;
  for (const auto& d : docs) {
    if (auto r = writeFtsDocument(m_ftsInsert, m_ftsBodyInsert,
                                  FtsDocument{d.id, d.url, d.headers, d.reqText, d.resText, d.reqNull, d.resNull});
        !r) {
      return r.error();
    }
    if (d.queued) {
      m_unqueuePending.bindInt(1, d.id);
      auto r3 = m_unqueuePending.run();
      m_unqueuePending.reset();
      if (!r3) return r3.error();
    } else {
      watermark = d.id + 1;
    }
  }
  if (watermark != m_ftsWatermark) {
    m_saveWatermark.bindText(1, std::to_string(watermark));
    auto r = m_saveWatermark.run();
    m_saveWatermark.reset();
    if (!r) return r.error();
    // Only once the caller commits is this true in the file; a rollback leaves the file behind the
    // member, which only ever makes a flow look unindexed-and-new (queued, indexed once more).
    m_ftsWatermark = watermark;
  }
  return static_cast<int64_t>(docs.size());
}

Result<int64_t> FlowRowWriter::countUnindexed(SqliteDb& db) const {
  return db.queryInt("SELECT (SELECT count(*) FROM fts_pending) + (SELECT count(*) FROM flows WHERE id >= " +
                     std::to_string(m_ftsWatermark) + ")");
}

}  // namespace ps::engine
