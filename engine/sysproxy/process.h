#pragma once
// Running a helper program (kwriteconfig, networksetup, the watchdog) with a deadline.
#include <chrono>
#include <string>
#include <vector>

#include "engine/core/result.h"

namespace ps::engine {

struct ProcessOutput {
  int exitCode = -1;
  std::string out;
};

// Runs argv[0] (searched in PATH) with the current environment; waits at most timeout, then kills
// it and reports an error. stderr is folded into out.
Result<ProcessOutput> runProcess(const std::vector<std::string>& argv,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(10));
// Starts argv detached (own session; nobody waits for it). Returns its pid.
Result<int> spawnDetached(const std::vector<std::string>& argv);
bool findInPath(const std::string& program);
bool processAlive(int pid);

}  // namespace ps::engine
