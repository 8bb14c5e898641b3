// proxyscope: the command line, then the GUI or a headless run. --help and --version are answered
// before anything that needs a display.
#include <cstdio>
#if defined(__GLIBC__) && !defined(PROXYSCOPE_MIMALLOC)
#include <malloc.h>
#endif
#if defined(PROXYSCOPE_MIMALLOC)
#include <mimalloc.h>

#include "engine/core/allocator_maintenance.h"
#endif

#include "app/ca_command.h"
#include "app/command_line.h"
#include "app/gui_main.h"
#include "app/headless.h"
#include "app/tool_commands.h"

int main(int argc, char** argv) {
#if defined(__GLIBC__) && !defined(PROXYSCOPE_MIMALLOC)
  // Built without mimalloc (-DPROXYSCOPE_MIMALLOC=OFF): body captures are large, short-lived blocks; a fixed mmap threshold returns them to the system
  // when freed instead of letting glibc's adaptive threshold keep them in per-thread arenas (which
  // would make peak RSS grow with every worker thread that ever captured a big body).
  mallopt(M_MMAP_THRESHOLD, 1024 * 1024);
#endif
#if defined(PROXYSCOPE_MIMALLOC)
  // Pages whose blocks other threads freed (a burst's flow snapshots, freed by the session writer)
  // go back to the system once their owning thread collects them: each engine worker does so about
  // once a second, the writer after a backlog (allocator_maintenance.h).
  ps::engine::setAllocatorMaintenance([] { mi_collect(false); });
#endif
  if (auto watchdog = ps::app::runWatchdogIfRequested(argc, argv)) return *watchdog;  // hidden, see system_proxy_run.h
  auto options = ps::app::parseCommandLine(argc, argv);
  if (!options) {
    std::fprintf(stderr, "proxyscope: %s\n", options.error().message.c_str());
    return 2;
  }
  if (options->help) {
    std::fputs(ps::app::usageText().c_str(), stdout);
    return 0;
  }
  if (options->version) {
    std::printf("proxyscope %s\n", PROXYSCOPE_VERSION);
    return 0;
  }
  if (auto tool = ps::app::runToolCommand(*options)) return *tool;  // har, session, env, launch
  if (!options->subcommand.empty()) return ps::app::runSubcommand(*options);
  if (options->headless) return ps::app::runHeadless(*options);
  return ps::app::runGui(*options, argc, argv);
}
