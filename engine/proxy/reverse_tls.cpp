#include "engine/proxy/reverse_tls.h"

#include <functional>

#include "engine/net/deadline.h"
#include "engine/proxy/reverse_config.h"
#include "engine/tls/certificate_authority.h"
#include "engine/tls/server_tls_context.h"
#include "engine/tls/tls_stream.h"
#include "engine/tls/tls_interceptor.h"

namespace ps::engine::proxy {

namespace {

// The handshake every accepted connection goes through; prepare() gives the SSL its certificate.
net::ListenerTls handshakeWith(std::function<Result<tls::SslPtr>()> prepare) {
  return net::ListenerTls([prepare = std::move(prepare)](std::unique_ptr<net::Stream> client, std::chrono::milliseconds timeout)
                              -> asio::awaitable<Result<std::unique_ptr<net::Stream>>> {
    auto ssl = prepare();
    if (!ssl) co_return ssl.error();
    auto stream = std::make_unique<tls::TlsStream>(std::move(client), std::move(*ssl), tls::TlsStream::Role::Server);
    net::Deadline deadline(stream->socket().get_executor(), stream.get());
    deadline.arm(timeout);
    tls::HandshakeOutcome outcome = co_await stream->handshake();
    deadline.disarm();
    if (!outcome.ok) {
      stream->close();
      co_return Error{deadline.expired() ? std::string("TLS handshake timed out") : "TLS handshake failed: " + outcome.message};
    }
    co_return std::unique_ptr<net::Stream>(std::move(stream));
  });
}

}  // namespace

Result<net::ListenerTls> makeReverseListenerTls(const EngineConfig& config) {
  if (!config.reverse || config.reverse->listeners.empty() || !config.reverse->listeners.front().tls) {
    return net::ListenerTls{};
  }
  const ReverseListener& listener = config.reverse->listeners.front();
  if (!listener.certFile.empty()) {
    // The user's own certificate (e.g. one their clients already trust): presented as it is.
    auto fixed = tls::createFixedCertificateContext(listener.certFile, listener.keyFile);
    if (!fixed) return fixed.error();
    std::shared_ptr<SSL_CTX> context(fixed->release(), SSL_CTX_free);
    return handshakeWith([context]() -> Result<tls::SslPtr> {
      tls::SslPtr ssl(SSL_new(context.get()));
      if (!ssl) return Error{"cannot create a TLS session"};
      return ssl;
    });
  }
  std::string dataDir = config.dataDir.empty() ? tls::defaultDataDirectory() : config.dataDir;
  auto ca = tls::CertificateAuthority::loadOrCreate(dataDir);
  if (!ca) return ca.error();
  auto server = tls::ServerTlsContext::create(*ca);
  if (!server) return server.error();
  // The name the certificate is issued for: the configured server name, else the listen host
  // (clients without SNI, e.g. for IP literals, get this one; SNI picks its own leaf).
  std::string name = listener.serverName.empty() ? config.listen.host : listener.serverName;
  std::shared_ptr<tls::ServerTlsContext> context = *server;
  return handshakeWith([context, name]() -> Result<tls::SslPtr> {
    tls::SslPtr ssl(SSL_new(context->native()));
    if (!ssl) return Error{"cannot create a TLS session"};
    if (auto used = context->useCertificateFor(ssl.get(), name); !used) return used.error();
    return ssl;
  });
}

}  // namespace ps::engine::proxy
