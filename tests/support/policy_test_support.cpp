#include "tests/support/policy_test_support.h"

#include <algorithm>
#include <memory>

namespace ps::test {

std::function<void(engine::EngineConfig&)> withPolicies(const std::function<void(engine::PolicyConfig&)>& edit) {
  return [edit](engine::EngineConfig& config) {
    auto policies = std::make_shared<engine::PolicyConfig>();
    edit(*policies);
    config.policies = policies;
  };
}

std::string tagsOf(const engine::FlowPtr& flow) {
  std::string out;
  for (const auto& t : flow->tags) out += t + " ";
  return out;
}

bool anyTagStartingWith(const engine::FlowPtr& flow, const std::string& prefix) {
  return std::any_of(flow->tags.begin(), flow->tags.end(), [&](const std::string& t) { return t.rfind(prefix, 0) == 0; });
}

uint64_t counter(engine::Engine& engine, const std::string& name) {
  for (const auto& c : engine.policyCounters()) {
    if (c.name == name) return c.value;
  }
  return ~0ull;
}

}  // namespace ps::test
