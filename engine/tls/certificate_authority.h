#pragma once
// CertificateAuthority: Proxyscope's own CA, loaded from (or created in) the data directory, and
// the signer of the per-host leaf certificates used for HTTPS interception.
//
// Files (DESIGN.md "Defaults that make it safe"):
//   <dataDir>/proxyscope-ca.key  PKCS#8 PEM private key, created with mode 0600 (never chmod-ed
//                                after the fact, so it is never readable by others, not even briefly)
//   <dataDir>/proxyscope-ca.pem  the certificate users install in their trust stores
// The data directory itself is created with mode 0700.
//
// Keys are EC P-256: key generation and ECDSA signatures take tens of microseconds (an RSA-2048
// key takes ~50-100 ms to generate and its signatures are slower), which keeps issuing a leaf well
// under the 2 ms target; every TLS client Proxyscope targets accepts P-256/ECDSA.
#include <memory>
#include <string>
#include <string_view>

#include "engine/core/result.h"
#include "engine/tls/openssl_handles.h"

namespace ps::engine::tls {

enum class CertificateFormat { Pem, Der };

class CertificateAuthority {
 public:
  static constexpr const char* kKeyFileName = "proxyscope-ca.key";
  static constexpr const char* kCertFileName = "proxyscope-ca.pem";

  // Loads the CA from dataDir, creating the directory and a new CA if there is none. An error
  // names the file and the cause (unreadable key, not a certificate, key/cert mismatch, ...).
  static Result<std::shared_ptr<CertificateAuthority>> loadOrCreate(const std::string& dataDir);
  // Loads an existing CA only (no creation).
  static Result<std::shared_ptr<CertificateAuthority>> load(const std::string& dataDir);
  // Replaces the CA in dataDir with a new one. Every client that trusted the old CA stops
  // trusting Proxyscope's leaves until the new certificate is installed.
  static Result<std::shared_ptr<CertificateAuthority>> regenerate(const std::string& dataDir);

  // Issues a leaf for host (a DNS name, an IPv4 or an IPv6 literal, brackets allowed) with the
  // given public key: SAN DNS or IP, serverAuth EKU, validity 397 days starting a day back.
  Result<X509Ptr> issueLeaf(std::string_view host, EVP_PKEY* leafKey) const;

  X509* certificate() const { return m_cert.get(); }
  std::string certificatePem() const;
  std::string certificateDer() const;
  std::string subjectName() const;   // the CN, e.g. "Proxyscope CA (ann@box, 2026-11-27)"
  std::string fingerprintSha256() const;  // "AB:CD:..."
  const std::string& keyPath() const { return m_keyPath; }
  const std::string& certPath() const { return m_certPath; }

  CertificateAuthority(PkeyPtr key, X509Ptr cert, std::string keyPath, std::string certPath);

 private:
  PkeyPtr m_key;  // never logged, never exported
  X509Ptr m_cert;
  std::string m_keyPath;
  std::string m_certPath;
};

// Generates a fresh EC P-256 key (the CA key, the shared leaf key, test keys).
Result<PkeyPtr> generateKey();

// The platform's app-data folder for Proxyscope: $XDG_DATA_HOME/proxyscope (else
// ~/.local/share/proxyscope) on Linux, ~/Library/Application Support/Proxyscope on macOS,
// %APPDATA%\Proxyscope on Windows.
std::string defaultDataDirectory();

// `proxyscope ca export PATH [--der]`: writes the CA certificate (never the key) to path,
// creating the CA first if there is none.
Result<void> exportCaCertificate(const std::string& dataDir, const std::string& path,
                                 CertificateFormat format);
// `proxyscope ca regenerate`: returns the new CA's subject name.
Result<std::string> regenerateCa(const std::string& dataDir);

}  // namespace ps::engine::tls
