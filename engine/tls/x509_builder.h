#pragma once
// Building and signing X.509 certificates for the CA and its leaves (RFC 5280 profile).
#include <string>
#include <string_view>

#include "engine/core/result.h"
#include "engine/tls/openssl_handles.h"

namespace ps::engine::tls {

// Self-signed CA certificate: basicConstraints CA:TRUE (critical), keyUsage keyCertSign+cRLSign
// (critical), subjectKeyIdentifier; valid from a day back for ten years.
Result<X509Ptr> buildCaCertificate(EVP_PKEY* key, const std::string& commonName);

// Leaf for host signed by the CA. host: DNS name or IP literal (IPv6 with or without brackets).
Result<X509Ptr> buildLeafCertificate(std::string_view host, EVP_PKEY* leafKey, X509* caCert,
                                     EVP_PKEY* caKey);

// Lower-case, brackets and a trailing dot removed; the cache key and SAN value for host.
std::string normalizeHost(std::string_view host);
bool isIpLiteral(std::string_view host);

}  // namespace ps::engine::tls
