#pragma once
// The plug points of the engine. The connection code (ClientConnection, the upstream exchange, the
// CONNECT tunnel) is shared by every mode; what differs is supplied through these interfaces:
//
//  * RequestRouter   — where a request goes. Forward mode: the absolute-form URI (ForwardRouter,
//                      engine/proxy/forward_proxy.h). Reverse mode: a balancer over backends.
//  * TunnelInterceptor — after CONNECT, may take over the client connection (TLS interception:
//                      terminate TLS with a leaf certificate and serve the decrypted HTTP/1.1 with
//                      serveHttp(), see client_connection.h).
//  * UpstreamTlsConnector — wraps a connected TCP socket to an https upstream in TLS.
//
// EngineHooks bundles them; makeEngineHooks() (engine_hooks.cpp) builds the set for a config.
#include <asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "engine/core/config.h"
#include "engine/core/flow.h"
#include "engine/core/result.h"
#include "engine/http/http1_parser.h"
#include "engine/net/stream.h"

namespace ps::engine::net {

class Deadline;
struct ConnectionContext;

// Where an exchange is sent.
struct UpstreamTarget {
  std::string scheme = "http";  // "http" or "https"
  std::string host;             // name or address, IPv6 without brackets
  uint16_t port = 80;
  bool tls = false;             // speak TLS to the upstream
  std::string backend;          // reverse mode: the backend's name (recorded on the flow)
  std::string authority() const;  // host:port, IPv6 in brackets
  std::string poolKey() const;    // scheme://host:port — connections are reused per key
};

// The router's answer: a target, or a response the proxy gives itself.
struct RouteResult {
  std::optional<UpstreamTarget> target;
  int status = 0;            // when no target: status to answer with
  std::string body;          // its text/plain body (the reason)
  ErrorKind errorKind = ErrorKind::None;  // None = a normal local answer (e.g. an info page)
  bool closeConnection = false;

  static RouteResult to(UpstreamTarget target);
  static RouteResult answer(int status, std::string body, ErrorKind kind, bool close = false);
};

// What the router knows about the client side.
struct ClientInfo {
  uint64_t connectionId = 0;
  std::string clientAddress;  // "127.0.0.1:54321"
  bool secure = false;        // the client connection is TLS (intercepted tunnel or TLS listener)
  // Inside an intercepted CONNECT tunnel: the tunnel's target. Origin-form requests go there.
  std::optional<UpstreamTarget> tunnelTarget;
};

class RequestRouter {
 public:
  virtual ~RequestRouter() = default;
  // Decides where one request goes. `forwarded` is the copy sent upstream (hop-by-hop fields already
  // removed): the router rewrites what its mode needs (forward: absolute-form → origin-form target,
  // Host = URI authority). `record` is the flow's request: fill scheme, host, port and path.
  // Called on the connection's thread; must not block.
  virtual RouteResult route(http::RequestHead& forwarded, Request& record, const ClientInfo& client) = 0;
  // CONNECT host:port (authority-form). Return a target to open a tunnel, or an answer.
  virtual RouteResult routeConnect(const http::RequestHead& head, Request& record, const ClientInfo& client) = 0;
  // Outcome of an exchange with a target (passive health for balancers). ok=false: connect failure,
  // timeout or bad response.
  virtual void upstreamResult(const UpstreamTarget& target, bool ok) {
    (void)target;
    (void)ok;
  }
};

// Handed to a TunnelInterceptor after the client got "200 Connection established".
struct TunnelContext {
  ConnectionContext& connection;   // engine services of this connection's thread (serveHttp needs it)
  ClientInfo client;               // tunnelTarget is set
  std::unique_ptr<Stream>& clientStream;  // move out of it to take the connection over
  std::string firstBytes;          // what the client sent first (a TLS ClientHello when it is TLS)
  UpstreamTarget target;
  tcp::socket& upstream;           // already connected TCP socket to the target (may be moved out)
  Flow& tunnelFlow;                // the tunnel's flow record (tag it "intercepted" when taking over)
};

class TunnelInterceptor {
 public:
  virtual ~TunnelInterceptor() = default;
  // Whether to wait for the client's first bytes on this tunnel (only then is intercept() called).
  // Returning false keeps server-speaks-first protocols working.
  virtual bool wantsTunnel(const UpstreamTarget& target) = 0;
  // Returns true when it took the connection over and has finished with it; false to fall back to
  // relaying bytes (firstBytes are then sent upstream first). Streams it owns while it works (e.g.
  // during a TLS handshake) should be registered with StreamRegistration (connection_context.h) so
  // Engine::stop() can close them; serveHttp() registers its stream itself. Runs on the
  // connection's thread; bound every wait with a Deadline.
  virtual asio::awaitable<bool> intercept(TunnelContext& tunnel) = 0;
};

// Wraps a connected socket in TLS to `target` (SNI, verification). The deadline already watches the
// socket; the connector must bound the handshake with it.
using UpstreamTlsConnector = std::function<asio::awaitable<Result<std::unique_ptr<Stream>>>(
    tcp::socket socket, const UpstreamTarget& target, std::chrono::milliseconds timeout)>;

struct EngineHooks {
  std::shared_ptr<RequestRouter> router;
  std::shared_ptr<TunnelInterceptor> interceptor;  // null: CONNECT tunnels are relayed blind
  UpstreamTlsConnector upstreamTls;               // empty: https upstreams fail with a clear error
};

// Builds the hooks for a config (engine_hooks.cpp). An error (e.g. a mode that is not available)
// makes Engine::start() fail with its message.
Result<EngineHooks> makeEngineHooks(const EngineConfig& config);

}  // namespace ps::engine::net
