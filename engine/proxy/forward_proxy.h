#pragma once
// ForwardRouter: the forward-proxy RequestRouter. A client configured to use a proxy sends
// absolute-form targets (RFC 9112 3.2.2); the origin comes from the URI, the forwarded request gets
// the origin-form target and a Host equal to the URI's authority. Origin-form requests are answered
// by the proxy itself (a small info page for "/", else 400), except inside an intercepted tunnel
// where they go to the tunnel's target.
#include <optional>
#include <string>
#include <string_view>

#include "engine/net/hooks.h"
#include "engine/policy/upstream_proxies.h"

namespace ps::engine::proxy {

struct ParsedUri {
  std::string scheme;  // lower-case
  std::string host;    // IPv6 without brackets
  uint16_t port = 0;
  std::string path;    // origin-form: path and query, "/" when empty
  std::string authority;  // absolute form only: host[:port] as written (the Host sent upstream)
};

// Parses an absolute-form request target ("http://host:port/path?q"). Only http and https. The
// error names what is wrong.
Result<ParsedUri> parseAbsoluteUri(std::string_view target);
// Parses an authority-form target ("host:port", "[v6]:port") as CONNECT uses it; the port is required.
Result<ParsedUri> parseAuthority(std::string_view target);

// With an UpstreamProxySelector (the upstream-proxies policy) each request and CONNECT may go through
// an upstream proxy: plain http is then sent to it in absolute form with Proxy-Authorization; https
// and tunnels open a CONNECT through it (UpstreamPool).
class ForwardRouter final : public net::RequestRouter {
 public:
  explicit ForwardRouter(std::shared_ptr<UpstreamProxySelector> upstreamProxies = nullptr)
      : m_upstreamProxies(std::move(upstreamProxies)) {}
  const std::shared_ptr<UpstreamProxySelector>& upstreamProxies() const { return m_upstreamProxies; }

  net::RouteResult route(http::RequestHead& forwarded, Request& record, const net::ClientInfo& client) override;
  net::RouteResult routeConnect(const http::RequestHead& head, Request& record, const net::ClientInfo& client) override;
  // Upstream-proxy failover (forward_failover.cpp): each unreachable proxy is an attempt on the flow
  // (UpstreamAttempt: backend = proxy name), marked down, and the next one of the pool is tried; when
  // none is left the 502 names every proxy tried.
  std::optional<net::UpstreamTarget> proxyUnreachable(Flow& flow, const net::UpstreamTarget& failed,
                                                      http::RequestHead& forwarded, std::string& error) override;
  // After a failover, the proxy that carried the exchange is recorded as the last attempt.
  void exchangeFinished(Flow& flow, const net::UpstreamTarget& target, bool ok) override;

 private:
  std::shared_ptr<UpstreamProxySelector> m_upstreamProxies;
};

}  // namespace ps::engine::proxy
