#pragma once
// ServerTlsContext: the client-facing TLS side of interception. One shared SSL_CTX (protocol
// options, ALPN, key log); each connection gets the leaf for its host before the handshake
// (useCertificateFor), and the SNI callback switches to the SNI host's leaf if the client names a
// different one. The presented chain is leaf + CA.
#include <memory>
#include <string>
#include <string_view>

#include "engine/core/result.h"
#include "engine/tls/key_log.h"
#include "engine/tls/leaf_certificate_cache.h"

namespace ps::engine::tls {

class ServerTlsContext {
 public:
  static Result<std::shared_ptr<ServerTlsContext>> create(std::shared_ptr<const CertificateAuthority> ca,
                                                          std::shared_ptr<KeyLog> keyLog = nullptr,
                                                          size_t cacheCapacity = LeafCertificateCache::kDefaultCapacity);

  // The shared context; SSL objects made from it need useCertificateFor() before the handshake.
  // (Asio: `asio::ssl::context(SSL_CTX_up_ref'd handle)` wraps it.)
  SSL_CTX* native() const { return m_ctx.get(); }

  // Sets ssl's certificate to the leaf for host (issued or cached), its key and the CA as chain,
  // and remembers host as the fallback when the client sends no SNI.
  Result<void> useCertificateFor(SSL* ssl, std::string_view host);
  LeafCertificateCache& leaves() { return *m_leaves; }

  ServerTlsContext(SslCtxPtr ctx, std::unique_ptr<LeafCertificateCache> leaves, std::shared_ptr<KeyLog> keyLog);

 private:
  SslCtxPtr m_ctx;
  std::unique_ptr<LeafCertificateCache> m_leaves;
  std::shared_ptr<KeyLog> m_keyLog;
};

// A server context presenting one fixed certificate: the user's own PEM chain (leaf first) and
// private key, e.g. for reverse-mode TLS termination with a real certificate. Same protocol options
// and ALPN as the interception context. Errors name the file and OpenSSL's reason.
Result<SslCtxPtr> createFixedCertificateContext(const std::string& certChainFile, const std::string& keyFile);

// ALPN (RFC 7301 §3.2): the protocol the engine speaks on decrypted connections. Only
// "http/1.1" is ever selected; a client offering only h2 gets no ALPN (and so HTTP/1.1).
inline constexpr std::string_view kAlpnHttp11 = "http/1.1";

}  // namespace ps::engine::tls
