#include "engine/policy/network_policy.h"

#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include "engine/policy/upstream_proxies.h"

namespace ps::engine {

namespace {

// The per-exchange pacer put on the target: the rule's shared buckets, plus this attempt's fate.
class RulePacer final : public net::TrafficShaper {
 public:
  explicit RulePacer(std::shared_ptr<NetworkShaper> shaper) : m_shaper(std::move(shaper)) {}
  std::chrono::microseconds downloadDelay(size_t n) override { return m_shaper->downloadDelay(n); }
  std::chrono::microseconds uploadDelay(size_t n) override { return m_shaper->uploadDelay(n); }

 private:
  std::shared_ptr<NetworkShaper> m_shaper;
};

std::string kibps(double bytesPerSecond) {
  return std::to_string(static_cast<int64_t>(bytesPerSecond / 1024)) + "KBps";
}

}  // namespace

NetworkPolicy::NetworkPolicy(const NetworkConditionsPolicyConfig& config) : m_enabled(config.enabled) {
  for (const auto& rule : config.rules) m_shapers.push_back(std::make_shared<NetworkShaper>(rule));
}

std::shared_ptr<NetworkShaper> NetworkPolicy::match(const Flow& flow, const net::UpstreamTarget& target) const {
  for (const auto& shaper : m_shapers) {
    const std::string& pattern = shaper->conditions().hostPattern;
    if (hostMatchesPattern(flow.request.host, pattern)) return shaper;
    // Reverse mode: a rule may name a backend, so one backend of a pool can be made to misbehave.
    if (!target.backend.empty() && (target.backend == pattern || hostMatchesPattern(target.backend, pattern))) {
      return shaper;
    }
  }
  return nullptr;
}

asio::awaitable<std::optional<net::StageVerdict>> NetworkPolicy::apply(Flow& flow, net::UpstreamTarget& target,
                                                                       net::tcp::socket* client) {
  if (!m_enabled) co_return std::nullopt;
  std::shared_ptr<NetworkShaper> shaper = match(flow, target);
  if (!shaper) co_return std::nullopt;
  const NetworkConditions& rule = shaper->conditions();
  m_shaped.fetch_add(1, std::memory_order_relaxed);
  flow.tags.push_back("network:" + (rule.name.empty() ? rule.hostPattern : rule.name));
  std::string applied;
  auto note = [&applied](const std::string& what) { applied += (applied.empty() ? "" : ",") + what; };

  auto latency = shaper->sampleLatency();
  if (latency.count() > 0) {
    note("latency=" + std::to_string(latency.count()) + "ms");
    m_delayed.fetch_add(1, std::memory_order_relaxed);
    // Bounded by the rule's own latency; the connection's thread serves others meanwhile.
    asio::steady_timer timer(co_await asio::this_coro::executor, latency);
    co_await timer.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
  }
  if (rule.downloadBytesPerSecond > 0) note("down=" + kibps(rule.downloadBytesPerSecond));
  if (rule.uploadBytesPerSecond > 0) note("up=" + kibps(rule.uploadBytesPerSecond));

  bool fail = shaper->injectFailure();
  bool reset = rule.failure == NetworkConditions::Failure::Reset;
  if (fail) {
    m_failures.fetch_add(1, std::memory_order_relaxed);
    // Reverse mode fails the backend attempt rather than answering (see below).
    note(!target.backend.empty() ? "injected=backend-failure"
         : reset                 ? "injected=reset"
                                 : "injected=" + std::to_string(rule.failureStatus));
  }
  if (!applied.empty()) flow.tags.push_back("network-applied:" + applied);
  std::string who = "network conditions rule '" + (rule.name.empty() ? rule.hostPattern : rule.name) + "'";

  if (fail && target.backend.empty()) {
    if (reset) {
      // SO_LINGER 0: closing sends RST rather than FIN, which is what "reset" promises the client.
      if (client) {
        asio::error_code ignored;
        client->set_option(asio::socket_base::linger(true, 0), ignored);
      }
      net::StageVerdict v;
      v.kind = net::StageVerdict::Kind::Abort;
      v.closeConnection = true;
      v.reason = "connection reset injected by " + who;
      v.errorKind = ErrorKind::Killed;
      co_return v;
    }
    net::StageVerdict v;
    v.kind = net::StageVerdict::Kind::Respond;
    v.response.status = rule.failureStatus;
    v.response.headers.set("Content-Type", "text/plain; charset=utf-8");
    v.response.body.captured = "Status " + std::to_string(rule.failureStatus) + " injected by Proxyscope " + who + "\n";
    v.response.body.size = v.response.body.captured.size();
    co_return v;
  }
  if (fail || rule.downloadBytesPerSecond > 0 || rule.uploadBytesPerSecond > 0) {
    auto pacer = std::make_shared<RulePacer>(shaper);
    if (fail) {
      pacer->injectedFailure = "backend " + target.backend + ": " + (reset ? "connection reset" : "failure") +
                               " injected by " + who;
    }
    target.shaper = std::move(pacer);
  }
  co_return std::nullopt;
}

void NetworkPolicy::addCounters(std::vector<PolicyCounter>& out) const {
  out.push_back({"network.shaped", m_shaped.load()});
  out.push_back({"network.delayed", m_delayed.load()});
  out.push_back({"network.failures", m_failures.load()});
}

}  // namespace ps::engine
