#include "app/tool_commands.h"

namespace ps::app {

std::optional<int> runToolCommand(const Options& options) {
  const auto& args = options.subcommand;
  if (args.empty()) return std::nullopt;
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "har") return runHarCommand(options, rest);
  if (args[0] == "session") return runSessionCommand(rest);
  if (args[0] == "env") return runEnvCommand(options, rest);
  if (args[0] == "launch") return runLaunchCommand(options, rest);
  return std::nullopt;
}

}  // namespace ps::app
