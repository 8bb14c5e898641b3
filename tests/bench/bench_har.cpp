// HAR export/import throughput: N synthetic flows with 1 KiB bodies (default 10,000; argv[1]
// overrides) streamed to a file, then imported back. Prints figures; asserts nothing about time.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "engine/har/har_export.h"
#include "engine/har/har_import.h"
#include "tests/support/har_samples.h"

int main(int argc, char** argv) {
  using Clock = std::chrono::steady_clock;
  const uint64_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 10000;
  const std::string path = "bench_har.har";
  auto t0 = Clock::now();
  {
    std::ofstream out(path, std::ios::binary);
    ps::engine::har::HarWriter writer(out);
    for (uint64_t i = 1; i <= n; ++i) writer.add(ps::test::syntheticFlow(i));
    if (!writer.finish()) {
      std::fprintf(stderr, "write failed\n");
      return 1;
    }
  }
  const double exportMs = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  const std::string har = text.str();
  auto t1 = Clock::now();
  auto flows = ps::engine::har::importHar(har);
  const double importMs = std::chrono::duration<double, std::milli>(Clock::now() - t1).count();
  if (!flows.ok() || flows->size() != n) {
    std::fprintf(stderr, "import failed: %s\n", flows.ok() ? "count" : flows.error().message.c_str());
    return 1;
  }
  std::printf("har export: %llu flows (1 KiB bodies) in %.1f ms (%.0f flows/s, %.1f MB)\n", static_cast<unsigned long long>(n), exportMs,
              n / (exportMs / 1000.0), har.size() / 1e6);
  std::printf("har import: %llu flows in %.1f ms (%.0f flows/s)\n", static_cast<unsigned long long>(n), importMs, n / (importMs / 1000.0));
  std::remove(path.c_str());
  return 0;
}
