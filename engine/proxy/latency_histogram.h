#pragma once
// LatencyHistogram: lock-free latency record for p50/p95/p99 of a backend. Log-linear buckets
// (8 per power of two, ~9% wide) from 1 µs to ~1.2 h; record() is one relaxed atomic increment, so
// every engine thread may record into the same histogram.
#include <array>
#include <atomic>
#include <cstdint>

namespace ps::engine {

class LatencyHistogram {
 public:
  void record(int64_t micros);
  // The q-quantile (0 < q <= 1) in microseconds: the upper edge of the bucket holding it; 0 when empty.
  int64_t quantile(double q) const;
  uint64_t count() const { return m_count.load(std::memory_order_relaxed); }
  void reset();

  static constexpr int kSubBuckets = 8;
  static constexpr int kPowers = 33;
  static constexpr int kBuckets = kSubBuckets * kPowers;

  static int bucketOf(int64_t micros);
  static int64_t upperEdge(int bucket);

 private:
  std::array<std::atomic<uint64_t>, kBuckets> m_buckets{};
  std::atomic<uint64_t> m_count{0};
};

}  // namespace ps::engine
