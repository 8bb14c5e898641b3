#pragma once
// PolicyConfig: the policies a proxy applies to its exchanges (issue 10), immutable and swapped
// together with the EngineConfig (EngineConfig::policies). Loaded from the top-level "policies"
// object of the same --config JSON file as reverse mode (policy_config_json.cpp).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/result.h"
#include "engine/policy/map_rewrite_config.h"
#include "engine/policy/network_conditions.h"
#include "engine/policy/rewrite_rules.h"

namespace ps::engine {

struct CachePolicyConfig {
  bool enabled = false;
  size_t maxBytes = 64 * 1024 * 1024;
  // Keep the entries in the session's SQLite file (table policy_cache, cache_persistence.h): a run
  // with the same --session starts with them. Needs Engine::attachCacheSession().
  bool persist = false;
};

struct FilterRuleConfig {
  std::string name;
  std::string expression;  // filter language (engine/query/filter.h)
};

struct FilterPolicyConfig {
  bool enabled = false;
  // false: a request matching any "block" rule is refused. true (allow-list mode): only requests
  // matching an "allow" rule pass.
  bool allowList = false;
  std::vector<FilterRuleConfig> block;
  std::vector<FilterRuleConfig> allow;
};

struct AnonymityPolicyConfig {
  bool enabled = false;
  AnonymityPolicy policy;
};

struct RateLimitPolicyConfig {
  bool enabled = false;
  double perSecond = 10;
  double burst = 10;
  enum class Key { ClientAddress, Route } key = Key::ClientAddress;
};

// Compression (issue 10): responses the origin did not encode are compressed on the fly with the
// client's preferred coding among `codings`.
struct CompressionPolicyConfig {
  bool enabled = false;
  std::vector<std::string> codings{"br", "zstd", "gzip"};  // server preference on equal q-values
  uint64_t minBytes = 1024;  // responses announcing a smaller Content-Length stay as they are
  bool reverse = true;       // applies in reverse mode ("modes": ["reverse"])
  bool forward = false;      // and in forward mode when listed in "modes"
};

// One upstream proxy of the pool. `url` is "http://[user:pass@]host:port".
struct UpstreamProxyConfig {
  std::string url;
  std::string name;  // "name" in the file, else host:port
  std::string host;
  uint16_t port = 3128;
  std::string user, password;  // basic credentials from the URL (percent-decoded)
  std::vector<std::string> hosts;  // host patterns ("*.example", "api.test"); empty = every host
  // Hosts this proxy never serves even when `hosts` covers them: patterns as above plus address
  // ranges ("127.0.0.0/8", "::1"). The prior system proxy's ignore list arrives here when chained.
  std::vector<std::string> bypass;
};

struct UpstreamProxiesPolicyConfig {
  bool enabled = false;
  enum class Rotation { RoundRobin, Random } rotation = Rotation::RoundRobin;
  enum class Per { Request, Host } per = Per::Request;
  std::vector<UpstreamProxyConfig> proxies;
  // Failover: a proxy that cannot be reached is skipped (the request goes to the next one of its
  // pool) and left out of the rotation for this long.
  unsigned cooldownSeconds = 30;
};

// Network conditions (issue 10): the first rule whose "hosts" pattern matches the request host (or,
// in reverse mode, the backend name) shapes the exchange.
struct NetworkConditionsPolicyConfig {
  bool enabled = false;
  std::vector<NetworkConditions> rules;
};

// One counter of a running policy, for the engine API (Engine::policyCounters).
struct PolicyCounter {
  std::string name;  // "cache.hits", "filter.blocked", ...
  uint64_t value = 0;
};

struct PolicyConfig {
  CachePolicyConfig cache;
  FilterPolicyConfig filter;
  AnonymityPolicyConfig anonymity;
  RateLimitPolicyConfig rateLimit;
  CompressionPolicyConfig compression;
  UpstreamProxiesPolicyConfig upstreamProxies;
  MapLocalPolicyConfig mapLocal;    // map_rewrite_config.h
  MapRemotePolicyConfig mapRemote;
  RewritePolicyConfig rewrite;
  NetworkConditionsPolicyConfig networkConditions;
};

// Parses the "policies" object of a config document. `fileName` names the file in errors, which read
// "FILE:LINE:COLUMN: /json/pointer: reason". A document without "policies" gives the defaults (all off).
Result<std::shared_ptr<const PolicyConfig>> parsePolicyConfig(const std::string& text, const std::string& fileName);
// Reads and parses a config file.
Result<std::shared_ptr<const PolicyConfig>> loadPolicyConfig(const std::string& path);

}  // namespace ps::engine
