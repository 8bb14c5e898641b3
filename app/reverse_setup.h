#pragma once
// Reverse mode set-up from the command line: --config FILE (JSON, see resources/samples/reverse.json),
// or --backend URL... [--balance S], and --demo-backends N (built-in demo origins added as backends).
#include <memory>

#include "app/command_line.h"
#include "engine/core/config.h"
#include "engine/core/result.h"
#include "engine/proxy/demo_backend.h"

namespace ps::app {

// Fills config.reverse (and mode/listen from the file) when the options ask for reverse mode or give
// --config. Starts the demo backends in `demo` when --demo-backends N is given. The error is the
// complete message to print (a bad file: "FILE:LINE:COL: /json/pointer: reason").
engine::Result<void> applyReverseOptions(const Options& options, engine::EngineConfig& config,
                                         engine::DemoBackends& demo);

}  // namespace ps::app
