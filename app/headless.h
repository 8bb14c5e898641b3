#pragma once
// --headless: the engine without a window; one line per finished flow on stdout.
#include <string>

#include "app/command_line.h"
#include "engine/core/config.h"
#include "engine/core/flow.h"

namespace ps::app {

engine::EngineConfig engineConfigFrom(const Options& options);
// "12:00:01.234 127.0.0.1:50000 GET http://host/path 200 1024B 3ms" (error flows name the error).
std::string formatFlowLine(const engine::Flow& flow);
// Runs until SIGINT/SIGTERM; returns the process exit code.
int runHeadless(const Options& options);

}  // namespace ps::app
