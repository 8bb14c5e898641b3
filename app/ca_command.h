#pragma once
// Sub-commands: `proxyscope ca export PATH [--der]`, `proxyscope ca regenerate`, `proxyscope ca path`.
#include "app/command_line.h"

namespace ps::app {

// Runs options.subcommand; returns the process exit code (2 for usage errors).
int runSubcommand(const Options& options);

}  // namespace ps::app
