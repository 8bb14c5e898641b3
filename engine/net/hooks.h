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
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/config.h"
#include "engine/core/event_hub.h"
#include "engine/core/flow.h"
#include "engine/core/result.h"
#include "engine/http/http1_parser.h"
#include "engine/net/stream.h"

namespace ps::engine::net {

class Deadline;
struct ConnectionContext;

// Forward mode: an upstream HTTP proxy the connection goes through (issue 10, upstream proxies).
struct UpstreamProxy {
  std::string name;  // shown in tags and errors: the configured name, else host:port
  std::string host;  // IPv6 without brackets
  uint16_t port = 3128;
  std::string authorization;      // "Basic …" for Proxy-Authorization (RFC 9110 11.7.1), "" without credentials
  std::string authority() const;  // host:port, IPv6 in brackets
};

// Network conditions (issue 10): set on the target at the request stage, it paces the exchange's
// bytes (engine/net/traffic_pacing.h) and, in reverse mode, may fail the attempt on the backend.
class TrafficShaper {
 public:
  virtual ~TrafficShaper() = default;
  // How long to wait before n more bytes go to the client (download) / upstream (upload).
  virtual std::chrono::microseconds downloadDelay(size_t n) = 0;
  virtual std::chrono::microseconds uploadDelay(size_t n) = 0;
  // Non-empty: this attempt fails as if the backend had reset the connection (the reason), so the
  // balancer counts it (passive ejection) and may retry elsewhere.
  std::string injectedFailure;
};

// Where an exchange is sent.
struct UpstreamTarget {
  std::string scheme = "http";  // "http" or "https"
  std::string host;             // name or address, IPv6 without brackets
  uint16_t port = 80;
  bool tls = false;     // speak TLS to the upstream
  std::string backend;  // reverse mode: the backend's name (recorded on the flow)
  // Reverse mode: the router's per-attempt state (the backend lease that counts the attempt as active
  // until the last copy of the target is gone) and the pool's response timeout (504 after it).
  std::shared_ptr<void> routeState;
  std::optional<std::chrono::milliseconds> responseTimeout;
  // Forward mode: reach the target through this proxy. Plain http exchanges are sent to it in
  // absolute form; TLS targets and CONNECT tunnels (proxyTunnel) first open a CONNECT through it.
  std::shared_ptr<const UpstreamProxy> proxy;
  bool proxyTunnel = false;
  std::shared_ptr<TrafficShaper> shaper;  // network conditions; null = unshaped
  std::string authority() const;          // host:port, IPv6 in brackets
  std::string poolKey() const;            // [proxy name|]scheme://host:port — connections are reused per key
  void appendPoolKey(std::string& out) const;
};

// The router's answer: a target, or a response the proxy gives itself.
struct RouteResult {
  std::optional<UpstreamTarget> target;
  int status = 0;                         // when no target: status to answer with
  std::string body;                       // its text/plain body (the reason)
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
  std::string app;            // a launched application's name ("chromium"): its flows are tagged app:<name>
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

