// Temporary stand-in until the GUI lands (replaced at merge).
#include "app/gui_main.h"

#include <cstdio>

namespace ps::app {

int runGui(const Options&, int, char**) {
  std::fprintf(stderr, "proxyscope: GUI not built yet (use --headless)\n");
  return 1;
}

}  // namespace ps::app
