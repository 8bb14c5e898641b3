#include "engine/net/tunnel.h"

#include <asio/experimental/awaitable_operators.hpp>

#include "engine/http/message_writer.h"
#include "engine/net/deadline.h"
#include "engine/net/upstream_pool.h"

namespace ps::engine::net {

namespace {

constexpr size_t kRelayBufferBytes = 64 * 1024;

// Copies one direction until EOF or an error. A clean EOF is passed on as a half-close so the other
// direction can still finish (RFC 9110 9.3.6: a tunnel closes when both sides have closed).
asio::awaitable<void> pump(Stream& from, Stream& to, Deadline& idle, std::chrono::milliseconds idleTimeout,
                           uint64_t& counter, bool& failed) {
  std::vector<char> buffer(kRelayBufferBytes);
  for (;;) {
    idle.arm(idleTimeout);
    auto r = co_await from.readSome(asio::buffer(buffer));
    if (r.ec) {
      if (r.ec == asio::error::eof && !failed) {
        co_await to.shutdownSend();
      } else {
        failed = true;
        from.close();
        to.close();
      }
      co_return;
    }
    counter += r.bytes;
    idle.arm(idleTimeout);
    auto w = co_await to.writeAll(asio::buffer(buffer.data(), r.bytes));
    if (w.ec) {
      failed = true;
      from.close();
      to.close();
      co_return;
    }
  }
}

}  // namespace

asio::awaitable<void> relayBothWays(Stream& a, Stream& b, std::chrono::milliseconds idleTimeout, uint64_t& aToB,
                                    uint64_t& bToA, bool& idleExpired) {
  using namespace asio::experimental::awaitable_operators;
  idleExpired = false;
  Deadline idle(a.socket().get_executor(), [&] {
    idleExpired = true;
    a.close();
    b.close();
  });
  bool failed = false;
  co_await (pump(a, b, idle, idleTimeout, aToB, failed) && pump(b, a, idle, idleTimeout, bToA, failed));
  idle.disarm();
}

asio::awaitable<void> runTunnel(ConnectionContext& ctx, std::unique_ptr<Stream>& client, const ClientInfo& info,
                                Flow& flow, UpstreamTarget target, std::string pending) {
  using namespace asio::experimental::awaitable_operators;
  const EngineConfig& config = *ctx.config;
  auto& hub = ctx.worker.hub;
  ctx.worker.counters.flowsStarted.fetch_add(1, std::memory_order_relaxed);
  publishSnapshot(hub, FlowEventType::Started, flow);
  StreamRegistration clientRegistration(ctx.worker, client.get());

  auto writeClient = [&](const std::string& bytes) -> asio::awaitable<bool> {
    Deadline deadline(client->socket().get_executor(), client.get());
    deadline.arm(config.timeouts.io);
    auto r = co_await client->writeAll(asio::buffer(bytes));
    flow.bytesToClient += r.bytes;
    co_return !r.ec;
  };

  // The tunnel's upstream is a plain TCP connection of its own (never pooled).
  UpstreamTarget tcpTarget = target;
  tcpTarget.tls = false;
  if (target.proxy) flow.tags.push_back("upstream-proxy:" + target.proxy->name);  // CONNECT through it
  auto acquired = co_await ctx.worker.pool.acquire(tcpTarget, config, *ctx.hooks, false);
  // Upstream proxies: an unreachable one is skipped for the next of its pool (failover).
  http::RequestHead unused;
  while (!acquired.connection && acquired.proxyUnreachable) {
    auto next = ctx.hooks->router->proxyUnreachable(flow, tcpTarget, unused, acquired.error);
    if (!next) break;
    tcpTarget = std::move(*next);
    tcpTarget.tls = false;
    if (tcpTarget.proxy) flow.tags.push_back("upstream-proxy:" + tcpTarget.proxy->name);
    acquired = co_await ctx.worker.pool.acquire(tcpTarget, config, *ctx.hooks, false);
  }
  if (acquired.connection && !flow.attempts.empty()) ctx.hooks->router->exchangeFinished(flow, tcpTarget, true);
  if (!acquired.connection) {
    int status = acquired.errorKind == ErrorKind::UpstreamTimeout ? 504 : 502;
    flow.error = FlowError{acquired.errorKind, acquired.error};
    Response response;
    response.status = status;
    response.reason = std::string(http::reasonPhrase(status));
    response.body.captured = acquired.error + "\n";
    response.body.size = response.body.captured.size();
    std::string bytes = http::simpleResponse(status, response.body.captured, true);
    flow.response = std::move(response);
    co_await writeClient(bytes);
    flow.timing.end = nowMicros();
    co_return;
  }
  UpstreamPtr upstream = std::move(acquired.connection);
  StreamRegistration upstreamRegistration(ctx.worker, upstream->stream.get());
  upstream->deadline.reset();
  flow.timing.dnsDone = acquired.dnsDone;
  flow.timing.connectDone = acquired.connectDone;
  flow.serverAddress = upstream->address;

  Response established;
  established.status = 200;
  established.reason = "Connection established";
  flow.response = established;
  if (!co_await writeClient("HTTP/1.1 200 Connection established\r\n\r\n")) {
    flow.error = FlowError{ErrorKind::ClientDisconnected, "client closed the connection before the tunnel opened"};
    flow.timing.end = nowMicros();
    co_return;
  }
  flow.timing.responseHeaders = nowMicros();

  // Interception hook: look at the client's first bytes (a TLS ClientHello) and let the interceptor
  // take the connection over.
  auto& interceptor = ctx.hooks->interceptor;
  if (interceptor && interceptor->wantsTunnel(target)) {
    if (pending.empty()) {
      std::vector<char> first(16 * 1024);
      Deadline deadline(client->socket().get_executor(), client.get());
      deadline.arm(config.timeouts.tunnelIdle);
      auto r = co_await client->readSome(asio::buffer(first));
      if (r.ec) {
        if (deadline.expired()) flow.error = FlowError{ErrorKind::ClientTimeout, "tunnel idle"};
        flow.timing.end = nowMicros();
        co_return;
      }
      pending.assign(first.data(), r.bytes);
      flow.bytesFromClient += r.bytes;
    }
    ClientInfo tunnelInfo = info;
    tunnelInfo.tunnelTarget = target;
    // The interceptor may take the client stream: from here it registers what it owns (serveHttp
    // does), so stop() never touches a stream that is gone.
    clientRegistration.reset(nullptr);
    TunnelContext tunnel{ctx, tunnelInfo, client, pending, target, upstream->stream->socket(), flow};
    if (co_await interceptor->intercept(tunnel)) {
      if (flow.timing.end == 0) flow.timing.end = nowMicros();
      co_return;
    }
    pending = std::move(tunnel.firstBytes);
    if (!client || !upstream->stream->socket().is_open()) {
      flow.timing.end = nowMicros();
      co_return;
    }
    clientRegistration.reset(client.get());
  }

  // Blind relay both ways, with one idle deadline that closes both ends.
  Stream& clientStream = *client;
  Stream& upstreamStream = *upstream->stream;
  if (!pending.empty()) {
    Deadline writing(client->socket().get_executor(), &upstreamStream);
    writing.arm(config.timeouts.io);
    auto w = co_await upstreamStream.writeAll(asio::buffer(pending));
    writing.disarm();
    if (w.ec) {
      flow.error = FlowError{ErrorKind::UpstreamConnect, "writing to " + target.authority() + " failed: " + w.ec.message()};
      flow.timing.end = nowMicros();
      co_return;
    }
  }
  uint64_t up = 0, down = 0;
  bool idleExpired = false;
  co_await relayBothWays(clientStream, upstreamStream, config.timeouts.tunnelIdle, up, down, idleExpired);
  flow.bytesFromClient += up + pending.size();
  flow.bytesToClient += down;
  flow.timing.end = nowMicros();
  if (idleExpired) {
    flow.error = FlowError{ErrorKind::ClientTimeout,
                           "tunnel idle for " + std::to_string(config.timeouts.tunnelIdle.count()) + " ms"};
  }
  clientStream.close();
  upstreamStream.close();
}

}  // namespace ps::engine::net
