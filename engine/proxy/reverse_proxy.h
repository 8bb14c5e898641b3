#pragma once
// ReverseRouter: the reverse-proxy RequestRouter. A request matches a route (host, path prefix),
// the route's pool picks a backend with its Balancer, and the forwarded copy gets the route's
// prefix strip, the forwarding headers (X-Forwarded-*, RFC 7239 Forwarded) and the Host policy.
//
//  * No eligible backend: 503 with a body naming the pool and each backend's state (error flow).
//  * Retries (RFC 9110 9.2.2): a connect failure, or an idempotent request that failed before any
//    response byte (and before any body byte was consumed), is sent once more to another backend
//    (pool "retries"); a response timeout is not retried, it answers 504 within the timeout.
//  * Every attempt is recorded on the flow (Flow::attempts) and ends its backend lease, which feeds
//    passive ejection and the latency histogram.
//  * Responses: Set-Cookie for a new sticky choice; Server and X-Powered-By stripped on request.
//  * Health changes become FlowEventType::BackendHealth events on the EventHub.
#include <memory>
#include <string>
#include <vector>

#include "engine/core/event_hub.h"
#include "engine/net/hooks.h"
#include "engine/proxy/balancer.h"
#include "engine/proxy/health_checker.h"
#include "engine/proxy/reverse_config.h"

namespace ps::engine::proxy {

class ReverseRouter final : public net::RequestRouter {
 public:
  // `previous`: the router of the config being replaced; backends with the same pool, name and URL
  // keep their state. `hub` receives health events (may be null in tests).
  ReverseRouter(std::shared_ptr<const ReverseConfig> config, EventHub* hub, const ReverseRouter* previous = nullptr,
                bool activeChecks = true);
  ~ReverseRouter() override;

  net::RouteResult route(http::RequestHead& forwarded, Request& record, const net::ClientInfo& client) override;
  net::RouteResult routeConnect(const http::RequestHead& head, Request& record, const net::ClientInfo& client) override;
  std::optional<net::UpstreamTarget> retryTarget(Flow& flow, const net::UpstreamTarget& failed,
                                                 http::RequestHead& forwarded, ErrorKind kind, const std::string& error,
                                                 bool connected) override;
  void rewriteResponseHead(Flow& flow, const net::UpstreamTarget& target, http::ResponseHead& head) override;
  void exchangeFinished(Flow& flow, const net::UpstreamTarget& target, bool ok) override;

  const ReverseConfig& config() const { return *m_config; }
  Balancer* balancer(std::string_view pool) const;
  std::vector<BackendStats> stats() const;
  Result<void> admin(std::string_view pool, std::string_view backend, BackendAdminAction action, unsigned weight);

 private:
  std::optional<net::UpstreamTarget> targetFor(Balancer& balancer, const Pick& pick, http::RequestHead& forwarded) const;
  std::string noBackendMessage(const Balancer& balancer) const;

  std::shared_ptr<const ReverseConfig> m_config;
  EventHub* m_hub;
  std::vector<std::unique_ptr<Balancer>> m_balancers;  // in config pool order
  std::unique_ptr<HealthChecker> m_checker;            // after the balancers: destroyed first
};

}  // namespace ps::engine::proxy
