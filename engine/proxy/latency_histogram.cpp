#include "engine/proxy/latency_histogram.h"

#include <bit>

namespace ps::engine {

int LatencyHistogram::bucketOf(int64_t micros) {
  if (micros < kSubBuckets) return micros < 0 ? 0 : static_cast<int>(micros);
  auto v = static_cast<uint64_t>(micros);
  int power = 63 - std::countl_zero(v);  // v in [2^power, 2^(power+1))
  // The three bits below the leading one pick the sub-bucket.
  int sub = static_cast<int>((v >> (power - 3)) & (kSubBuckets - 1));
  int bucket = (power - 2) * kSubBuckets + sub;
  return bucket < kBuckets ? bucket : kBuckets - 1;
}

int64_t LatencyHistogram::upperEdge(int bucket) {
  if (bucket < kSubBuckets) return bucket + 1;
  int power = bucket / kSubBuckets + 2;
  int sub = bucket % kSubBuckets;
  return (int64_t{1} << power) + (int64_t{sub + 1} << (power - 3));
}

void LatencyHistogram::record(int64_t micros) {
  m_buckets[static_cast<size_t>(bucketOf(micros))].fetch_add(1, std::memory_order_relaxed);
  m_count.fetch_add(1, std::memory_order_relaxed);
}

int64_t LatencyHistogram::quantile(double q) const {
  uint64_t total = 0;
  std::array<uint64_t, kBuckets> snapshot{};
  for (int i = 0; i < kBuckets; ++i) {
    snapshot[static_cast<size_t>(i)] = m_buckets[static_cast<size_t>(i)].load(std::memory_order_relaxed);
    total += snapshot[static_cast<size_t>(i)];
  }
  if (total == 0) return 0;
  auto rank = static_cast<uint64_t>(q * static_cast<double>(total) + 0.999999);
  if (rank == 0) rank = 1;
  uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += snapshot[static_cast<size_t>(i)];
    if (seen >= rank) return upperEdge(i);
  }
  return upperEdge(kBuckets - 1);
}

void LatencyHistogram::reset() {
  for (auto& b : m_buckets) b.store(0, std::memory_order_relaxed);
  m_count.store(0, std::memory_order_relaxed);
}

}  // namespace ps::engine
