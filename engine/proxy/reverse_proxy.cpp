#include "engine/proxy/reverse_proxy.h"

#include <charconv>

#include "engine/proxy/forwarding_headers.h"

namespace ps::engine::proxy {

namespace {

// One attempt on one backend: counted active from the pick until finish() (or, when the exchange
// ended without a verdict — client gone, shutdown — until the last copy of the target is dropped).
struct Lease {
  Balancer* balancer = nullptr;
  std::shared_ptr<Backend> backend;
  bool setCookie = false;
  int64_t startSteady = steadyMicros();
  int64_t startWall = nowMicros();
  int status = 0;
  int64_t headLatency = 0;
  bool finished = false;

  void finish(AttemptOutcome outcome, const std::string& error) {
    if (finished) return;
    finished = true;
    int64_t latency = headLatency != 0 ? headLatency : steadyMicros() - startSteady;
    balancer->finish(*backend, outcome, latency, error);
  }
  ~Lease() { finish(AttemptOutcome::Aborted, {}); }
};

std::shared_ptr<Lease> leaseOf(const net::UpstreamTarget& target) {
  return std::static_pointer_cast<Lease>(target.routeState);
}

void recordAttempt(Flow& flow, const net::UpstreamTarget& target, AttemptOutcome outcome, const std::string& error,
                   int64_t start) {
  UpstreamAttempt attempt;
  attempt.backend = target.backend;
  attempt.address = target.authority();
  attempt.outcome = toString(outcome);
  attempt.error = error;
  attempt.start = start;
  attempt.end = nowMicros();
  flow.attempts.push_back(std::move(attempt));
}

// RFC 9110 9.2.2: methods a client may repeat without changing the outcome.
bool idempotent(std::string_view method) {
  for (std::string_view m : {"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"}) {
    if (method == m) return true;
  }
  return false;
}

std::string_view hostWithoutPort(std::string_view host) {
  if (host.starts_with('[')) {
    size_t close = host.find(']');
    return close == std::string_view::npos ? host : host.substr(1, close - 1);
  }
  size_t colon = host.find(':');
  return colon == std::string_view::npos ? host : host.substr(0, colon);
}

}  // namespace

ReverseRouter::ReverseRouter(std::shared_ptr<const ReverseConfig> config, EventHub* hub, const ReverseRouter* previous,
                             bool activeChecks)
    : m_config(std::move(config)), m_hub(hub) {
  HealthObserver observer;
  if (m_hub != nullptr) {
    observer = [hub = m_hub](const BackendHealthChange& change) {
      auto placeholder = std::make_shared<Flow>();
      placeholder->mode = ProxyMode::Reverse;
      placeholder->backend = change.backend;
      placeholder->tags.push_back("backend-health");
      placeholder->timing.start = change.at;
      FlowEvent event;
      event.type = FlowEventType::BackendHealth;
      event.flowId = 0;
      event.flow = std::move(placeholder);
      event.detail = change.describe();
      hub->publish(std::move(event));
    };
  }
  std::vector<Balancer*> raw;
  for (const PoolConfig& pool : m_config->pools) {
    const Balancer* old = previous != nullptr ? previous->balancer(pool.name) : nullptr;
    m_balancers.push_back(std::make_unique<Balancer>(pool, observer, old));
    raw.push_back(m_balancers.back().get());
  }
  if (activeChecks) m_checker = std::make_unique<HealthChecker>(raw);
}

ReverseRouter::~ReverseRouter() { m_checker.reset(); }

Balancer* ReverseRouter::balancer(std::string_view pool) const {
  for (const auto& b : m_balancers) {
    if (b->config().name == pool) return b.get();
  }
  return nullptr;
}

std::vector<BackendStats> ReverseRouter::stats() const {
  std::vector<BackendStats> out;
  for (const auto& b : m_balancers) {
    auto s = b->stats();
    out.insert(out.end(), std::make_move_iterator(s.begin()), std::make_move_iterator(s.end()));
  }
  return out;
}

Result<void> ReverseRouter::admin(std::string_view pool, std::string_view backend, BackendAdminAction action,
                                  unsigned weight) {
  Balancer* b = balancer(pool);
  if (b == nullptr) return Error{"no pool named '" + std::string(pool) + "'"};
  return b->admin(backend, action, weight);
}

std::string ReverseRouter::noBackendMessage(const Balancer& balancer) const {
  std::string text = "503 no healthy backend in pool '" + balancer.config().name + "':";
  for (const BackendStats& s : balancer.stats()) {
    text += " " + s.name + " " + toString(s.status);
    if (!s.lastError.empty() && s.status != BackendStatus::Healthy) text += " (" + s.lastError + ")";
    text += ";";
  }
  text.pop_back();
  return text;
}

std::optional<net::UpstreamTarget> ReverseRouter::targetFor(Balancer& balancer, const Pick& pick,
                                                            http::RequestHead& forwarded) const {
  const BackendConfig& bc = pick.backend->config();
  net::UpstreamTarget target;
  target.scheme = bc.scheme;
  target.host = bc.host;
  target.port = bc.port;
  target.tls = bc.scheme == "https";
  target.backend = bc.name;
  target.responseTimeout = balancer.config().responseTimeout;
  auto lease = std::make_shared<Lease>();
  lease->balancer = &balancer;
  lease->backend = pick.backend;
  lease->setCookie = pick.setCookie;
  target.routeState = std::move(lease);
  if (!m_config->headers.preserveHost) applyHostPolicy(forwarded.headers, m_config->headers, target.authority());
  return target;
}

net::RouteResult ReverseRouter::route(http::RequestHead& forwarded, Request& record, const net::ClientInfo& client) {
  // A copy: adding the forwarding fields may move the field it was read from.
  std::string hostHeader(forwarded.headers.get("Host").value_or(""));
  record.scheme = client.secure ? "https" : "http";
  record.host = std::string(hostWithoutPort(hostHeader));
  record.port = client.secure ? 443 : 80;
  size_t colon = hostHeader.rfind(':');
  size_t close = hostHeader.rfind(']');
  bool hasPort =
      colon != std::string::npos && (close == std::string::npos ? hostHeader.find(':') == colon : colon > close);
  if (hasPort) {
    // The leading digits (0 when there are none or too many), as the record shows them.
    unsigned port = 0;
    std::from_chars(hostHeader.data() + colon + 1, hostHeader.data() + hostHeader.size(), port);
    record.port = static_cast<uint16_t>(port);
  }
  record.path = forwarded.target;
  if (forwarded.target.empty() || forwarded.target.front() != '/') {
    return net::RouteResult::answer(400,
                                    "a reverse proxy takes origin-form targets (/path), got '" + forwarded.target + "'",
                                    ErrorKind::ClientProtocol, true);
  }
  const RouteConfig* route = m_config->matchRoute(record.host, forwarded.target);
  if (route == nullptr) {
    return net::RouteResult::answer(404, "no route for host '" + record.host + "' and path '" + forwarded.target + "'",
                                    ErrorKind::NoBackend);
  }
  Balancer* pool = balancer(route->pool);
  std::string cookies;
  for (const auto& f : forwarded.headers) {
    if (!iequals(f.name, "Cookie")) continue;
    if (!cookies.empty()) cookies += "; ";
    cookies += f.value;
  }
  auto pick = pool->pick(PickRequest{client.clientAddress, cookies, {}});
  if (!pick) return net::RouteResult::answer(503, noBackendMessage(*pool), ErrorKind::NoBackend);
  if (route->stripPrefix) forwarded.target = stripPathPrefix(forwarded.target, route->pathPrefix);
  addForwardingHeaders(forwarded.headers, ForwardingContext{client.clientAddress, record.scheme, hostHeader, ""},
                       m_config->headers);
  return net::RouteResult::to(*targetFor(*pool, *pick, forwarded));
}

net::RouteResult ReverseRouter::routeConnect(const http::RequestHead& head, Request& record, const net::ClientInfo&) {
  record.host = head.target;
  return net::RouteResult::answer(405, "CONNECT is not served by a reverse proxy", ErrorKind::ClientProtocol, true);
}

std::optional<net::UpstreamTarget> ReverseRouter::retryTarget(Flow& flow, const net::UpstreamTarget& failed,
                                                              http::RequestHead& forwarded, ErrorKind kind,
                                                              const std::string& error, bool connected) {
  auto lease = leaseOf(failed);
  if (!lease) return std::nullopt;
  AttemptOutcome outcome = !connected                           ? AttemptOutcome::ConnectFailed
                           : kind == ErrorKind::UpstreamTimeout ? AttemptOutcome::Timeout
                                                                : AttemptOutcome::BadResponse;
  lease->finish(outcome, error);
  recordAttempt(flow, failed, outcome, error, lease->startWall);
  Balancer& pool = *lease->balancer;
  if (flow.attempts.size() > pool.config().retries) return std::nullopt;
  // A request that reached a backend is repeated only when repeating is harmless, and a backend that
  // is merely slow is not given a second chance to be slow (504 within the configured timeout).
  if (connected && (!idempotent(forwarded.method) || kind == ErrorKind::UpstreamTimeout)) return std::nullopt;
  std::vector<const Backend*> tried;
  for (const UpstreamAttempt& a : flow.attempts) {
    if (auto b = pool.find(a.backend)) tried.push_back(b.get());
  }
  std::string cookies;
  for (std::string_view c : forwarded.headers.getAll("Cookie")) cookies += std::string(c) + "; ";
  auto pick = pool.pick(PickRequest{flow.clientAddress, cookies, tried});
  if (!pick) return std::nullopt;
  flow.backend = pick->backend->name();
  return targetFor(pool, *pick, forwarded);
}

void ReverseRouter::rewriteResponseHead(Flow& flow, const net::UpstreamTarget& target, http::ResponseHead& head) {
  (void)flow;
  auto lease = leaseOf(target);
  if (!lease) return;
  lease->status = head.status;
  lease->headLatency = steadyMicros() - lease->startSteady;
  if (lease->setCookie) head.headers.add("Set-Cookie", lease->balancer->setCookieValue(*lease->backend));
  if (m_config->headers.stripBackendIdentity) stripBackendIdentity(head.headers);
}

void ReverseRouter::exchangeFinished(Flow& flow, const net::UpstreamTarget& target, bool ok) {
  auto lease = leaseOf(target);
  if (!lease || lease->finished) return;
  AttemptOutcome outcome = !ok                    ? AttemptOutcome::BadResponse
                           : lease->status >= 500 ? AttemptOutcome::ServerError
                                                  : AttemptOutcome::Success;
  std::string error =
      ok ? (lease->status >= 500 ? "status " + std::to_string(lease->status) : "") : "failed after the response began";
  lease->finish(outcome, error);
  recordAttempt(flow, target, outcome, error, lease->startWall);
  flow.backend = target.backend;
}

}  // namespace ps::engine::proxy
