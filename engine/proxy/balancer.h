#pragma once
// Balancer: one upstream pool at run time — picks a backend per request with the pool's strategy
// and keeps passive/active health and admin state. Thread-safe: every engine thread picks from the
// same Balancer. Round-robin and least-connections are lock-free; smooth weighted round-robin and
// random-of-two take a short mutex (a handful of integer operations).
//
// Strategies:
//  * round-robin        each eligible backend in turn (an atomic counter).
//  * weighted           nginx's smooth weighted round-robin: every pick adds each weight to its
//                       backend's current value, takes the largest, and subtracts the total from
//                       it — proportional and evenly interleaved (5,1,1 → a a b a c a a).
//  * least-connections  fewest active attempts per unit of weight; ties go round-robin.
//  * random-two         two distinct random candidates, the less loaded wins (Mitzenmacher's
//                       power of two choices: near-best balance without global state).
//  * ip-hash            weighted rendezvous hashing of the client IP: stable per client, and when
//                       a backend leaves only its own clients move.
//  * cookie             a request carrying the pool's cookie goes to the backend it names while
//                       that backend is up (draining included: sessions finish where they began);
//                       otherwise weighted round-robin, and the response gets a Set-Cookie naming
//                       the choice (HAProxy `cookie NAME insert`).
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <span>
#include <string_view>
#include <vector>

#include "engine/core/result.h"
#include "engine/proxy/backend.h"
#include "engine/proxy/reverse_config.h"

namespace ps::engine {

using HealthObserver = std::function<void(const BackendHealthChange&)>;

struct PickRequest {
  std::string_view clientAddress;  // "127.0.0.1:5000" or "[::1]:5000" (ip-hash uses the IP only)
  std::string_view cookieHeader;   // the request's Cookie field(s) joined with "; " (cookie strategy)
  std::span<const Backend* const> exclude;  // backends already tried for this request
};

struct Pick {
  std::shared_ptr<Backend> backend;
  bool setCookie = false;  // cookie strategy: add Set-Cookie: NAME=backend to the response
};

class Balancer {
 public:
  // `previous`: the pool's balancer under the old config, when the config is swapped at run time —
  // backends with the same name and URL keep their state and counters.
  Balancer(PoolConfig config, HealthObserver observer = {}, const Balancer* previous = nullptr,
           uint64_t seed = std::random_device{}());

  const PoolConfig& config() const { return m_config; }
  const std::vector<std::shared_ptr<Backend>>& backends() const { return m_backends; }
  std::shared_ptr<Backend> find(std::string_view name) const;

  // Chooses a backend and counts the attempt as started (active + 1); nullopt when no backend is
  // eligible (every one disabled, draining, down, ejected or excluded). The caller must call
  // finish() for every pick.
  std::optional<Pick> pick(const PickRequest& request);
  // Ends an attempt: load, latency, passive ejection (may publish a health change).
  void finish(Backend& backend, AttemptOutcome outcome, int64_t latencyMicros, const std::string& error = {});

  // Active health check results (may publish a health change).
  void checkPassed(Backend& backend);
  void checkFailed(Backend& backend, const std::string& error);

  // Admin (HAProxy runtime API style): enable, drain (no new picks, sticky sessions continue),
  // disable, set weight (1-1000).
  Result<void> admin(std::string_view backend, BackendAdminAction action, unsigned weight = 0);

  std::vector<BackendStats> stats() const;
  // "PSBACKEND=b1; Path=/; HttpOnly" for a pick with setCookie.
  std::string setCookieValue(const Backend& backend) const;

  // The cookie value naming a backend in a Cookie header, if present (RFC 6265 5.4 syntax).
  static std::optional<std::string_view> findCookie(std::string_view cookieHeader, std::string_view name);
  // The IP part of "1.2.3.4:5", "[::1]:5" or a bare address.
  static std::string_view clientIp(std::string_view clientAddress);

 private:
  bool eligible(const Backend& b, int64_t now, std::span<const Backend* const> exclude) const;
  Backend* pickRoundRobin(std::span<Backend* const> candidates);
  Backend* pickWeighted(std::span<Backend* const> candidates);
  Backend* pickLeastConnections(std::span<Backend* const> candidates);
  Backend* pickPowerOfTwo(std::span<Backend* const> candidates);
  Backend* pickIpHash(std::span<Backend* const> candidates, std::string_view clientAddress);
  std::shared_ptr<Backend> share(const Backend* b) const;
  void publish(const Backend& b, BackendStatus from, BackendStatus to, std::string reason);

  const PoolConfig m_config;
  HealthObserver m_observer;
  std::vector<std::shared_ptr<Backend>> m_backends;
  std::atomic<uint64_t> m_counter{0};
  std::mutex m_mutex;  // smooth weighted round-robin state and the random generator
  std::mt19937_64 m_random;
};

}  // namespace ps::engine
