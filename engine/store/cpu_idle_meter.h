#pragma once
// CpuIdleMeter: how much CPU the whole machine left idle between two calls, in cores. The store's
// full-text pass uses it to index during a busy capture only with capacity nobody else wants
// (the engine's threads come first). Linux reads /proc/stat; elsewhere the answer is "unknown".
#include <cstdint>
#include <optional>

namespace ps::engine {

class CpuIdleMeter {
 public:
  // Idle cores averaged since the previous call (e.g. 1.5 on a 4-core machine 62 % busy);
  // nullopt on the first call or where the figure is not available.
  std::optional<double> idleCoresSinceLastCall();

 private:
  bool m_primed = false;
  uint64_t m_idle = 0;   // jiffies idle + iowait, all CPUs
  uint64_t m_total = 0;  // jiffies of every state, all CPUs
};

}  // namespace ps::engine