  // --- Reverse-mode hooks (the defaults keep forward mode as it is) ---
  // An attempt on `failed` ended before any response byte reached the client and before any request
  // body byte was consumed (`connected`: the TCP connection had been made). The router records the
  // attempt on the flow and may return another target to try (a retry on another backend).
  virtual std::optional<UpstreamTarget> retryTarget(Flow& flow, const UpstreamTarget& failed,
                                                    http::RequestHead& forwarded, ErrorKind kind,
                                                    const std::string& error, bool connected) {
    (void)flow, (void)failed, (void)forwarded, (void)kind, (void)error, (void)connected;
    return std::nullopt;
  }
  // Forward mode, upstream proxies (failover): the proxy of `failed` could not be reached (no TCP
  // connection to it). The router may return the same request through another proxy (adjusting
  // `forwarded`, e.g. Proxy-Authorization); `error` is what the 502 says when it returns none.
  virtual std::optional<UpstreamTarget> proxyUnreachable(Flow& flow, const UpstreamTarget& failed,
                                                         http::RequestHead& forwarded, std::string& error) {
    (void)flow, (void)failed, (void)forwarded, (void)error;
    return std::nullopt;
  }
  // The client's copy of the final response head, just before it is written (reverse: the sticky
  // Set-Cookie, hiding Server / X-Powered-By).
  virtual void rewriteResponseHead(Flow& flow, const UpstreamTarget& target, http::ResponseHead& head) {
    (void)flow, (void)target, (void)head;
  }
  // The exchange is over (ok: a response was relayed); called after upstreamResult.
  virtual void exchangeFinished(Flow& flow, const UpstreamTarget& target, bool ok) {
    (void)flow, (void)target, (void)ok;
  }
};

// Handed to a TunnelInterceptor after the client got "200 Connection established".
struct TunnelContext {
  ConnectionContext& connection;          // engine services of this connection's thread (serveHttp needs it)
  ClientInfo client;                      // tunnelTarget is set
  std::unique_ptr<Stream>& clientStream;  // move out of it to take the connection over
  std::string firstBytes;                 // what the client sent first (a TLS ClientHello when it is TLS)
  UpstreamTarget target;
  tcp::socket& upstream;  // already connected TCP socket to the target (may be moved out)
  Flow& tunnelFlow;       // the tunnel's flow record (tag it "intercepted" when taking over)
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

// Reverse mode: TLS termination on the listener. Wraps an accepted client stream (handshake
// bounded by timeout); the connection is then served as a secure one.
using ListenerTls = std::function<asio::awaitable<Result<std::unique_ptr<Stream>>>(std::unique_ptr<Stream> client,
                                                                                   std::chrono::milliseconds timeout)>;

// What an interceptor may do with a message it was shown.
struct StageVerdict {
  enum class Kind { Continue, Respond, Abort };
  Kind kind = Kind::Continue;
  Response response;             // Respond: the answer (Content-Length is set from its body)
  bool closeConnection = false;  // Abort: close without an answer; else a 502 naming the reason
  std::string reason;            // Abort: recorded as the flow's error
  ErrorKind errorKind = ErrorKind::Killed;
  static StageVerdict proceed() { return {}; }
};

// A streaming rewrite of a response body (compression): bytes in as they arrive, bytes out as the
// transform releases them. The exchange then sends the body chunked (its length is unknown).
class ResponseBodyTransform {
 public:
  virtual ~ResponseBodyTransform() = default;
  virtual std::string feed(std::string_view data) = 0;
  // The body is complete: the rest of the output. The transform may record what it did on the flow.
  virtual std::string finish(Flow& flow) = 0;
};

// The request and response stages of every HTTP exchange, for breakpoints and policies (cache,
// filtering, map, rewrite). The connection code calls every interceptor in order; a whole body is
// buffered only when one of them asks for it (DESIGN.md: "a body is buffered whole only when a
// breakpoint on that flow asks for it"). Called on the connection's thread; the awaitables may
// suspend for as long as a user takes to decide (every such wait has its own deadline).
class ExchangeInterceptor {
 public:
  virtual ~ExchangeInterceptor() = default;
  // Whether onRequest() needs the whole request body (in `body`) rather than streaming it.
  virtual bool wantsRequestBody(const Flow& flow) = 0;
  // May edit `forwarded` (the copy sent upstream), `target` and, when buffered, `body`; the flow's
  // request record is updated from them by the caller. `client` is the client socket (nullptr for
  // replays), watched for a disconnect while the flow waits.
  virtual asio::awaitable<StageVerdict> onRequest(Flow& flow, http::RequestHead& forwarded, UpstreamTarget& target,
                                                  std::string* body, tcp::socket* client) = 0;
  // Whether onResponse() is wanted for this response (its body is then buffered whole).
  virtual bool wantsResponse(const Flow& flow) = 0;
  virtual asio::awaitable<StageVerdict> onResponse(Flow& flow, http::ResponseHead& head, std::string& body,
                                                   tcp::socket* client) = 0;
  // Last, just before the final head goes to the client (after onResponse, if any): may edit the
  // client's copy of `head` and return a transform for the body that follows. Default: none.
  virtual std::unique_ptr<ResponseBodyTransform> transformResponse(Flow& flow, http::ResponseHead& head) {
    (void)flow;
    (void)head;
    return nullptr;
  }
  // Instead of transformResponse for a response without a body (HEAD, 204, 304): may edit the
  // client's copy of the head (rewrite rules). Default: nothing.
  virtual void rewriteBodilessHead(Flow& flow, http::ResponseHead& head) {
    (void)flow;
    (void)head;
  }
};

struct EngineHooks {
  std::vector<std::shared_ptr<ExchangeInterceptor>> interceptors;  // in order: policies, then breakpoints
  std::shared_ptr<RequestRouter> router;
  std::shared_ptr<TunnelInterceptor> interceptor;  // null: CONNECT tunnels are relayed blind
  UpstreamTlsConnector upstreamTls;                // empty: https upstreams fail with a clear error
  ListenerTls listenerTls;                         // reverse mode: empty = plain HTTP listener
};

// Builds the hooks for a config (engine_hooks.cpp). An error (e.g. a mode that is not available)
// makes Engine::start() fail with its message.
Result<EngineHooks> makeEngineHooks(const EngineConfig& config);
// As above; reverse mode publishes backend health events on `hub` and carries backend state over
// from `previous` (the hooks of the config being replaced).
Result<EngineHooks> makeEngineHooks(const EngineConfig& config, EventHub* hub, const EngineHooks* previous);

}  // namespace ps::engine::net
