#include "engine/policy/token_bucket.h"

#include <algorithm>
#include <cmath>
#include <memory>

namespace ps::engine {

TokenBucket::TokenBucket(double ratePerSecond, double burst, Clock::time_point now)
    : m_rate(std::max(ratePerSecond, 1e-9)), m_burst(std::max(burst, 1.0)), m_tokens(std::max(burst, 1.0)), m_last(now) {}

void TokenBucket::refill(Clock::time_point now) {
  if (now <= m_last) return;
  double elapsed = std::chrono::duration<double>(now - m_last).count();
  m_tokens = std::min(m_burst, m_tokens + elapsed * m_rate);
  m_last = now;
}

std::chrono::microseconds TokenBucket::take(double n, Clock::time_point now) {
  std::lock_guard lock(m_mutex);
  refill(now);
  if (m_tokens >= n) {
    m_tokens -= n;
    return std::chrono::microseconds(0);
  }
  return std::chrono::microseconds(static_cast<int64_t>(std::ceil((n - m_tokens) / m_rate * 1e6)));
}

std::chrono::microseconds TokenBucket::reserve(double n, Clock::time_point now) {
  std::lock_guard lock(m_mutex);
  refill(now);
  m_tokens -= n;
  if (m_tokens >= 0) return std::chrono::microseconds(0);
  return std::chrono::microseconds(static_cast<int64_t>(std::ceil(-m_tokens / m_rate * 1e6)));
}

std::chrono::microseconds KeyedRateLimiter::acquire(const std::string& key, TokenBucket::Clock::time_point now) {
  std::lock_guard lock(m_mutex);
  // Buckets idle long enough to be full again carry no state: drop them now and then.
  if (now - m_lastSweep > std::chrono::seconds(60) && m_buckets.size() > 1024) {
    for (auto it = m_buckets.begin(); it != m_buckets.end();) {
      if (it->second->take(m_burst, now).count() == 0) {
        it = m_buckets.erase(it);
      } else {
        ++it;
      }
    }
    m_lastSweep = now;
  }
  auto& bucket = m_buckets[key];
  if (!bucket) bucket = std::make_unique<TokenBucket>(m_rate, m_burst, now);
  return bucket->take(1, now);
}

size_t KeyedRateLimiter::keys() const {
  std::lock_guard lock(m_mutex);
  return m_buckets.size();
}

}  // namespace ps::engine
