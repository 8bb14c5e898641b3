#pragma once
// Loads the "policies" object of --config FILE into the engine config (issue 10). Kept apart from the
// reverse-mode setup: both read the same file, each its own part.
#include "app/command_line.h"
#include "engine/core/config.h"
#include "engine/core/result.h"

namespace ps::app {

// No --config: nothing to do. Otherwise config.policies is set, or the error names file, line:column,
// JSON pointer and reason.
engine::Result<void> applyPolicyOptions(const Options& options, engine::EngineConfig& config);

}  // namespace ps::app
