#pragma once
// Owning handles for OpenSSL objects (unique_ptr with the matching free function), and the one
// helper that turns OpenSSL's error queue into text for Result errors.
#include <memory>
#include <string>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace ps::engine::tls {

struct OpenSslDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free_all(p); }
  void operator()(SSL_CTX* p) const { SSL_CTX_free(p); }
  void operator()(SSL* p) const { SSL_free(p); }
};

using PkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslDeleter>;
using X509Ptr = std::unique_ptr<X509, OpenSslDeleter>;
using BioPtr = std::unique_ptr<BIO, OpenSslDeleter>;
using SslCtxPtr = std::unique_ptr<SSL_CTX, OpenSslDeleter>;
using SslPtr = std::unique_ptr<SSL, OpenSslDeleter>;

// Shared, reference-counted views used by caches: the shared_ptr owns one OpenSSL reference.
std::shared_ptr<X509> shareX509(X509* cert);  // takes over one reference

// Drains OpenSSL's thread-local error queue into one line ("" if empty).
std::string takeOpenSslErrors();

}  // namespace ps::engine::tls
