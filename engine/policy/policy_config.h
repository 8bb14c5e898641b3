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
#include "engine/policy/rewrite_rules.h"

namespace ps::engine {

struct CachePolicyConfig {
  bool enabled = false;
  size_t maxBytes = 64 * 1024 * 1024;
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
};

// Parses the "policies" object of a config document. `fileName` names the file in errors, which read
// "FILE:LINE:COLUMN: /json/pointer: reason". A document without "policies" gives the defaults (all off).
Result<std::shared_ptr<const PolicyConfig>> parsePolicyConfig(const std::string& text, const std::string& fileName);
// Reads and parses a config file.
Result<std::shared_ptr<const PolicyConfig>> loadPolicyConfig(const std::string& path);

}  // namespace ps::engine
