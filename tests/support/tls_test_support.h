#pragma once
// TLS helpers for tests: certificates with chosen names and dates, and a complete TLS handshake
// between two SSL objects over an in-memory BIO pair (real OpenSSL on both ends, no sockets).
#include <string>

#include "engine/tls/openssl_handles.h"

namespace ps::test {

// A certificate for dnsName (SAN DNS) valid from daysFrom to daysTo relative to now, signed by
// issuer/issuerKey, or self-signed when issuer is null.
engine::tls::X509Ptr makeCertificate(const std::string& dnsName, EVP_PKEY* key, long daysFrom, long daysTo,
                                     X509* issuer = nullptr, EVP_PKEY* issuerKey = nullptr);

std::string toPem(X509* cert);
std::string toPem(EVP_PKEY* key);  // private key, PKCS#8
bool writeText(const std::string& path, const std::string& text);

// Runs the handshake to completion (or failure) on both sides; true if both completed.
bool handshake(SSL* client, SSL* server);

}  // namespace ps::test

namespace ps::test {
// A self-signed CA certificate (basicConstraints CA:TRUE) named commonName.
engine::tls::X509Ptr makeCaCertificate(const std::string& commonName, EVP_PKEY* key);
}  // namespace ps::test
