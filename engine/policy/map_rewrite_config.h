#pragma once
// The configuration of the developer conveniences (issue 10 "Map and rewrite"): Map Local, Map Remote
// and Rewrite. Kept apart from policy_config.h so each policy's settings stay in one small header.
#include <vector>

#include "engine/policy/rewrite_rules.h"

namespace ps::engine {

struct MapLocalPolicyConfig {
  bool enabled = false;
  std::vector<MapLocalRule> rules;  // the first rule whose urlPrefix starts the request URL answers
};

struct MapRemotePolicyConfig {
  bool enabled = false;
  std::vector<MapRemoteRule> rules;  // the first matching rule decides the new upstream
};

struct RewritePolicyConfig {
  bool enabled = false;
  std::vector<RewriteRule> rules;  // every matching rule of the stage applies, in order
};

}  // namespace ps::engine
