#pragma once
// TlsStream: TLS over any net::Stream, driven through memory BIOs. OpenSSL never touches the
// socket: ciphertext moves between the BIOs and the inner stream in coroutines, so bytes read
// before TLS began (the ClientHello the CONNECT path sniffed) can be fed in first, and the same
// class serves the client side of interception and https upstreams.
//
// Used on one connection thread only. One reader and one writer may be active at once (the
// connection code reads the next request while a response is written); output produced by
// either is sent by one flusher at a time, in order.
#include <asio/steady_timer.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/result.h"
#include "engine/net/stream.h"
#include "engine/tls/openssl_handles.h"

namespace ps::engine::tls {

struct HandshakeOutcome {
  bool ok = false;
  bool peerRejectedCertificate = false;  // the peer sent unknown_ca / bad_certificate / ...
  std::string alert;                     // the TLS alert received, if any ("unknown ca")
  std::string message;                   // why it failed, for the flow
};

class TlsStream final : public net::Stream {
 public:
  enum class Role { Server, Client };
  TlsStream(std::unique_ptr<net::Stream> inner, SslPtr ssl, Role role);
  ~TlsStream() override;

  // Ciphertext that was read from the peer before this stream existed.
  void feed(std::string_view bytes);
  // Runs the handshake; bound it with a net::Deadline on this stream (it closes the socket).
  asio::awaitable<HandshakeOutcome> handshake();

  asio::awaitable<net::IoResult> readSome(asio::mutable_buffer buffer) override;
  asio::awaitable<net::IoResult> writeAll(std::span<const asio::const_buffer> buffers) override;
  asio::awaitable<void> shutdownSend() override;
  void close() override;
  net::tcp::socket& socket() override { return m_inner->socket(); }
  bool secure() const override { return true; }

  SSL* ssl() const { return m_ssl.get(); }
  // Upstream side: certificate verification was skipped by the per-host opt-in; the flows using
  // this connection carry the tag "insecure-upstream".
  void setInsecure(bool insecure) { m_insecure = insecure; }
  bool insecure() const { return m_insecure; }
  std::string alpn() const;

 private:
  asio::awaitable<std::error_code> flush();
  asio::awaitable<std::error_code> fill();

  std::unique_ptr<net::Stream> m_inner;
  SslPtr m_ssl;
  BIO* m_in = nullptr;   // owned by m_ssl
  BIO* m_out = nullptr;  // owned by m_ssl
  std::vector<char> m_buffer;
  std::vector<char> m_outBuffer;
  bool m_flushing = false;
  asio::steady_timer m_flushed;  // cancelled when a flush ends; writers behind it wait on it
  bool m_insecure = false;
  std::error_code m_writeError;
};

}  // namespace ps::engine::tls
