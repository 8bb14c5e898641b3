#include "app/policy_setup.h"

#include "engine/policy/policy_config.h"

namespace ps::app {

engine::Result<void> applyPolicyOptions(const Options& options, engine::EngineConfig& config) {
  if (options.configFile.empty()) return {};
  auto policies = engine::loadPolicyConfig(options.configFile);
  if (!policies) return policies.error();
  config.policies = std::move(policies.value());
  return {};
}

}  // namespace ps::app
