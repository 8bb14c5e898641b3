#include "engine/policy/cache_persistence.h"
#include "engine/core/thread_name.h"

#include <nlohmann/json.hpp>

namespace ps::engine {

namespace {

using nlohmann::json;

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS policy_cache ("
    " url TEXT NOT NULL,"
    " meta TEXT NOT NULL,"   // JSON: method, request, response head, vary values, times
    " body BLOB NOT NULL,"
    " stored_at INTEGER NOT NULL)";  // µs since the epoch, for the LRU order on load

json headersJson(const Headers& headers) {
  json out = json::array();
  for (const auto& f : headers) out.push_back(json::array({f.name, f.value}));
  return out;
}

Headers headersFrom(const json& j) {
  Headers out;
  if (!j.is_array()) return out;
  for (const auto& pair : j) {
    if (pair.is_array() && pair.size() == 2 && pair[0].is_string() && pair[1].is_string()) {
      out.add(pair[0].get<std::string>(), pair[1].get<std::string>());
    }
  }
  return out;
}

int64_t micros(HttpCache::Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

std::string metaOf(const HttpCache::Entry& e) {
  json m;
  m["method"] = e.method;
  m["request"] = {{"method", e.request.method}, {"target", e.request.target}, {"scheme", e.request.scheme},
                  {"host", e.request.host},     {"port", e.request.port},     {"path", e.request.path},
                  {"headers", headersJson(e.request.headers)}};
  m["response"] = {{"status", e.response.status},
                   {"reason", e.response.reason},
                   {"headers", headersJson(e.response.headers)}};
  m["vary"] = headersJson(e.varyRequest);
  m["ageAtStore"] = e.ageAtStore;
  if (e.lifetime) m["lifetime"] = *e.lifetime;
  m["mustRevalidate"] = e.mustRevalidate;
  // Header bytes need not be UTF-8; replacing them keeps the row writable (they are shown, not replayed).
  return m.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::shared_ptr<HttpCache::Entry> entryFrom(const std::string& metaText, std::string body, int64_t storedAt) {
  json m = json::parse(metaText, nullptr, false);
  if (m.is_discarded() || !m.is_object()) return nullptr;
  auto e = std::make_shared<HttpCache::Entry>();
  e->method = m.value("method", std::string());
  const json& rq = m.value("request", json::object());
  e->request.method = rq.value("method", e->method);
  e->request.target = rq.value("target", std::string());
  e->request.scheme = rq.value("scheme", std::string("http"));
  e->request.host = rq.value("host", std::string());
  e->request.port = rq.value("port", uint16_t{0});
  e->request.path = rq.value("path", std::string());
  e->request.headers = headersFrom(rq.value("headers", json::array()));
  const json& rs = m.value("response", json::object());
  e->response.status = rs.value("status", 0);
  e->response.reason = rs.value("reason", std::string());
  e->response.headers = headersFrom(rs.value("headers", json::array()));
  e->response.body.size = body.size();
  e->response.body.captured = std::move(body);
  e->varyRequest = headersFrom(m.value("vary", json::array()));
  e->ageAtStore = m.value("ageAtStore", int64_t{0});
  if (m.contains("lifetime") && m["lifetime"].is_number_integer()) e->lifetime = m["lifetime"].get<int64_t>();
  e->mustRevalidate = m.value("mustRevalidate", true);
  e->storedAt = HttpCache::Clock::time_point(std::chrono::microseconds(storedAt));
  if (e->method.empty() || e->response.status == 0) return nullptr;
  return e;
}

}  // namespace

Result<std::unique_ptr<CachePersistence>> CachePersistence::open(const std::string& sessionPath) {
  auto db = SqliteDb::open(sessionPath, SqliteDb::Access::ReadWrite);
  if (!db) return Error{"cache persistence: " + sessionPath + ": " + db.error().message};
  if (auto made = db->exec(kSchema); !made) {
    return Error{"cache persistence: " + sessionPath + ": cannot create table policy_cache: " + made.error().message};
  }
  auto out = std::unique_ptr<CachePersistence>(new CachePersistence());
  out->m_path = sessionPath;
  out->m_db = std::move(*db);
  return out;
}

Result<size_t> CachePersistence::load(HttpCache& cache) {
  std::lock_guard lock(m_mutex);
  // Oldest first, so the most recently stored entry ends up most recently used.
  auto select = m_db.prepare("SELECT url, meta, body, stored_at FROM policy_cache ORDER BY stored_at");
  if (!select) return Error{"cache persistence: " + select.error().message};
  size_t loaded = 0;
  for (;;) {
    auto row = select->step();
    if (!row) return Error{"cache persistence: " + row.error().message};
    if (!*row) break;
    auto entry = entryFrom(select->columnText(1), select->columnBlob(2), select->columnInt(3));
    if (!entry) continue;
    cache.insert(select->columnText(0), std::move(entry));
    ++loaded;
  }
  return loaded;
}

Result<size_t> CachePersistence::save(const HttpCache& cache) {
  auto entries = cache.snapshot();
  std::lock_guard lock(m_mutex);
  if (auto begun = m_db.exec("BEGIN IMMEDIATE"); !begun) return Error{"cache persistence: " + begun.error().message};
  auto fail = [this](const Error& e) -> Result<size_t> {
    (void)m_db.exec("ROLLBACK");
    return Error{"cache persistence: " + e.message};
  };
  if (auto cleared = m_db.exec("DELETE FROM policy_cache"); !cleared) return fail(cleared.error());
  auto insert = m_db.prepare("INSERT INTO policy_cache (url, meta, body, stored_at) VALUES (?, ?, ?, ?)");
  if (!insert) return fail(insert.error());
  for (const auto& [url, entry] : entries) {
    insert->bindText(1, url);
    insert->bindText(2, metaOf(*entry));
    insert->bindBlob(3, entry->response.body.captured);
    insert->bindInt(4, micros(entry->storedAt));
    if (auto ran = insert->run(); !ran) return fail(ran.error());
  }
  if (auto committed = m_db.exec("COMMIT"); !committed) return fail(committed.error());
  return entries.size();
}

void CachePersistence::startSaving(std::shared_ptr<const HttpCache> cache, std::chrono::milliseconds period) {
  stopSaving();
  m_cache = std::move(cache);
  m_stop = false;
  m_savedGeneration = m_cache->generation();  // what load() just put in is what the table holds
  m_saver = std::thread([this, period] {
    setCurrentThreadName("ps-cache-saver");
    setCurrentThreadBackground();
    saveLoop(period);
  });
}

void CachePersistence::saveSoon() {
  std::lock_guard lock(m_wakeMutex);
  m_soon = true;
  m_wake.notify_one();
}

void CachePersistence::saveLoop(std::chrono::milliseconds period) {
  std::unique_lock lock(m_wakeMutex);
  for (;;) {
    m_wake.wait_for(lock, period, [this] { return m_stop || m_soon; });
    bool last = m_stop;
    m_soon = false;
    uint64_t generation = m_cache->generation();
    if (generation != m_savedGeneration) {
      lock.unlock();
      // A failed save (the file locked for longer than the busy timeout) is tried again next time.
      if (save(*m_cache)) m_savedGeneration = generation;
      lock.lock();
    }
    if (last) return;
  }
}

void CachePersistence::stopSaving() {
  if (!m_saver.joinable()) return;
  {
    std::lock_guard lock(m_wakeMutex);
    m_stop = true;
    m_wake.notify_one();
  }
  m_saver.join();
}

CachePersistence::~CachePersistence() { stopSaving(); }

}  // namespace ps::engine
