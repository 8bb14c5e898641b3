#include "engine/tls/tls_stream.h"

#include <openssl/err.h>

namespace ps::engine::tls {
namespace {

constexpr size_t kChunk = 16 * 1024 + 512;  // one TLS record and its overhead

std::error_code tlsError() { return std::make_error_code(std::errc::protocol_error); }

// Reasons that mean "the peer does not accept the certificate we showed" (RFC 8446 §6.2:
// bad_certificate, unsupported_certificate, certificate_unknown, unknown_ca; plus the
// TLS 1.3 certificate_required the other way round).
bool isCertificateRejection(int reason) {
  switch (reason) {
    case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED:
    case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
    case SSL_R_TLSV1_ALERT_ACCESS_DENIED:
      return true;
    default:
      return false;
  }
}

}  // namespace

TlsStream::TlsStream(std::unique_ptr<net::Stream> inner, SslPtr ssl, Role role)
    : m_inner(std::move(inner)),
      m_ssl(std::move(ssl)),
      m_buffer(kChunk),
      m_outBuffer(kChunk),
      m_flushed(m_inner->socket().get_executor()) {
  m_in = BIO_new(BIO_s_mem());
  m_out = BIO_new(BIO_s_mem());
  // An empty input BIO means "retry later", not EOF: the coroutine refills it.
  BIO_set_mem_eof_return(m_in, -1);
  BIO_set_mem_eof_return(m_out, -1);
  SSL_set_bio(m_ssl.get(), m_in, m_out);
  if (role == Role::Server) SSL_set_accept_state(m_ssl.get());
  else SSL_set_connect_state(m_ssl.get());
}

TlsStream::~TlsStream() = default;

void TlsStream::feed(std::string_view bytes) {
  if (!bytes.empty()) BIO_write(m_in, bytes.data(), static_cast<int>(bytes.size()));
}

asio::awaitable<std::error_code> TlsStream::flush() {
  // One flusher at a time keeps records in order; a caller behind it waits until it is done
  // (the active flusher sends what the caller queued too), so "written" means sent.
  while (m_flushing) co_await m_flushed.async_wait(net::kUseTuple);
  m_flushing = true;
  m_flushed.expires_at(asio::steady_timer::time_point::max());
  while (!m_writeError && BIO_ctrl_pending(m_out) > 0) {
    int n = BIO_read(m_out, m_outBuffer.data(), static_cast<int>(m_outBuffer.size()));
    if (n <= 0) break;
    auto w = co_await m_inner->writeAll(asio::buffer(m_outBuffer.data(), static_cast<size_t>(n)));
    if (w.ec) m_writeError = w.ec;
  }
  m_flushing = false;
  m_flushed.cancel();
  co_return m_writeError;
}

asio::awaitable<std::error_code> TlsStream::fill() {
  auto r = co_await m_inner->readSome(asio::buffer(m_buffer));
  if (r.ec) co_return r.ec;
  BIO_write(m_in, m_buffer.data(), static_cast<int>(r.bytes));
  co_return std::error_code{};
}

asio::awaitable<HandshakeOutcome> TlsStream::handshake() {
  HandshakeOutcome out;
  ERR_clear_error();
  for (;;) {
    int r = SSL_do_handshake(m_ssl.get());
    int err = r == 1 ? SSL_ERROR_NONE : SSL_get_error(m_ssl.get(), r);
    unsigned long queued = err == SSL_ERROR_SSL ? ERR_peek_last_error() : 0;
    // Whatever the outcome, send what OpenSSL produced (our flight, or our alert).
    std::error_code wec = co_await flush();
    if (r == 1) {
      out.ok = !wec;
      if (wec) out.message = "TLS handshake: " + wec.message();
      co_return out;
    }
    if (err == SSL_ERROR_WANT_READ) {
      if (std::error_code rec = co_await fill()) {
        out.message = rec == asio::error::eof ? "the peer closed the connection during the TLS handshake"
                                              : "TLS handshake: " + rec.message();
        co_return out;
      }
      continue;
    }
    if (queued && ERR_GET_LIB(queued) == ERR_LIB_SSL) {
      int reason = ERR_GET_REASON(queued);
      out.peerRejectedCertificate = isCertificateRejection(reason);
      if (reason >= SSL_AD_REASON_OFFSET) out.alert = SSL_alert_desc_string_long(reason - SSL_AD_REASON_OFFSET);
    }
    std::string detail = takeOpenSslErrors();
    out.message = "TLS handshake failed" + (out.alert.empty() ? std::string() : " (alert " + out.alert + ")") +
                  (detail.empty() ? std::string() : ": " + detail);
    co_return out;
  }
}

asio::awaitable<net::IoResult> TlsStream::readSome(asio::mutable_buffer buffer) {
  for (;;) {
    size_t n = 0;
    ERR_clear_error();
    int r = SSL_read_ex(m_ssl.get(), buffer.data(), buffer.size(), &n);
    int err = r == 1 ? SSL_ERROR_NONE : SSL_get_error(m_ssl.get(), r);
    // Reading can produce output too (TLS 1.3 key updates, session tickets).
    if (BIO_ctrl_pending(m_out) > 0) co_await flush();
    if (r == 1) co_return net::IoResult{{}, n};
    if (err == SSL_ERROR_WANT_READ) {
      if (std::error_code ec = co_await fill()) co_return net::IoResult{ec, 0};
      continue;
    }
    takeOpenSslErrors();
    if (err == SSL_ERROR_ZERO_RETURN) co_return net::IoResult{asio::error::eof, 0};  // close_notify
    co_return net::IoResult{tlsError(), 0};
  }
}

asio::awaitable<net::IoResult> TlsStream::writeAll(std::span<const asio::const_buffer> buffers) {
  size_t total = 0;
  for (const auto& b : buffers) {
    const char* data = static_cast<const char*>(b.data());
    size_t left = b.size();
    while (left > 0) {
      size_t n = 0;
      ERR_clear_error();
      if (SSL_write_ex(m_ssl.get(), data, left, &n) != 1) {
        takeOpenSslErrors();
        co_return net::IoResult{tlsError(), total};
      }
      data += n;
      left -= n;
      total += n;
      // Send as we go so a large body does not pile up in memory.
      if (BIO_ctrl_pending(m_out) >= kChunk) {
        if (std::error_code ec = co_await flush()) co_return net::IoResult{ec, total};
      }
    }
  }
  std::error_code ec = co_await flush();
  co_return net::IoResult{ec, total};
}

asio::awaitable<void> TlsStream::shutdownSend() {
  // close_notify (RFC 8446 §6.1), then the TCP FIN; no wait for the peer's close_notify.
  ERR_clear_error();
  SSL_shutdown(m_ssl.get());
  takeOpenSslErrors();
  co_await flush();
  co_await m_inner->shutdownSend();
}

void TlsStream::close() { m_inner->close(); }

std::string TlsStream::alpn() const {
  const unsigned char* proto = nullptr;
  unsigned len = 0;
  SSL_get0_alpn_selected(m_ssl.get(), &proto, &len);
  return std::string(reinterpret_cast<const char*>(proto), len);
}

}  // namespace ps::engine::tls
