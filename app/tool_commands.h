#pragma once
// Sub-commands around sessions and routing (har, session, env, launch) and the hidden
// --sysproxy-watchdog entry. main.cpp asks runToolCommand() first; nullopt = not one of these.
#include <optional>
#include <string>
#include <vector>

#include "app/command_line.h"
#include "engine/core/result.h"
#include "engine/query/filter.h"

namespace ps::app {

std::optional<int> runToolCommand(const Options& options);
// `proxyscope --sysproxy-watchdog JOURNAL PID` (started by SystemProxyManager::enable()); nullopt
// when argv is not that.
std::optional<int> runWatchdogIfRequested(int argc, char** argv);

int runHarCommand(const Options& options, const std::vector<std::string>& args);
int runSessionCommand(const std::vector<std::string>& args);
int runEnvCommand(const Options& options, const std::vector<std::string>& args);
int runLaunchCommand(const Options& options, const std::vector<std::string>& args);

// Parses a filter; on error returns the message with the expression and a caret under the error:
//   filter: unknown field 'hots' at 1
//     hots:x
//     ^^^^
engine::Result<engine::Filter> parseFilterForCli(const std::string& text);
// Writes the session's flows (those matching filter) to a HAR file; returns the entry count.
engine::Result<size_t> exportSessionToHar(const std::string& sessionPath, const std::string& outPath,
                                          const engine::Filter& filter);

}  // namespace ps::app
