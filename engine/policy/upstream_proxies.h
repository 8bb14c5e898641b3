#pragma once
// UpstreamProxySelector: the upstream-proxies policy (forward mode, issue 10). For each request (or
// CONNECT) it picks the proxy to go through: the pool is the configured proxies whose host patterns
// match the target host (a proxy without patterns serves every host); a host no proxy covers goes
// direct. Rotation across the pool is round-robin or random, per request or per host (a host keeps
// the proxy it was first given). Thread-safe: every engine thread routes through one selector.
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/net/hooks.h"
#include "engine/policy/policy_config.h"

namespace ps::engine {

// Parses "http://[user:pass@]host[:port][/]" (port defaults to 80, as for any http URL). The error
// says what is wrong.
Result<UpstreamProxyConfig> parseUpstreamProxyUrl(std::string_view url);

// "*.example" matches any subdomain of example (not example itself); other patterns match the host
// exactly; "*" matches every host. Case-insensitive.
bool hostMatchesPattern(std::string_view host, std::string_view pattern);

// A bypass entry: a host pattern (hostMatchesPattern) or an address range "a.b.c.d/n", "x::/n"
// that an IP literal host falls in (GNOME ignore-hosts and KDE NoProxyFor use both).
bool hostBypassed(std::string_view host, std::string_view entry);

class UpstreamProxySelector {
 public:
  explicit UpstreamProxySelector(const UpstreamProxiesPolicyConfig& config);

  // The proxy for a request to `host`, or null to go direct. Counts the choice. Proxies marked down
  // are left out while another of the pool is up.
  std::shared_ptr<const net::UpstreamProxy> select(const std::string& host);
  // Failover: the proxy named `failed` could not be reached. Marks it down for the cool-down and
  // returns the next proxy of the host's pool that is up and not in `tried` (names), or null when
  // none is left. Counts the failure and the new choice.
  std::shared_ptr<const net::UpstreamProxy> failover(const std::string& host, const std::string& failed,
                                                     const std::vector<std::string>& tried);
  bool isDown(const std::string& name) const;
  // "upstream.NAME.requests" and "upstream.NAME.failures" for each proxy, and "upstream.direct" for
  // requests no proxy covered.
  std::vector<PolicyCounter> counters() const;

 private:
  struct Entry {
    std::shared_ptr<const net::UpstreamProxy> proxy;
    std::vector<std::string> hosts;
    std::vector<std::string> bypass;
    std::unique_ptr<std::atomic<uint64_t>> requests = std::make_unique<std::atomic<uint64_t>>(0);
    std::unique_ptr<std::atomic<uint64_t>> failures = std::make_unique<std::atomic<uint64_t>>(0);
    // Steady-clock milliseconds until which the proxy is down (0: up).
    std::unique_ptr<std::atomic<int64_t>> downUntil = std::make_unique<std::atomic<int64_t>>(0);
  };
  size_t pick(size_t poolSize);
  std::vector<size_t> poolFor(const std::string& host) const;
  bool down(const Entry& e) const;

  std::chrono::milliseconds m_cooldown;

  UpstreamProxiesPolicyConfig::Rotation m_rotation;
  UpstreamProxiesPolicyConfig::Per m_per;
  std::vector<Entry> m_entries;
  std::atomic<uint64_t> m_next{0};
  std::atomic<uint64_t> m_direct{0};
  std::mutex m_mutex;  // guards m_random and m_byHost
  std::mt19937_64 m_random{std::random_device{}()};
  std::unordered_map<std::string, size_t> m_byHost;  // per host: index into m_entries
};

}  // namespace ps::engine
