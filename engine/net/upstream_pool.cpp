#include "engine/net/upstream_pool.h"

#include <sys/socket.h>

#include <asio/connect.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/ip/address.hpp>
#include <asio/steady_timer.hpp>

namespace ps::engine::net {

namespace {

constexpr size_t kUpstreamBufferBytes = 64 * 1024;

std::string endpointText(const tcp::endpoint& ep) {
  auto addr = ep.address();
  std::string host = addr.to_string();
  if (addr.is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(ep.port());
}

// A connection back in the pool for less than this is reused without the peek below. Servers close
// idle keep-alive connections after seconds (nginx 75 s, Node 5 s), not milliseconds, and a peer
// that did close one anyway (a crash) costs one retry on a fresh connection (Exchange::run), which
// is what the peek would have saved. Under load every connection comes back within a millisecond,
// so the peek (one recv syscall a request) goes away where it costs most.
constexpr std::chrono::milliseconds kTrustIdleFor{10};

// A pooled connection is usable only when the peer has neither closed it nor sent anything
// unsolicited: a non-blocking peek must find no data (EAGAIN).
bool stillUsable(UpstreamConnection& conn) {
  auto& socket = conn.stream->socket();
  if (!socket.is_open()) return false;
  if (std::chrono::steady_clock::now() - conn.releasedAt < kTrustIdleFor) return true;
  char byte = 0;
  ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

std::string msText(std::chrono::milliseconds ms) { return std::to_string(ms.count()) + " ms"; }

// Sends CONNECT target to an upstream proxy on `stream` and reads its answer. The head is read a
// byte at a time so that nothing the target sends after the 200 is taken from the stream. Returns
// "" once the tunnel is open, else why not.
asio::awaitable<std::string> openProxyTunnel(Stream& stream, const UpstreamProxy& proxy, const UpstreamTarget& target) {
  std::string request = "CONNECT " + target.authority() + " HTTP/1.1\r\nHost: " + target.authority() + "\r\n";
  if (!proxy.authorization.empty()) request += "Proxy-Authorization: " + proxy.authorization + "\r\n";
  request += "\r\n";
  auto written = co_await stream.writeAll(asio::buffer(request));
  if (written.ec) co_return "sending CONNECT " + target.authority() + " failed: " + written.ec.message();
  std::string head;
  constexpr size_t kMaxHead = 16 * 1024;
  while (!head.ends_with("\r\n\r\n")) {
    char byte = 0;
    auto r = co_await stream.readSome(asio::buffer(&byte, 1));
    if (r.ec) co_return "no answer to CONNECT " + target.authority() + ": " + r.ec.message();
    head.push_back(byte);
    if (head.size() > kMaxHead) co_return "answer to CONNECT " + target.authority() + " is too long";
  }
  // "HTTP/1.1 200 Connection established": any 2xx opens the tunnel (RFC 9110 15.3).
  std::string statusLine = head.substr(0, head.find("\r\n"));
  size_t sp = statusLine.find(' ');
  if (statusLine.rfind("HTTP/1.", 0) != 0 || sp == std::string::npos || statusLine.size() < sp + 4) {
    co_return "bad answer to CONNECT " + target.authority() + ": \"" + statusLine + "\"";
  }
  if (statusLine[sp + 1] != '2') co_return "refused CONNECT " + target.authority() + ": " + statusLine.substr(sp + 1);
  co_return std::string();
}

}  // namespace

UpstreamPtr UpstreamPool::takeIdle(const UpstreamTarget& target) {
  m_keyScratch.clear();
  target.appendPoolKey(m_keyScratch);
  auto it = m_idle.find(m_keyScratch);
  if (it == m_idle.end()) return nullptr;
  auto& list = it->second;
  while (!list.empty()) {
    UpstreamPtr conn = std::move(list.back());
    list.pop_back();
    if (stillUsable(*conn)) {
      conn->deadline->disarm();
      return conn;
    }
  }
  return nullptr;
}

asio::awaitable<AcquireResult> UpstreamPool::acquire(const UpstreamTarget& target, const EngineConfig& config,
                                                     const EngineHooks& hooks, bool allowReuse) {
  using namespace asio::experimental::awaitable_operators;
  AcquireResult result;
  if (allowReuse) {
    if (auto conn = takeIdle(target)) {
      result.connection = std::move(conn);
      result.reused = true;
      co_return result;
    }
  }
  const std::string key = target.poolKey();

  const auto timeout = config.timeouts.connect;
  const auto startedAt = Deadline::Clock::now();
  auto failed = [&](ErrorKind kind, std::string message) {
    result.errorKind = kind;
    result.error = std::move(message);
    return std::move(result);
  };
  // Until the TCP connection stands, a failure through a proxy is the proxy's (failover may skip it).
  result.proxyUnreachable = target.proxy != nullptr;
  // Through an upstream proxy the TCP connection goes to the proxy, and every failure names it.
  const UpstreamProxy* proxy = target.proxy.get();
  const std::string& connectHost = proxy ? proxy->host : target.host;
  const uint16_t connectPort = proxy ? proxy->port : target.port;
  const std::string peerName =
      proxy ? "upstream proxy " + proxy->name + " (" + proxy->authority() + ")" : target.authority();

  // DNS: literal addresses skip the resolver.
  std::vector<tcp::endpoint> endpoints;
  std::error_code addrEc;
  auto literal = asio::ip::make_address(connectHost, addrEc);
  if (!addrEc) {
    endpoints.emplace_back(literal, connectPort);
  } else {
    tcp::resolver resolver(m_executor);
    asio::steady_timer timer(m_executor);
    timer.expires_after(timeout);
    auto outcome = co_await (resolver.async_resolve(connectHost, std::to_string(connectPort), kUseTuple) ||
                             timer.async_wait(kUseTuple));
    if (outcome.index() == 1) {
      co_return failed(ErrorKind::UpstreamTimeout,
                       "resolving " + connectHost + " (for " + peerName + ") timed out after " + msText(timeout));
    }
    auto [ec, results] = std::get<0>(std::move(outcome));
    if (ec || results.empty()) {
      co_return failed(ErrorKind::UpstreamConnect, "cannot resolve " + connectHost + " (for " + peerName +
                                                       "): " + (ec ? ec.message() : std::string("no address")));
    }
    for (const auto& entry : results) endpoints.push_back(entry.endpoint());
    result.dnsDone = nowMicros();
  }

  auto conn = std::make_unique<UpstreamConnection>();
  conn->key = key;
  auto tcpStream = std::make_unique<TcpStream>(std::in_place, m_executor);
  conn->deadline = std::make_unique<Deadline>(m_executor, tcpStream.get());
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Deadline::Clock::now() - startedAt);
  conn->deadline->arm(std::max(std::chrono::milliseconds(1), timeout - elapsed));
  auto [cec, peer] = co_await asio::async_connect(tcpStream->socket(), endpoints, kUseTuple);
  if (cec) {
    if (conn->deadline->expired()) {
      co_return failed(ErrorKind::UpstreamTimeout, "connecting to " + peerName + " timed out after " + msText(timeout));
    }
    co_return failed(ErrorKind::UpstreamConnect,
                     "cannot connect to " + peerName + " (" + endpointText(endpoints.front()) + "): " + cec.message());
  }
  result.connectDone = nowMicros();
  result.proxyUnreachable = false;
  std::error_code ignored;
  setCloseOnExec(tcpStream->socket());
  tcpStream->socket().set_option(tcp::no_delay(true), ignored);
  conn->address = endpointText(peer);

  if (proxy && (target.tls || target.proxyTunnel)) {
    // TLS and tunnels go through a CONNECT to the proxy first (RFC 9110 9.3.6); the deadline armed
    // above still bounds it.
    auto opened = co_await openProxyTunnel(*tcpStream, *proxy, target);
    if (!opened.empty()) {
      bool expired = conn->deadline->expired();
      co_return failed(expired ? ErrorKind::UpstreamTimeout : ErrorKind::UpstreamConnect,
                       peerName + ": " + (expired ? "CONNECT " + target.authority() + " timed out" : opened));
    }
  }

  if (target.tls) {
    if (!hooks.upstreamTls) {
      co_return failed(ErrorKind::UpstreamTls, "https upstream " + target.authority() + ": TLS is not available yet");
    }
    conn->deadline.reset();  // the connector bounds its own handshake
    elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Deadline::Clock::now() - startedAt);
    auto wrapped = co_await hooks.upstreamTls(std::move(tcpStream->socket()), target,
                                              std::max(std::chrono::milliseconds(1), timeout - elapsed));
    if (!wrapped) co_return failed(ErrorKind::UpstreamTls, wrapped.error().message);
    conn->stream = std::move(wrapped.value());
    conn->deadline = std::make_unique<Deadline>(m_executor, conn->stream.get());
    result.tlsDone = nowMicros();
  } else {
    conn->stream = std::move(tcpStream);
  }
  conn->deadline->disarm();
  conn->buffer.resize(kUpstreamBufferBytes);
  result.connection = std::move(conn);
  co_return result;
}

void UpstreamPool::release(UpstreamPtr connection, const EngineConfig& config) {
  if (!connection || !connection->stream->socket().is_open()) return;
  auto& list = m_idle[connection->key];
  // Drop entries the idle deadline already closed before counting room.
  std::erase_if(list, [](const UpstreamPtr& c) { return !c->stream->socket().is_open(); });
  if (list.size() >= config.limits.maxIdleUpstreamPerOrigin) return;  // closed by its destructor
  connection->deadline->arm(config.timeouts.upstreamIdle);
  connection->releasedAt = std::chrono::steady_clock::now();
  list.push_back(std::move(connection));
}

void UpstreamPool::closeAll() {
  for (auto& [key, list] : m_idle) {
    for (auto& conn : list) conn->stream->close();
  }
  m_idle.clear();
}

size_t UpstreamPool::idleCount() const {
  size_t n = 0;
  for (const auto& [key, list] : m_idle) n += list.size();
  return n;
}

}  // namespace ps::engine::net
