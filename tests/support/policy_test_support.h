#pragma once
// Helpers shared by the policy suites (tests/integration/test_polic*.cpp).
#include <cstdint>
#include <functional>
#include <string>

#include "engine/core/config.h"
#include "engine/core/flow.h"
#include "engine/net/engine.h"
#include "engine/policy/policy_config.h"

namespace ps::test {

// An EngineConfig edit that installs the policies `edit` fills in.
std::function<void(engine::EngineConfig&)> withPolicies(const std::function<void(engine::PolicyConfig&)>& edit);
// The flow's tags, space separated (for failure messages).
std::string tagsOf(const engine::FlowPtr& flow);
bool anyTagStartingWith(const engine::FlowPtr& flow, const std::string& prefix);
// A named counter of Engine::policyCounters(); ~0 when there is no such counter.
uint64_t counter(engine::Engine& engine, const std::string& name);

}  // namespace ps::test
