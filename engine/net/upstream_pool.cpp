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

// A pooled connection is usable only when the peer has neither closed it nor sent anything
// unsolicited: a non-blocking peek must find no data (EAGAIN).
bool stillUsable(UpstreamConnection& conn) {
  auto& socket = conn.stream->socket();
  if (!socket.is_open()) return false;
  char byte = 0;
  ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

std::string msText(std::chrono::milliseconds ms) { return std::to_string(ms.count()) + " ms"; }

}  // namespace

asio::awaitable<AcquireResult> UpstreamPool::acquire(const UpstreamTarget& target, const EngineConfig& config,
                                                     const EngineHooks& hooks, bool allowReuse) {
  using namespace asio::experimental::awaitable_operators;
  AcquireResult result;
  const std::string key = target.poolKey();
  if (allowReuse) {
    if (auto it = m_idle.find(key); it != m_idle.end()) {
      auto& list = it->second;
      while (!list.empty()) {
        UpstreamPtr conn = std::move(list.back());
        list.pop_back();
        if (stillUsable(*conn)) {
          conn->deadline->disarm();
          result.connection = std::move(conn);
          result.reused = true;
          co_return result;
        }
      }
    }
  }

  const auto timeout = config.timeouts.connect;
  const auto startedAt = Deadline::Clock::now();
  auto failed = [&](ErrorKind kind, std::string message) {
    result.errorKind = kind;
    result.error = std::move(message);
    return std::move(result);
  };

  // DNS: literal addresses skip the resolver.
  std::vector<tcp::endpoint> endpoints;
  std::error_code addrEc;
  auto literal = asio::ip::make_address(target.host, addrEc);
  if (!addrEc) {
    endpoints.emplace_back(literal, target.port);
  } else {
    tcp::resolver resolver(m_executor);
    asio::steady_timer timer(m_executor);
    timer.expires_after(timeout);
    auto outcome = co_await (resolver.async_resolve(target.host, std::to_string(target.port), kUseTuple) ||
                             timer.async_wait(kUseTuple));
    if (outcome.index() == 1) {
      co_return failed(ErrorKind::UpstreamTimeout,
                       "resolving " + target.host + " timed out after " + msText(timeout));
    }
    auto [ec, results] = std::get<0>(std::move(outcome));
    if (ec || results.empty()) {
      co_return failed(ErrorKind::UpstreamConnect, "cannot resolve " + target.host + " (for " + target.authority() +
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
      co_return failed(ErrorKind::UpstreamTimeout,
                       "connecting to " + target.authority() + " timed out after " + msText(timeout));
    }
    co_return failed(ErrorKind::UpstreamConnect, "cannot connect to " + target.authority() + " (" +
                                                     endpointText(endpoints.front()) + "): " + cec.message());
  }
  result.connectDone = nowMicros();
  std::error_code ignored;
  setCloseOnExec(tcpStream->socket());
  tcpStream->socket().set_option(tcp::no_delay(true), ignored);
  conn->address = endpointText(peer);

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
