#pragma once
// ReverseConfig: what reverse mode serves — listeners, routes (host + path prefix → pool), upstream
// pools of backends with their balancing strategy, health checks, passive ejection, retries and
// timeouts, and the forwarding-header policy. Immutable once built; a change is a new
// shared_ptr<const ReverseConfig> (EngineConfig::reverse) swapped in at run time.
//
// Built from a JSON file (loadReverseConfigFile) or from the command line
// (reverseConfigFromCommandLine). Every error names the file, the JSON path (RFC 6901 pointer), the
// line and column when known, and the reason; unknown keys are errors.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/config.h"
#include "engine/core/result.h"

namespace ps::engine {

enum class BalanceStrategy {
  RoundRobin,          // "round-robin": each eligible backend in turn
  WeightedRoundRobin,  // "weighted": nginx's smooth weighted round-robin
  LeastConnections,    // "least-connections": fewest active requests per unit of weight
  PowerOfTwo,          // "random-two": two random candidates, the less loaded one wins
  IpHash,              // "ip-hash": rendezvous hash of the client address (stable per client)
  Cookie,              // "cookie": sticky by an inserted cookie naming the backend
};
const char* toString(BalanceStrategy strategy);
// Accepts the names above (and "rr", "wrr", "least-conn", "p2c", "sticky" as aliases).
Result<BalanceStrategy> parseBalanceStrategy(std::string_view text);

struct BackendConfig {
  std::string name;  // unique within its pool; what flows record and the sticky cookie holds
  std::string url;   // as written: "http://127.0.0.1:3001"
  std::string scheme = "http";
  std::string host;  // IPv6 without brackets
  uint16_t port = 80;
  unsigned weight = 1;
  bool enabled = true;
};

struct HealthCheckConfig {
  bool enabled = true;
  std::string path = "/";
  std::chrono::milliseconds interval{2000};
  std::chrono::milliseconds timeout{1000};
  int expectStatus = 200;       // 0 = any 2xx or 3xx
  unsigned unhealthyAfter = 2;  // consecutive failed checks before a backend is marked down
  unsigned healthyAfter = 1;    // consecutive passed checks before it is up again
};

struct EjectionConfig {
  bool enabled = true;
  unsigned consecutiveFailures = 3;        // connect errors or 5xx in a row
  std::chrono::milliseconds cooldown{10'000};
  bool on5xx = true;                       // count 5xx answers as failures (not only connect errors)
};

struct PoolConfig {
  std::string name;
  BalanceStrategy strategy = BalanceStrategy::RoundRobin;
  std::vector<BackendConfig> backends;
  HealthCheckConfig health;
  EjectionConfig ejection;
  unsigned retries = 1;  // extra attempts on another backend (connect failure / idempotent, no byte)
  std::chrono::milliseconds connectTimeout{5000};
  std::chrono::milliseconds responseTimeout{30'000};  // request sent → first response byte (504)
  std::string cookieName = "PSBACKEND";               // Cookie strategy only

  const BackendConfig* findBackend(std::string_view name) const;
};

struct RouteConfig {
  std::string host;        // "" = any; "example.com" exact; "*.example.com" any sub-domain
  std::string pathPrefix = "/";
  bool stripPrefix = false;  // remove pathPrefix from the forwarded target
  std::string pool;

  bool matches(std::string_view requestHost, std::string_view path) const;
};

struct HeaderPolicy {
  bool xForwarded = true;         // X-Forwarded-For (appended), -Proto, -Host
  bool forwarded = true;          // RFC 7239 Forwarded (appended element)
  bool preserveHost = true;       // false: Host becomes the backend's authority (or hostRewrite)
  std::string hostRewrite;        // with preserveHost false: this value instead of the backend's
  bool stripBackendIdentity = false;  // remove Server and X-Powered-By from responses
};

struct ReverseListener {
  Endpoint listen{"127.0.0.1", 8000};
  bool tls = false;
  std::string certFile;    // empty with tls: a certificate from Proxyscope's CA for serverName
  std::string keyFile;
  std::string serverName;  // empty: the listen host
};

struct ReverseConfig {
  std::vector<ReverseListener> listeners;
  std::vector<RouteConfig> routes;  // first match wins; empty = everything to the first pool
  std::vector<PoolConfig> pools;
  HeaderPolicy headers;
  std::string source;  // the file it came from, or "command line"

  const PoolConfig* findPool(std::string_view name) const;
  // The route for a request (host without port), or nullptr when none matches.
  const RouteConfig* matchRoute(std::string_view host, std::string_view path) const;
};

struct BackendUrl {
  std::string scheme;
  std::string host;
  uint16_t port = 0;
};
// "http://host[:port][/]" or "https://..." (IPv6 in brackets); a path other than "/" is an error.
Result<BackendUrl> parseBackendUrl(std::string_view url);

// JSON text → config. fileName only labels the messages.
Result<ReverseConfig> parseReverseConfig(std::string_view json, std::string_view fileName);
Result<ReverseConfig> loadReverseConfigFile(const std::string& path);
// Whether a --config file holds reverse-proxy keys (listeners, routes, pools, headers) rather than
// only "policies". An unreadable or invalid file counts as reverse so that its loader reports why.
bool fileHasReverseConfig(const std::string& path);
// --backend URL (repeatable) and --balance STRATEGY: one pool "default", one route "/".
Result<ReverseConfig> reverseConfigFromCommandLine(const std::vector<std::string>& backendUrls,
                                                   std::string_view balance, const Endpoint& listen);

}  // namespace ps::engine
