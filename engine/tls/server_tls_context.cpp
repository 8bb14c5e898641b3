#include "engine/tls/server_tls_context.h"

#include <openssl/tls1.h>

namespace ps::engine::tls {
namespace {

int selfIndex() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

int alpnSelect(SSL*, const unsigned char** out, unsigned char* outLength, const unsigned char* in,
               unsigned int inLength, void*) {
  // in: a list of length-prefixed protocol names (RFC 7301 §3.1).
  unsigned int pos = 0;
  while (pos < inLength) {
    unsigned int len = in[pos];
    if (pos + 1 + len > inLength) break;
    std::string_view name(reinterpret_cast<const char*>(in + pos + 1), len);
    if (name == kAlpnHttp11) {
      *out = in + pos + 1;
      *outLength = static_cast<unsigned char>(len);
      return SSL_TLSEXT_ERR_OK;
    }
    pos += 1 + len;
  }
  return SSL_TLSEXT_ERR_NOACK;
}

int serverNameCallback(SSL* ssl, int*, void*) {
  const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (!sni || !*sni) return SSL_TLSEXT_ERR_OK;  // keep the CONNECT host's leaf
  auto* self = static_cast<ServerTlsContext*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), selfIndex()));
  if (!self) return SSL_TLSEXT_ERR_OK;
  auto used = self->useCertificateFor(ssl, sni);
  return used ? SSL_TLSEXT_ERR_OK : SSL_TLSEXT_ERR_ALERT_FATAL;
}

}  // namespace

namespace {

SslCtxPtr newServerContext() {
  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) return ctx;
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_alpn_select_cb(ctx.get(), alpnSelect, nullptr);
  return ctx;
}

}  // namespace

Result<SslCtxPtr> createFixedCertificateContext(const std::string& certChainFile, const std::string& keyFile) {
  SslCtxPtr ctx = newServerContext();
  if (!ctx) return Error{"cannot create the server TLS context: " + takeOpenSslErrors()};
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), certChainFile.c_str()) != 1) {
    return Error{"certificate " + certChainFile + ": " + takeOpenSslErrors()};
  }
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), keyFile.c_str(), SSL_FILETYPE_PEM) != 1) {
    return Error{"private key " + keyFile + ": " + takeOpenSslErrors()};
  }
  if (SSL_CTX_check_private_key(ctx.get()) != 1) {
    return Error{"private key " + keyFile + " does not match certificate " + certChainFile + ": " + takeOpenSslErrors()};
  }
  return ctx;
}

Result<std::shared_ptr<ServerTlsContext>> ServerTlsContext::create(std::shared_ptr<const CertificateAuthority> ca,
                                                                   std::shared_ptr<KeyLog> keyLog, size_t cacheCapacity) {
  auto leaves = LeafCertificateCache::create(std::move(ca), cacheCapacity);
  if (!leaves) return leaves.error();
  SslCtxPtr ctx = newServerContext();
  if (!ctx) return Error{"cannot create the server TLS context: " + takeOpenSslErrors()};
  SSL_CTX_set_tlsext_servername_callback(ctx.get(), serverNameCallback);
  if (keyLog) keyLog->attach(ctx.get());
  auto self = std::make_shared<ServerTlsContext>(std::move(ctx), std::move(*leaves), std::move(keyLog));
  SSL_CTX_set_ex_data(self->native(), selfIndex(), self.get());
  return self;
}

ServerTlsContext::ServerTlsContext(SslCtxPtr ctx, std::unique_ptr<LeafCertificateCache> leaves,
                                   std::shared_ptr<KeyLog> keyLog)
    : m_ctx(std::move(ctx)), m_leaves(std::move(leaves)), m_keyLog(std::move(keyLog)) {}

Result<void> ServerTlsContext::useCertificateFor(SSL* ssl, std::string_view host) {
  auto leaf = m_leaves->leafFor(host);
  if (!leaf) return leaf.error();
  if (SSL_use_certificate(ssl, leaf->get()) != 1 || SSL_use_PrivateKey(ssl, m_leaves->leafKey()) != 1 ||
      SSL_clear_chain_certs(ssl) != 1 ||
      SSL_add1_chain_cert(ssl, m_leaves->authority().certificate()) != 1) {
    return Error{"cannot use the certificate for " + std::string(host) + ": " + takeOpenSslErrors()};
  }
  return {};
}

}  // namespace ps::engine::tls
