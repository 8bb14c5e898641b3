// Leaf certificate issuing: median time to issue a leaf for a new host (over 200 hosts) and to
// look up a cached one. Prints figures; asserts no time (target: a new leaf under 2 ms).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <unistd.h>

#include "engine/tls/certificate_authority.h"
#include "engine/tls/leaf_certificate_cache.h"

using namespace ps::engine::tls;
using Clock = std::chrono::steady_clock;

namespace {

double medianMicros(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main() {
  std::string dir = (std::filesystem::temp_directory_path() / ("bench-tls-leaf-" + std::to_string(getpid()))).string();
  auto caStart = Clock::now();
  auto ca = CertificateAuthority::loadOrCreate(dir);
  double caMs = std::chrono::duration<double, std::milli>(Clock::now() - caStart).count();
  if (!ca) {
    std::fprintf(stderr, "%s\n", ca.error().message.c_str());
    return 1;
  }
  auto cache = LeafCertificateCache::create(*ca);
  if (!cache) return 1;

  constexpr int kHosts = 200;
  std::vector<double> fresh, cached;
  for (int i = 0; i < kHosts; ++i) {
    std::string host = "host" + std::to_string(i) + ".bench.example";
    auto t0 = Clock::now();
    auto leaf = (*cache)->leafFor(host);
    auto t1 = Clock::now();
    if (!leaf) return 1;
    fresh.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < kHosts; ++i) {
      std::string host = "host" + std::to_string(i) + ".bench.example";
      auto t0 = Clock::now();
      auto leaf = (*cache)->leafFor(host);
      cached.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      if (!leaf) return 1;
    }
  }
  std::printf("CA creation (key + self-signed cert + files): %.2f ms\n", caMs);
  std::printf("new leaf (median of %d hosts): %.1f us  (target < 2000 us)\n", kHosts, medianMicros(fresh));
  std::printf("cached leaf look-up (median of %zu): %.2f us\n", cached.size(), medianMicros(cached));
  std::filesystem::remove_all(dir);
  return 0;
}
