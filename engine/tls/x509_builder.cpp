#include "engine/tls/x509_builder.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

#include <openssl/bn.h>
#include <openssl/x509v3.h>

namespace ps::engine::tls {
namespace {

constexpr long kDay = 24 * 60 * 60;
// CA/Browser Forum and Apple: TLS server certificates may not be valid for more than 398 days;
// 397 leaves a day of margin. Validity starts a day back so a client whose clock runs slow still
// accepts a leaf issued a moment ago.
constexpr long kLeafDaysBack = 1;
constexpr long kLeafDaysAhead = 396;
constexpr long kCaDaysAhead = 3650;

Error sslError(const std::string& what) {
  std::string detail = takeOpenSslErrors();
  return Error{detail.empty() ? what : what + ": " + detail};
}

// RFC 5280 §4.1.2.2: a positive integer of at most 20 octets, unique per issuer. 127 random bits
// keep it positive and unguessable (two leaves for one host must never share a serial).
bool setRandomSerial(X509* cert) {
  BIGNUM* bn = BN_new();
  if (!bn) return false;
  bool ok = BN_rand(bn, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1;
  ASN1_INTEGER* serial = ok ? BN_to_ASN1_INTEGER(bn, nullptr) : nullptr;
  ok = serial && X509_set_serialNumber(cert, serial) == 1;
  ASN1_INTEGER_free(serial);
  BN_free(bn);
  return ok;
}

bool addNameEntry(X509_NAME* name, const char* field, const std::string& value) {
  return X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                    reinterpret_cast<const unsigned char*>(value.data()),
                                    static_cast<int>(value.size()), -1, 0) == 1;
}

bool addConfExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value);
  if (!ext) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// SAN built directly (not through the config-string parser) so that no character of a
// client-supplied host name can be read as config syntax.
bool addSubjectAltName(X509* cert, const std::string& host) {
  GENERAL_NAMES* names = sk_GENERAL_NAME_new_null();
  GENERAL_NAME* name = GENERAL_NAME_new();
  bool ok = names && name;
  if (ok && isIpLiteral(host)) {
    ASN1_OCTET_STRING* ip = a2i_IPADDRESS(host.c_str());
    ok = ip != nullptr;
    if (ok) GENERAL_NAME_set0_value(name, GEN_IPADD, ip);
  } else if (ok) {
    ASN1_IA5STRING* dns = ASN1_IA5STRING_new();
    ok = dns && ASN1_STRING_set(dns, host.data(), static_cast<int>(host.size())) == 1;
    if (ok) GENERAL_NAME_set0_value(name, GEN_DNS, dns);
    else ASN1_IA5STRING_free(dns);
  }
  if (ok) {
    ok = sk_GENERAL_NAME_push(names, name) > 0;
    if (ok) name = nullptr;
  }
  ok = ok && X509_add1_ext_i2d(cert, NID_subject_alt_name, names, 0, X509V3_ADD_DEFAULT) == 1;
  GENERAL_NAME_free(name);
  GENERAL_NAMES_free(names);
  return ok;
}

X509Ptr newCertificate(EVP_PKEY* subjectKey, long daysBack, long daysAhead) {
  X509Ptr cert(X509_new());
  if (!cert) return nullptr;
  if (X509_set_version(cert.get(), 2) != 1 || !setRandomSerial(cert.get()) ||
      !X509_gmtime_adj(X509_getm_notBefore(cert.get()), -daysBack * kDay) ||
      !X509_gmtime_adj(X509_getm_notAfter(cert.get()), daysAhead * kDay) ||
      X509_set_pubkey(cert.get(), subjectKey) != 1) {
    return nullptr;
  }
  return cert;
}

}  // namespace

std::string normalizeHost(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  while (!host.empty() && host.back() == '.') host.remove_suffix(1);
  std::string out(host);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool isIpLiteral(std::string_view host) {
  std::string h(host);
  unsigned char buf[16];
  return inet_pton(AF_INET, h.c_str(), buf) == 1 || inet_pton(AF_INET6, h.c_str(), buf) == 1;
}

Result<X509Ptr> buildCaCertificate(EVP_PKEY* key, const std::string& commonName) {
  X509Ptr cert = newCertificate(key, 1, kCaDaysAhead);
  if (!cert) return sslError("cannot create the CA certificate");
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (!addNameEntry(name, "O", "Proxyscope") || !addNameEntry(name, "CN", commonName) ||
      X509_set_issuer_name(cert.get(), name) != 1) {
    return sslError("cannot set the CA name");
  }
  // RFC 5280 §4.2.1.9 / §4.2.1.3: a CA must say so (critical) and may only sign certificates
  // and CRLs; §4.2.1.2: subjectKeyIdentifier lets verifiers match leaves' AKI to this CA.
  if (!addConfExtension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE") ||
      !addConfExtension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign") ||
      !addConfExtension(cert.get(), cert.get(), NID_subject_key_identifier, "hash")) {
    return sslError("cannot add the CA extensions");
  }
  if (X509_sign(cert.get(), key, EVP_sha256()) <= 0) return sslError("cannot sign the CA certificate");
  return cert;
}

Result<X509Ptr> buildLeafCertificate(std::string_view rawHost, EVP_PKEY* leafKey, X509* caCert,
                                     EVP_PKEY* caKey) {
  std::string host = normalizeHost(rawHost);
  if (host.empty() || host.size() > 253) return Error{"cannot issue a certificate for host '" + std::string(rawHost) + "'"};
  X509Ptr cert = newCertificate(leafKey, kLeafDaysBack, kLeafDaysAhead);
  if (!cert) return sslError("cannot create a certificate for " + host);
  X509_NAME* name = X509_get_subject_name(cert.get());
  // The CN is informational (clients match the SAN, RFC 6125 §6.4.4) and limited to 64 chars.
  if (!addNameEntry(name, "O", "Proxyscope") || !addNameEntry(name, "CN", host.substr(0, 64)) ||
      X509_set_issuer_name(cert.get(), X509_get_subject_name(caCert)) != 1) {
    return sslError("cannot set the certificate name for " + host);
  }
  if (!addConfExtension(cert.get(), caCert, NID_basic_constraints, "critical,CA:FALSE") ||
      !addConfExtension(cert.get(), caCert, NID_key_usage, "critical,digitalSignature") ||
      !addConfExtension(cert.get(), caCert, NID_ext_key_usage, "serverAuth") ||
      !addConfExtension(cert.get(), caCert, NID_subject_key_identifier, "hash") ||
      !addConfExtension(cert.get(), caCert, NID_authority_key_identifier, "keyid:always") ||
      !addSubjectAltName(cert.get(), host)) {
    return sslError("cannot add the certificate extensions for " + host);
  }
  if (X509_sign(cert.get(), caKey, EVP_sha256()) <= 0) return sslError("cannot sign the certificate for " + host);
  return cert;
}

}  // namespace ps::engine::tls
