#include "engine/policy/network_conditions.h"

#include <algorithm>

namespace ps::engine {

NetworkShaper::NetworkShaper(NetworkConditions conditions, uint64_t seed) : m_conditions(std::move(conditions)), m_rng(seed) {
  // Burst of 1/20 s of traffic: small enough that the measured rate stays close to the cap even for
  // short transfers, large enough not to split every socket write.
  if (m_conditions.downloadBytesPerSecond > 0) {
    m_down = std::make_unique<TokenBucket>(m_conditions.downloadBytesPerSecond,
                                           std::max(16384.0, m_conditions.downloadBytesPerSecond / 20));
  }
  if (m_conditions.uploadBytesPerSecond > 0) {
    m_up = std::make_unique<TokenBucket>(m_conditions.uploadBytesPerSecond,
                                         std::max(16384.0, m_conditions.uploadBytesPerSecond / 20));
  }
}

std::chrono::milliseconds NetworkShaper::sampleLatency() {
  if (m_conditions.jitter.count() <= 0) return m_conditions.latency;
  std::lock_guard lock(m_mutex);
  std::uniform_int_distribution<int64_t> d(-m_conditions.jitter.count(), m_conditions.jitter.count());
  return std::max(std::chrono::milliseconds(0), m_conditions.latency + std::chrono::milliseconds(d(m_rng)));
}

bool NetworkShaper::injectFailure() {
  if (m_conditions.failureRate <= 0) return false;
  std::lock_guard lock(m_mutex);
  return std::uniform_real_distribution<double>(0.0, 1.0)(m_rng) < m_conditions.failureRate;
}

std::chrono::microseconds NetworkShaper::downloadDelay(size_t n) {
  return m_down ? m_down->reserve(static_cast<double>(n)) : std::chrono::microseconds(0);
}

std::chrono::microseconds NetworkShaper::uploadDelay(size_t n) {
  return m_up ? m_up->reserve(static_cast<double>(n)) : std::chrono::microseconds(0);
}

}  // namespace ps::engine
