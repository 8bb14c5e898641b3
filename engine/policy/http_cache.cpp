#include "engine/policy/http_cache.h"

#include <time.h>

#include <algorithm>
#include <charconv>
#include <vector>

namespace ps::engine {

namespace {

struct Directive {
  std::string name;  // lower case
  std::string value;
};

std::string lowerCopy(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Cache-Control (RFC 9111 5.2): comma-separated directives, token or quoted-string arguments. Every
// Cache-Control field line counts (RFC 9110 5.3).
std::vector<Directive> cacheControl(const Headers& headers) {
  std::vector<Directive> out;
  for (std::string_view line : headers.getAll("Cache-Control")) {
    while (!line.empty()) {
      size_t end = 0;
      bool quoted = false;
      while (end < line.size() && (quoted || line[end] != ',')) {
        if (line[end] == '"') quoted = !quoted;
        ++end;
      }
      std::string_view item = trim(line.substr(0, end));
      line.remove_prefix(std::min(line.size(), end + 1));
      if (item.empty()) continue;
      Directive d;
      size_t eq = item.find('=');
      d.name = lowerCopy(trim(item.substr(0, eq)));
      if (eq != std::string_view::npos) {
        std::string_view v = trim(item.substr(eq + 1));
        if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
        d.value = std::string(v);
      }
      out.push_back(std::move(d));
    }
  }
  return out;
}

const Directive* find(const std::vector<Directive>& ds, std::string_view name) {
  for (const auto& d : ds) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

std::optional<int64_t> seconds(const Directive* d) {
  if (d == nullptr) return std::nullopt;
  int64_t v = 0;
  auto [p, ec] = std::from_chars(d->value.data(), d->value.data() + d->value.size(), v);
  if (ec != std::errc() || p != d->value.data() + d->value.size() || v < 0) return std::nullopt;
  return v;
}

// HTTP-date (RFC 9110 5.6.7): IMF-fixdate, plus the obsolete RFC 850 and asctime forms.
std::optional<int64_t> parseHttpDate(std::string_view text) {
  std::string s(trim(text));
  for (const char* format : {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"}) {
    struct tm tm {};
    const char* end = strptime(s.c_str(), format, &tm);
    if (end != nullptr && *end == '\0') return static_cast<int64_t>(timegm(&tm));
  }
  return std::nullopt;
}

bool hasValidator(const Response& r) { return r.headers.has("ETag") || r.headers.has("Last-Modified"); }

std::string varyValue(const Headers& h, std::string_view name) {
  std::string joined;
  for (std::string_view v : h.getAll(name)) {
    if (!joined.empty()) joined += ", ";
    joined += trim(v);
  }
  return joined;
}

std::vector<std::string> varyNames(const Response& r) {
  std::vector<std::string> names;
  for (std::string_view line : r.headers.getAll("Vary")) {
    while (!line.empty()) {
      size_t comma = line.find(',');
      std::string_view n = trim(line.substr(0, comma));
      if (!n.empty()) names.push_back(lowerCopy(n));
      if (comma == std::string_view::npos) break;
      line.remove_prefix(comma + 1);
    }
  }
  return names;
}

bool statusUnderstood(int status) {
  // Final statuses this cache knows how to store (RFC 9110 15.1 heuristically cacheable + 203/204).
  switch (status) {
    case 200: case 203: case 204: case 300: case 301: case 308: case 404: case 405: case 410: case 414: case 501:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::optional<int64_t> freshnessLifetime(const Response& response) {
  auto cc = cacheControl(response.headers);
  if (auto s = seconds(find(cc, "s-maxage"))) return s;
  if (auto m = seconds(find(cc, "max-age"))) return m;
  if (auto expires = response.headers.get("Expires")) {
    auto e = parseHttpDate(*expires);
    if (!e) return 0;  // an invalid Expires means "already expired" (RFC 9111 5.3)
    auto dateHeader = response.headers.get("Date");
    std::optional<int64_t> date = dateHeader ? parseHttpDate(*dateHeader) : std::nullopt;
    int64_t base = date.value_or(std::chrono::duration_cast<std::chrono::seconds>(
                                     std::chrono::system_clock::now().time_since_epoch()).count());
    return std::max<int64_t>(0, *e - base);
  }
  return std::nullopt;
}

CacheDecision cacheability(const Request& request, const Response& response) {
  if (request.method != "GET" && request.method != "HEAD") return {false, "only GET and HEAD responses are cached"};
  if (!statusUnderstood(response.status)) return {false, "status " + std::to_string(response.status) + " is not cacheable"};
  auto reqCc = cacheControl(request.headers);
  if (find(reqCc, "no-store")) return {false, "the request said Cache-Control: no-store"};
  auto cc = cacheControl(response.headers);
  if (find(cc, "no-store")) return {false, "the response said Cache-Control: no-store"};
  if (find(cc, "private")) return {false, "Cache-Control: private (only the client's own cache may store it)"};
  for (const auto& name : varyNames(response)) {
    if (name == "*") return {false, "Vary: * (every request is different)"};
  }
  if (request.headers.has("Authorization") && !find(cc, "public") && !find(cc, "s-maxage") && !find(cc, "must-revalidate")) {
    return {false, "the request carried Authorization and the response did not allow sharing (public/s-maxage)"};
  }
  if (response.body.truncated()) return {false, "the body was larger than the capture cap"};
  auto lifetime = freshnessLifetime(response);
  if (find(cc, "no-cache")) {
    if (!hasValidator(response)) return {false, "Cache-Control: no-cache without ETag or Last-Modified"};
    return {true, "stored; no-cache: revalidated on every use"};
  }
  if (lifetime) return {true, "stored; fresh for " + std::to_string(*lifetime) + " s"};
  if (hasValidator(response)) return {true, "stored without freshness; revalidated on every use (validator present)"};
  return {false, "no Cache-Control max-age/s-maxage, Expires or validator"};
}

size_t HttpCache::Entry::bytes() const {
  size_t n = response.body.captured.size() + method.size() + 64;
  for (const auto& f : response.headers) n += f.name.size() + f.value.size() + 4;
  for (const auto& f : varyRequest) n += f.name.size() + f.value.size() + 4;
  n += request.target.size() + request.host.size() + request.path.size();
  for (const auto& f : request.headers) n += f.name.size() + f.value.size() + 4;
  return n;
}

HttpCache::HttpCache(size_t maxBytes) : m_maxBytes(maxBytes) {}

int64_t HttpCache::currentAge(const Entry& entry, Clock::time_point now) {
  auto resident = std::chrono::duration_cast<std::chrono::seconds>(now - entry.storedAt).count();
  return entry.ageAtStore + std::max<int64_t>(0, resident);
}

bool HttpCache::varyMatches(const Entry& entry, const Request& request) {
  for (const auto& f : entry.varyRequest) {
    if (varyValue(request.headers, f.name) != f.value) return false;
  }
  return true;
}

HttpCache::Lookup HttpCache::lookup(const Request& request, Clock::time_point now) const {
  if (request.method != "GET" && request.method != "HEAD") return {Outcome::Miss, nullptr, "not GET/HEAD"};
  auto reqCc = cacheControl(request.headers);
  if (find(reqCc, "no-store")) return {Outcome::Miss, nullptr, "the request said no-store"};
  std::shared_ptr<const Entry> entry;
  {
    std::lock_guard lock(m_mutex);
    auto it = m_index.find(request.url());
    if (it == m_index.end()) return {Outcome::Miss, nullptr, "not in the cache"};
    for (const auto& v : it->second->variants) {
      // A HEAD can be answered from a stored GET, not the other way round.
      if ((v->method == request.method || v->method == "GET") && varyMatches(*v, request)) {
        entry = v;
        break;
      }
    }
    if (!entry) return {Outcome::Miss, nullptr, "stored, but for other values of the Vary fields"};
    m_lru.splice(m_lru.begin(), m_lru, it->second);
  }
  bool requestWantsCheck = find(reqCc, "no-cache") != nullptr || request.headers.hasToken("Pragma", "no-cache") ||
                           (seconds(find(reqCc, "max-age")).value_or(1) == 0);
  int64_t age = currentAge(*entry, now);
  bool fresh = entry->lifetime && age < *entry->lifetime && !entry->mustRevalidate;
  if (fresh && !requestWantsCheck) {
    return {Outcome::Hit, entry, "fresh: age " + std::to_string(age) + " s of " + std::to_string(*entry->lifetime) + " s"};
  }
  if (hasValidator(entry->response)) {
    return {Outcome::Stale, entry,
            requestWantsCheck ? "the request asked for revalidation" : "stale: age " + std::to_string(age) + " s"};
  }
  return {Outcome::Miss, nullptr, "stale and without a validator"};
}

void HttpCache::addValidators(const Entry& entry, Headers& forwardedRequest) {
  if (auto etag = entry.response.headers.get("ETag")) forwardedRequest.set("If-None-Match", std::string(*etag));
  if (auto lm = entry.response.headers.get("Last-Modified")) forwardedRequest.set("If-Modified-Since", std::string(*lm));
}

CacheDecision HttpCache::store(const Request& request, const Response& response, Clock::time_point now) {
  CacheDecision decision = cacheability(request, response);
  if (!decision.storable) return decision;
  auto entry = std::make_shared<Entry>();
  entry->response = response;
  entry->method = request.method;
  entry->request = request;
  entry->request.body = Body{};
  for (const auto& name : varyNames(response)) entry->varyRequest.add(name, varyValue(request.headers, name));
  entry->storedAt = now;
  if (auto age = response.headers.get("Age")) {
    int64_t a = 0;
    auto [p, ec] = std::from_chars(age->data(), age->data() + age->size(), a);
    if (ec == std::errc() && a > 0) entry->ageAtStore = a;
  }
  entry->lifetime = freshnessLifetime(response);
  auto cc = cacheControl(response.headers);
  entry->mustRevalidate = find(cc, "no-cache") != nullptr || !entry->lifetime;
  size_t size = entry->bytes();
  if (size > m_maxBytes.load() / 4) return {false, "larger than a quarter of the cache"};

  insert(request.url(), std::move(entry));
  return decision;
}

void HttpCache::insert(const std::string& url, std::shared_ptr<const Entry> entry) {
  size_t size = entry->bytes();
  std::lock_guard lock(m_mutex);
  auto it = m_index.find(url);
  if (it == m_index.end()) {
    m_lru.push_front(Slot{url, {}});
    it = m_index.emplace(url, m_lru.begin()).first;
  } else {
    m_lru.splice(m_lru.begin(), m_lru, it->second);
  }
  auto& variants = it->second->variants;
  // Replace the variant with the same Vary values (RFC 9111 4.1).
  for (auto v = variants.begin(); v != variants.end();) {
    if ((*v)->varyRequest == entry->varyRequest && (*v)->method == entry->method) {
      m_bytes -= (*v)->bytes();
      v = variants.erase(v);
    } else {
      ++v;
    }
  }
  variants.push_back(std::move(entry));
  m_bytes += size;
  m_generation.fetch_add(1, std::memory_order_relaxed);
  evictLocked();
}

std::vector<std::pair<std::string, std::shared_ptr<const HttpCache::Entry>>> HttpCache::snapshot() const {
  std::lock_guard lock(m_mutex);
  std::vector<std::pair<std::string, std::shared_ptr<const Entry>>> out;
  for (const auto& slot : m_lru) {
    for (const auto& v : slot.variants) out.emplace_back(slot.url, v);
  }
  return out;
}

void HttpCache::setMaxBytes(size_t maxBytes) {
  std::lock_guard lock(m_mutex);
  m_maxBytes = maxBytes;
  evictLocked();
}

std::optional<Response> HttpCache::revalidated(const Request& request, const Response& notModified, Clock::time_point now) {
  std::lock_guard lock(m_mutex);
  auto it = m_index.find(request.url());
  if (it == m_index.end()) return std::nullopt;
  for (auto& v : it->second->variants) {
    if (!varyMatches(*v, request)) continue;
    auto updated = std::make_shared<Entry>(*v);
    // RFC 9111 4.3.4: the 304's fields replace the stored ones (except framing fields).
    for (const auto& f : notModified.headers) {
      if (iequals(f.name, "Content-Length") || iequals(f.name, "Transfer-Encoding") || iequals(f.name, "Content-Encoding")) {
        continue;
      }
      updated->response.headers.set(f.name, f.value);
    }
    updated->storedAt = now;
    updated->ageAtStore = 0;
    updated->lifetime = freshnessLifetime(updated->response);
    auto cc = cacheControl(updated->response.headers);
    updated->mustRevalidate = find(cc, "no-cache") != nullptr || !updated->lifetime;
    m_bytes = m_bytes - v->bytes() + updated->bytes();
    v = updated;
    m_generation.fetch_add(1, std::memory_order_relaxed);
    return updated->response;
  }
  return std::nullopt;
}

void HttpCache::invalidate(const std::string& url) {
  std::lock_guard lock(m_mutex);
  auto it = m_index.find(url);
  if (it == m_index.end()) return;
  for (const auto& v : it->second->variants) m_bytes -= v->bytes();
  m_lru.erase(it->second);
  m_index.erase(it);
  m_generation.fetch_add(1, std::memory_order_relaxed);
}

size_t HttpCache::purge(const std::function<bool(const std::string&, const Entry&)>& match) {
  std::lock_guard lock(m_mutex);
  size_t removed = 0;
  for (auto slot = m_lru.begin(); slot != m_lru.end();) {
    auto& variants = slot->variants;
    for (auto v = variants.begin(); v != variants.end();) {
      if (!match || match(slot->url, **v)) {
        m_bytes -= (*v)->bytes();
        v = variants.erase(v);
        ++removed;
      } else {
        ++v;
      }
    }
    if (variants.empty()) {
      m_index.erase(slot->url);
      slot = m_lru.erase(slot);
    } else {
      ++slot;
    }
  }
  if (removed > 0) m_generation.fetch_add(1, std::memory_order_relaxed);
  return removed;
}

void HttpCache::evictLocked() {
  while (m_bytes > m_maxBytes && !m_lru.empty()) {
    Slot& last = m_lru.back();
    for (const auto& v : last.variants) m_bytes -= v->bytes();
    m_index.erase(last.url);
    m_lru.pop_back();
  }
}

size_t HttpCache::entries() const {
  std::lock_guard lock(m_mutex);
  size_t n = 0;
  for (const auto& s : m_lru) n += s.variants.size();
  return n;
}

size_t HttpCache::bytes() const {
  std::lock_guard lock(m_mutex);
  return m_bytes;
}

}  // namespace ps::engine
