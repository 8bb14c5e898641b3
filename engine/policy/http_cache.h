#pragma once
// HttpCache: a shared cache (RFC 9111) in memory with a byte cap, for the Cache policy of either
// mode. The subset: GET/HEAD; Cache-Control max-age, s-maxage, no-store, no-cache, private, public,
// must-revalidate; Expires; heuristic freshness is NOT applied (a response without explicit
// freshness is stored only when it has a validator, and is then always revalidated); Vary; validators
// (ETag, Last-Modified) → conditional requests, 304 updates the stored headers (RFC 9111 4.3.4).
//
// Pure logic: the engine asks lookup() before going upstream and store()/revalidated() after.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/core/flow.h"

namespace ps::engine {

struct CacheDecision {
  bool storable = false;
  std::string reason;  // why (not) — shown in the inspector
};

// RFC 9111 3: may a shared cache store this response to this request?
CacheDecision cacheability(const Request& request, const Response& response);
// Freshness lifetime in seconds (RFC 9111 4.2.1): s-maxage, max-age, Expires - Date; nullopt when
// the response has none.
std::optional<int64_t> freshnessLifetime(const Response& response);

class HttpCache {
 public:
  using Clock = std::chrono::system_clock;

  struct Entry {
    Response response;       // body.captured holds the whole body (only complete bodies are stored)
    std::string method;
    Request request;         // the request that filled it (without its body): purge by filter matches it
    Headers varyRequest;     // the request's values of the fields named by Vary
    Clock::time_point storedAt;
    int64_t ageAtStore = 0;  // Age header when stored + transit (RFC 9111 4.2.3, simplified)
    std::optional<int64_t> lifetime;
    bool mustRevalidate = false;  // no-cache, or no explicit freshness
    size_t bytes() const;
  };

  enum class Outcome { Miss, Hit, Stale };
  struct Lookup {
    Outcome outcome = Outcome::Miss;
    std::shared_ptr<const Entry> entry;  // Hit: serve it; Stale: revalidate with its validators
    std::string reason;
  };

  explicit HttpCache(size_t maxBytes = 64 * 1024 * 1024);

  Lookup lookup(const Request& request, Clock::time_point now = Clock::now()) const;
  // Conditional headers for revalidating a stale entry (If-None-Match / If-Modified-Since).
  static void addValidators(const Entry& entry, Headers& forwardedRequest);
  // Stores a complete response; returns the decision (not stored when not storable or too large).
  CacheDecision store(const Request& request, const Response& response, Clock::time_point now = Clock::now());
  // A 304 answered a revalidation: the stored entry's headers are updated and its age reset; returns
  // the response to serve.
  std::optional<Response> revalidated(const Request& request, const Response& notModified,
                                      Clock::time_point now = Clock::now());
  // Unsafe methods invalidate the target URI (RFC 9111 4.4).
  void invalidate(const std::string& url);
  size_t purge(const std::function<bool(const std::string& url, const Entry&)>& match = {});
  // Puts a complete entry back (a persisted one at start-up); replaces the same variant.
  void insert(const std::string& url, std::shared_ptr<const Entry> entry);
  // Every entry, most recently used first (a snapshot; the cache may change meanwhile).
  std::vector<std::pair<std::string, std::shared_ptr<const Entry>>> snapshot() const;
  // A new byte cap (the config changed); evicts down to it.
  void setMaxBytes(size_t maxBytes);

  size_t entries() const;
  size_t bytes() const;
  // Changes whenever an entry is added, updated or removed (the persistence saves when it moved).
  uint64_t generation() const { return m_generation.load(std::memory_order_relaxed); }
  // Age in seconds an entry would be served with now.
  static int64_t currentAge(const Entry& entry, Clock::time_point now);

 private:
  struct Slot {
    std::string url;
    std::vector<std::shared_ptr<const Entry>> variants;  // one per Vary combination
  };
  void evictLocked();
  static bool varyMatches(const Entry& entry, const Request& request);

  std::atomic<size_t> m_maxBytes;
  mutable std::mutex m_mutex;
  mutable std::list<Slot> m_lru;  // front = most recently used (look-ups reorder it)
  std::unordered_map<std::string, std::list<Slot>::iterator> m_index;
  size_t m_bytes = 0;
  std::atomic<uint64_t> m_generation{0};
};

}  // namespace ps::engine
