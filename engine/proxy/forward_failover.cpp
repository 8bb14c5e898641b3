// ForwardRouter, upstream-proxy failover (issue 10): an upstream proxy that cannot be reached is
// skipped — the request goes to the next proxy of its pool, the failing one is marked down for the
// configured cool-down — and only when every proxy of the pool failed is the answer a 502, which then
// names each proxy tried and why. Nothing of the request has left the proxy before the TCP connection
// to the upstream proxy stands, so trying the next one is safe for any method.
#include "engine/proxy/forward_proxy.h"

namespace ps::engine::proxy {

namespace {

void recordAttempt(Flow& flow, const net::UpstreamTarget& target, std::string outcome, std::string error) {
  UpstreamAttempt attempt;
  attempt.backend = target.proxy ? target.proxy->name : target.authority();
  attempt.address = target.proxy ? target.proxy->authority() : target.authority();
  attempt.outcome = std::move(outcome);
  attempt.error = std::move(error);
  attempt.start = flow.attempts.empty() ? flow.timing.start : flow.attempts.back().end;
  attempt.end = nowMicros();
  flow.attempts.push_back(std::move(attempt));
}

}  // namespace

std::optional<net::UpstreamTarget> ForwardRouter::proxyUnreachable(Flow& flow, const net::UpstreamTarget& failed,
                                                                   http::RequestHead& forwarded, std::string& error) {
  if (!m_upstreamProxies || !failed.proxy) return std::nullopt;
  recordAttempt(flow, failed, "connect-failed", error);
  std::vector<std::string> tried;
  for (const auto& a : flow.attempts) tried.push_back(a.backend);
  auto next = m_upstreamProxies->failover(failed.host, failed.proxy->name, tried);
  if (!next) {
    if (flow.attempts.size() > 1) {
      // Every proxy of the pool failed: the 502 names them all (RFC 9110 15.6.3).
      std::string all = "every upstream proxy failed:";
      for (const auto& a : flow.attempts) all += " " + a.backend + " (" + a.address + "): " + a.error + ";";
      all.pop_back();
      error = std::move(all);
    }
    return std::nullopt;
  }
  net::UpstreamTarget target = failed;
  target.proxy = std::move(next);
  // Plain http goes to the proxy in absolute form with that proxy's own credentials (or none).
  if (!target.tls && !target.proxyTunnel) {
    if (target.proxy->authorization.empty()) {
      forwarded.headers.remove("Proxy-Authorization");
    } else {
      forwarded.headers.set("Proxy-Authorization", target.proxy->authorization);
    }
  }
  return target;
}

void ForwardRouter::exchangeFinished(Flow& flow, const net::UpstreamTarget& target, bool ok) {
  if (flow.attempts.empty() || !target.proxy) return;  // only a flow that failed over lists its attempts
  const UpstreamAttempt& last = flow.attempts.back();
  if (last.backend == target.proxy->name && last.outcome == "connect-failed") return;  // already recorded
  recordAttempt(flow, target, ok ? "ok" : "aborted", ok ? "" : (flow.error ? flow.error->message : std::string()));
}

}  // namespace ps::engine::proxy
