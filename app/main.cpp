// proxyscope: the command line, then the GUI or a headless run.
#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--version") == 0) {
      std::printf("proxyscope %s\n", PROXYSCOPE_VERSION);
      return 0;
    }
  }
  std::fprintf(stderr, "proxyscope: not wired yet\n");
  return 1;
}
