#include "engine/store/cpu_idle_meter.h"

#include <algorithm>
#include <fstream>
#include <string>
#include <thread>

namespace ps::engine {

std::optional<double> CpuIdleMeter::idleCoresSinceLastCall() {
#ifdef __linux__
  // First line of /proc/stat (proc(5)): "cpu user nice system idle iowait irq softirq steal ...",
  // summed over all CPUs.
  std::ifstream in("/proc/stat");
  std::string label;
  if (!(in >> label) || label != "cpu") return std::nullopt;
  uint64_t total = 0, idle = 0, value = 0;
  for (int field = 0; field < 8 && in >> value; ++field) {
    total += value;
    if (field == 3 || field == 4) idle += value;
  }
  const bool primed = m_primed;
  const uint64_t dTotal = total - m_total;
  const uint64_t dIdle = idle - m_idle;
  m_primed = true;
  m_total = total;
  m_idle = idle;
  if (!primed || dTotal == 0) return std::nullopt;
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  return static_cast<double>(dIdle) / static_cast<double>(dTotal) * cores;
#else
  return std::nullopt;
#endif
}

}  // namespace ps::engine
