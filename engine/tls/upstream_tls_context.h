#pragma once
// UpstreamTlsContext: Proxyscope as a TLS client towards origins. Certificates are verified
// against the system trust store plus an optional extra CA file (--upstream-ca); the name is
// checked against the host the client asked for (RFC 6125 via X509_VERIFY_PARAM). Skipping
// verification is a per-host opt-in (--insecure-upstream HOST), never a global default.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/result.h"
#include "engine/tls/key_log.h"

namespace ps::engine::tls {

struct UpstreamTlsOptions {
  std::string extraCaFile;                 // PEM bundle trusted in addition to the system store
  std::vector<std::string> insecureHosts;  // host patterns (see hostMatchesPattern)
  bool useSystemTrustStore = true;
  std::shared_ptr<KeyLog> keyLog;
};

class UpstreamTlsContext {
 public:
  static Result<std::shared_ptr<UpstreamTlsContext>> create(UpstreamTlsOptions options);

  SSL_CTX* native() const { return m_ctx.get(); }
  bool isInsecure(std::string_view host) const;

  // Prepares a new client SSL for host: SNI (DNS names only, RFC 6066 §3), the name or IP to
  // verify, ALPN http/1.1; verification off when host is an insecure opt-in.
  Result<void> prepare(SSL* ssl, std::string_view host) const;

  UpstreamTlsContext(SslCtxPtr ctx, UpstreamTlsOptions options);

 private:
  SslCtxPtr m_ctx;
  UpstreamTlsOptions m_options;
};

// After a failed (or insecure) handshake: why the peer's certificate was not acceptable, in
// words a user can act on: "certificate has expired", "unknown issuer (self-signed
// certificate)", "name mismatch: certificate is for a.example, b.example, not c.example".
std::string describeVerifyResult(long verifyResult, X509* peerCertificate, std::string_view host);
// Convenience over a finished handshake's SSL.
std::string describeVerifyFailure(const SSL* ssl, std::string_view host);

// "example.com" matches exactly (case-insensitive); "*.example.com" matches any sub-domain
// (and not example.com itself); "*" matches every host.
bool hostMatchesPattern(std::string_view host, std::string_view pattern);
bool hostMatchesAny(std::string_view host, const std::vector<std::string>& patterns);

}  // namespace ps::engine::tls
