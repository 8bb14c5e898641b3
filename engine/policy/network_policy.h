#pragma once
// NetworkPolicy: applies the network-conditions rules (issue 10) at the end of the request stage, so
// only exchanges that really go upstream (not cache hits or blocked requests) are shaped. The first
// rule whose "hosts" pattern matches the request host — or, in reverse mode, the backend's name —
// applies: added latency (a timer, never a blocked thread), a pacer on the target for the bandwidth
// caps, and failure injection. Forward mode answers an injected "5xx" itself and resets the client
// connection for "reset"; reverse mode fails the attempt on the backend instead, so the balancer sees
// it as the backend's failure (passive ejection, retries on another backend).
#include <asio/awaitable.hpp>
#include <atomic>
#include <memory>
#include <optional>
#include <vector>

#include "engine/net/hooks.h"
#include "engine/policy/network_conditions.h"
#include "engine/policy/policy_config.h"

namespace ps::engine {

class NetworkPolicy {
 public:
  explicit NetworkPolicy(const NetworkConditionsPolicyConfig& config);

  // A verdict when the request is answered or cut off here; nullopt to go on upstream.
  asio::awaitable<std::optional<net::StageVerdict>> apply(Flow& flow, net::UpstreamTarget& target,
                                                          net::tcp::socket* client);
  void addCounters(std::vector<PolicyCounter>& out) const;

 private:
  std::shared_ptr<NetworkShaper> match(const Flow& flow, const net::UpstreamTarget& target) const;

  bool m_enabled = false;
  // One live shaper per rule: its token buckets are shared by every exchange the rule applies to.
  std::vector<std::shared_ptr<NetworkShaper>> m_shapers;
  std::atomic<uint64_t> m_shaped{0}, m_delayed{0}, m_failures{0};
};

}  // namespace ps::engine
