#pragma once
// Token buckets for rate limiting (requests per key) and bandwidth shaping (bytes per direction).
// Thread-safe; time is passed in so tests are exact.
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace ps::engine {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;
  TokenBucket(double ratePerSecond, double burst, Clock::time_point now = Clock::now());

  // Takes n tokens if available. Returns 0 when taken, else how long until n tokens will be there.
  std::chrono::microseconds take(double n, Clock::time_point now = Clock::now());
  // Takes n tokens, going into debt if needed; returns how long the caller should wait (shaping).
  std::chrono::microseconds reserve(double n, Clock::time_point now = Clock::now());
  double rate() const { return m_rate; }

 private:
  void refill(Clock::time_point now);
  double m_rate;
  double m_burst;
  double m_tokens;
  Clock::time_point m_last;
  std::mutex m_mutex;
};

// One bucket per key (client address or route), created on first use; idle buckets are dropped.
class KeyedRateLimiter {
 public:
  KeyedRateLimiter(double ratePerSecond, double burst) : m_rate(ratePerSecond), m_burst(burst) {}
  // 0 = allowed; otherwise the Retry-After delay.
  std::chrono::microseconds acquire(const std::string& key, TokenBucket::Clock::time_point now = TokenBucket::Clock::now());
  size_t keys() const;

 private:
  double m_rate;
  double m_burst;
  mutable std::mutex m_mutex;
  std::unordered_map<std::string, std::unique_ptr<TokenBucket>> m_buckets;
  TokenBucket::Clock::time_point m_lastSweep{};
};

}  // namespace ps::engine
