#include "tests/support/tls_test_support.h"

#include <fstream>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

namespace ps::test {

using namespace ps::engine::tls;

X509Ptr makeCertificate(const std::string& dnsName, EVP_PKEY* key, long daysFrom, long daysTo, X509* issuer,
                        EVP_PKEY* issuerKey) {
  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), static_cast<long>(std::hash<std::string>{}(dnsName) & 0xffffff) + 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), daysFrom * 86400L);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), daysTo * 86400L);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(dnsName.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer ? issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
  std::string san = "DNS:" + dnsName;
  if (X509_EXTENSION* ext = X509V3_EXT_nconf_nid(nullptr, &ctx, NID_subject_alt_name, san.c_str())) {
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(cert.get(), issuerKey ? issuerKey : key, EVP_sha256());
  return cert;
}

std::string toPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

std::string toPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

bool writeText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

bool handshake(SSL* client, SSL* server) {
  BIO* clientBio = nullptr;
  BIO* serverBio = nullptr;
  if (BIO_new_bio_pair(&clientBio, 0, &serverBio, 0) != 1) return false;
  SSL_set_bio(client, clientBio, clientBio);
  SSL_set_bio(server, serverBio, serverBio);
  SSL_set_connect_state(client);
  SSL_set_accept_state(server);
  bool clientDone = false;
  bool serverDone = false;
  for (int round = 0; round < 100 && !(clientDone && serverDone); ++round) {
    if (!clientDone) {
      int r = SSL_do_handshake(client);
      if (r == 1) clientDone = true;
      else if (SSL_get_error(client, r) != SSL_ERROR_WANT_READ) return false;
    }
    if (!serverDone) {
      int r = SSL_do_handshake(server);
      if (r == 1) serverDone = true;
      else if (SSL_get_error(server, r) != SSL_ERROR_WANT_READ) return false;
    }
  }
  return clientDone && serverDone;
}

}  // namespace ps::test

namespace ps::test {

engine::tls::X509Ptr makeCaCertificate(const std::string& commonName, EVP_PKEY* key) {
  auto cert = makeCertificate(commonName, key, -10, 365);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  if (X509_EXTENSION* ext = X509V3_EXT_nconf_nid(nullptr, &ctx, NID_basic_constraints, "critical,CA:TRUE")) {
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(cert.get(), key, EVP_sha256());
  return cert;
}

}  // namespace ps::test
