#include "engine/tls/upstream_tls_context.h"

#include <openssl/x509v3.h>

#include "engine/tls/x509_builder.h"

namespace ps::engine::tls {
namespace {

std::string asn1Text(const ASN1_STRING* s) {
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)), static_cast<size_t>(ASN1_STRING_length(s)));
}

std::string commonName(const X509_NAME* name) {
  int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (index < 0) return {};
  return asn1Text(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index)));
}

// The names a certificate is valid for: its SAN DNS/IP entries, else its CN (RFC 6125 §6.4.4).
std::string certificateNames(X509* cert) {
  std::string names;
  auto add = [&](const std::string& n) { names += (names.empty() ? "" : ", ") + n; };
  auto* sans = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(sans, i);
    if (gn->type == GEN_DNS) {
      add(asn1Text(gn->d.dNSName));
    } else if (gn->type == GEN_IPADD) {
      char* text = i2s_ASN1_OCTET_STRING(nullptr, gn->d.iPAddress);
      // i2s gives hex for raw octets; format IPv4 the usual way.
      const ASN1_OCTET_STRING* ip = gn->d.iPAddress;
      if (ASN1_STRING_length(ip) == 4) {
        const unsigned char* b = ASN1_STRING_get0_data(ip);
        add(std::to_string(b[0]) + "." + std::to_string(b[1]) + "." + std::to_string(b[2]) + "." + std::to_string(b[3]));
      } else if (text) {
        add(text);
      }
      OPENSSL_free(text);
    }
  }
  GENERAL_NAMES_free(sans);
  if (names.empty()) names = commonName(X509_get_subject_name(cert));
  return names.empty() ? "an unnamed host" : names;
}

std::string timeText(const ASN1_TIME* t) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || ASN1_TIME_print(bio.get(), t) != 1) return {};
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

// A failed handshake leaves no peer certificate on the SSL, so the certificate that failed
// verification is kept (one reference) for describeVerifyFailure.
void freeFailedCert(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) { X509_free(static_cast<X509*>(ptr)); }

int failedCertIndex() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, freeFailedCert);
  return index;
}

int verifyCallback(int preverifyOk, X509_STORE_CTX* store) {
  if (preverifyOk) return preverifyOk;
  auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  X509* cert = X509_STORE_CTX_get_current_cert(store);
  if (ssl && cert && !SSL_get_ex_data(ssl, failedCertIndex()) && X509_up_ref(cert) == 1) {
    SSL_set_ex_data(ssl, failedCertIndex(), cert);
  }
  return preverifyOk;
}

}  // namespace

Result<std::shared_ptr<UpstreamTlsContext>> UpstreamTlsContext::create(UpstreamTlsOptions options) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return Error{"cannot create the upstream TLS context: " + takeOpenSslErrors()};
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, verifyCallback);
  if (options.useSystemTrustStore && SSL_CTX_set_default_verify_paths(ctx.get()) != 1) {
    return Error{"cannot load the system trust store: " + takeOpenSslErrors()};
  }
  if (!options.extraCaFile.empty() &&
      SSL_CTX_load_verify_locations(ctx.get(), options.extraCaFile.c_str(), nullptr) != 1) {
    return Error{"cannot load upstream CA file " + options.extraCaFile + ": " + takeOpenSslErrors()};
  }
  // Partial chains let a user trust an origin's own (leaf or intermediate) certificate via
  // --upstream-ca, as curl --cacert does.
  X509_VERIFY_PARAM_set_flags(SSL_CTX_get0_param(ctx.get()), X509_V_FLAG_PARTIAL_CHAIN);
  if (options.keyLog) options.keyLog->attach(ctx.get());
  return std::make_shared<UpstreamTlsContext>(std::move(ctx), std::move(options));
}

UpstreamTlsContext::UpstreamTlsContext(SslCtxPtr ctx, UpstreamTlsOptions options)
    : m_ctx(std::move(ctx)), m_options(std::move(options)) {}

bool UpstreamTlsContext::isInsecure(std::string_view host) const {
  return hostMatchesAny(normalizeHost(host), m_options.insecureHosts);
}

Result<void> UpstreamTlsContext::prepare(SSL* ssl, std::string_view rawHost) const {
  std::string host = normalizeHost(rawHost);
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  bool ok = true;
  if (isIpLiteral(host)) {
    ok = X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) == 1;
  } else {
    ok = SSL_set_tlsext_host_name(ssl, host.c_str()) == 1 &&
         X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size()) == 1;
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  }
  static const unsigned char kAlpn[] = "\x08http/1.1";
  ok = ok && SSL_set_alpn_protos(ssl, kAlpn, sizeof kAlpn - 1) == 0;
  if (!ok) return Error{"cannot prepare TLS to " + host + ": " + takeOpenSslErrors()};
  // The handshake still computes the verify result, so an insecure flow can say what it skipped.
  if (isInsecure(host)) SSL_set_verify(ssl, SSL_VERIFY_NONE, verifyCallback);
  return {};
}

std::string describeVerifyResult(long result, X509* cert, std::string_view host) {
  switch (result) {
    case X509_V_OK:
      return "certificate verified";
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return cert ? "certificate has expired (on " + timeText(X509_get0_notAfter(cert)) + ")"
                  : "certificate has expired";
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return cert ? "certificate is not yet valid (from " + timeText(X509_get0_notBefore(cert)) + ")"
                  : "certificate is not yet valid";
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
      return "unknown issuer (self-signed certificate)";
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
      return "unknown issuer (self-signed certificate in the chain)";
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE: {
      std::string issuer = cert ? commonName(X509_get_issuer_name(cert)) : std::string();
      return issuer.empty() ? "unknown issuer" : "unknown issuer (" + issuer + ")";
    }
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return "name mismatch: certificate is for " + (cert ? certificateNames(cert) : std::string("another host")) +
             ", not " + normalizeHost(host);
    default:
      return X509_verify_cert_error_string(result);
  }
}

std::string describeVerifyFailure(const SSL* ssl, std::string_view host) {
  long result = SSL_get_verify_result(ssl);
  if (auto* failed = static_cast<X509*>(SSL_get_ex_data(ssl, failedCertIndex()))) {
    return describeVerifyResult(result, failed, host);
  }
  X509Ptr cert(SSL_get1_peer_certificate(ssl));
  if (!cert) return result == X509_V_OK ? "no certificate from the server" : describeVerifyResult(result, nullptr, host);
  return describeVerifyResult(result, cert.get(), host);
}

bool hostMatchesPattern(std::string_view rawHost, std::string_view rawPattern) {
  std::string host = normalizeHost(rawHost);
  std::string pattern = normalizeHost(rawPattern);
  if (pattern == "*") return true;
  if (pattern.size() > 2 && pattern[0] == '*' && pattern[1] == '.') {
    std::string_view suffix = std::string_view(pattern).substr(1);  // ".example.com"
    return host.size() > suffix.size() && std::string_view(host).substr(host.size() - suffix.size()) == suffix;
  }
  return host == pattern;
}

bool hostMatchesAny(std::string_view host, const std::vector<std::string>& patterns) {
  for (const auto& p : patterns) {
    if (hostMatchesPattern(host, p)) return true;
  }
  return false;
}

}  // namespace ps::engine::tls
