#pragma once
// Network conditions: added latency (with jitter), a bandwidth cap per direction, and failure
// injection (connection reset or a 5xx) at a rate — per host pattern (forward) or backend (reverse),
// so a user can watch passive health checks eject a backend and retries fail over.
#include <chrono>
#include <memory>
#include <mutex>
#include <random>
#include <string>

#include "engine/policy/token_bucket.h"

namespace ps::engine {

struct NetworkConditions {
  std::string name;               // shown in the flow's tag; "" = the host pattern
  std::string hostPattern = "*";  // forward: request host; reverse: matched against the backend name too
  std::chrono::milliseconds latency{0};
  std::chrono::milliseconds jitter{0};  // latency ± jitter, uniform
  double downloadBytesPerSecond = 0;    // 0 = unlimited
  double uploadBytesPerSecond = 0;
  double failureRate = 0;               // 0..1
  enum class Failure { Reset, ServerError } failure = Failure::ServerError;
  int failureStatus = 503;
};

// The live side of one NetworkConditions entry: shared by all connections it applies to.
class NetworkShaper {
 public:
  explicit NetworkShaper(NetworkConditions conditions, uint64_t seed = std::random_device{}());
  const NetworkConditions& conditions() const { return m_conditions; }
  std::chrono::milliseconds sampleLatency();
  bool injectFailure();
  // How long to wait before sending n more bytes in that direction (0 = now).
  std::chrono::microseconds downloadDelay(size_t n);
  std::chrono::microseconds uploadDelay(size_t n);

 private:
  NetworkConditions m_conditions;
  std::mutex m_mutex;
  std::mt19937_64 m_rng;
  std::unique_ptr<TokenBucket> m_down;
  std::unique_ptr<TokenBucket> m_up;
};

}  // namespace ps::engine
