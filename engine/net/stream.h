#pragma once
// Stream: the byte stream a connection runs over, whatever its type (plain TCP now; a TLS stream for
// intercepted tunnels and https upstreams). Connection code is written once against this interface;
// AsyncStream<S> adapts any Asio stream (tcp::socket, asio::ssl::stream<tcp::socket>).
//
// I/O failures are values (IoResult), never exceptions. All calls happen on the connection's own
// io_context thread (one io_context per engine thread), so no strand is needed.
#include <asio/awaitable.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <fcntl.h>
#include <memory>
#include <span>
#include <system_error>
#include <type_traits>

namespace ps::engine::net {

using tcp = asio::ip::tcp;
inline constexpr auto kUseTuple = asio::experimental::as_tuple(asio::use_awaitable);

// Asio opens sockets without FD_CLOEXEC; processes the app launches (browsers, curl in tests) must
// not inherit them, or a closed connection stays open in the child.
template <class Socket>
void setCloseOnExec(Socket& socket) {
  if (socket.is_open()) ::fcntl(socket.native_handle(), F_SETFD, FD_CLOEXEC);
}

struct IoResult {
  std::error_code ec;
  size_t bytes = 0;
};

class Stream {
 public:
  virtual ~Stream() = default;
  // Reads what is available (at least one byte unless an error/EOF is reported).
  virtual asio::awaitable<IoResult> readSome(asio::mutable_buffer buffer) = 0;
  // Writes every byte of every buffer (gather write).
  virtual asio::awaitable<IoResult> writeAll(std::span<const asio::const_buffer> buffers) = 0;
  // Ends our sending direction (TCP FIN; TLS close_notify) so the peer sees EOF.
  virtual asio::awaitable<void> shutdownSend() = 0;
  // Closes at once; pending operations complete with an error. Safe to call twice.
  virtual void close() = 0;
  virtual tcp::socket& socket() = 0;  // the lowest layer
  virtual bool secure() const = 0;

  // A coroutine itself, so the buffer the span points to lives in its frame until the write ends.
  asio::awaitable<IoResult> writeAll(asio::const_buffer buffer) {
    co_return co_await writeAll(std::span<const asio::const_buffer>(&buffer, 1));
  }
};

template <class S>
class AsyncStream final : public Stream {
 public:
  explicit AsyncStream(S stream) : m_stream(std::move(stream)) {}
  template <class... Args>
  explicit AsyncStream(std::in_place_t, Args&&... args) : m_stream(std::forward<Args>(args)...) {}

  asio::awaitable<IoResult> readSome(asio::mutable_buffer buffer) override {
    auto [ec, n] = co_await m_stream.async_read_some(buffer, kUseTuple);
    co_return IoResult{ec, n};
  }
  asio::awaitable<IoResult> writeAll(std::span<const asio::const_buffer> buffers) override {
    auto [ec, n] = co_await asio::async_write(m_stream, buffers, kUseTuple);
    co_return IoResult{ec, n};
  }
  asio::awaitable<void> shutdownSend() override {
    std::error_code ec;
    if constexpr (std::is_same_v<S, tcp::socket>) {
      m_stream.shutdown(tcp::socket::shutdown_send, ec);
    } else {
      // TLS: close_notify; a peer that never answers it is bounded by the caller's deadline.
      co_await m_stream.async_shutdown(kUseTuple);
    }
    co_return;
  }
  void close() override {
    std::error_code ec;
    socket().close(ec);
  }
  tcp::socket& socket() override {
    if constexpr (std::is_same_v<S, tcp::socket>) {
      return m_stream;
    } else {
      return m_stream.next_layer();
    }
  }
  bool secure() const override { return !std::is_same_v<S, tcp::socket>; }
  S& native() { return m_stream; }

 private:
  S m_stream;
};

using TcpStream = AsyncStream<tcp::socket>;

}  // namespace ps::engine::net
