#include "engine/tls/certificate_authority.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "engine/tls/x509_builder.h"

namespace ps::engine::tls {
namespace {

namespace fs = std::filesystem;

std::string errnoText() { return std::strerror(errno); }

std::string currentUser() {
  if (const char* user = std::getenv("USER"); user && *user) return user;
  if (passwd* pw = getpwuid(getuid()); pw && pw->pw_name) return pw->pw_name;
  return "user";
}

std::string currentHost() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || !buf[0]) return "localhost";
  return buf;
}

std::string today() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

Result<void> ensureDirectory(const std::string& dir) {
  if (dir.empty()) return Error{"no data directory given"};
  std::error_code ec;
  fs::path path(dir);
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  // The last component is created 0700 directly: it holds the CA key.
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Error{"cannot create data directory " + dir + ": " + errnoText()};
  }
  if (!fs::is_directory(path, ec)) return Error{"data directory " + dir + " is not a directory"};
  return {};
}

Result<std::string> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"cannot read " + path + ": " + errnoText()};
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Writes atomically (temporary file + rename) with the final mode set at creation time.
Result<void> writeFile(const std::string& path, const std::string& data, mode_t mode) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  ::unlink(tmp.c_str());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return Error{"cannot create " + tmp + ": " + errnoText()};
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::string why = errnoText();
      ::close(fd);
      ::unlink(tmp.c_str());
      return Error{"cannot write " + path + ": " + why};
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return Error{"cannot write " + path + ": " + errnoText()};
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string why = errnoText();
    ::unlink(tmp.c_str());
    return Error{"cannot replace " + path + ": " + why};
  }
  return {};
}

std::string bioText(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

Result<std::shared_ptr<CertificateAuthority>> createNew(const std::string& dataDir) {
  if (auto dir = ensureDirectory(dataDir); !dir) return dir.error();
  auto key = generateKey();
  if (!key) return key.error();
  std::string cn = "Proxyscope CA (" + currentUser() + "@" + currentHost() + ", " + today() + ")";
  auto cert = buildCaCertificate(key->get(), cn);
  if (!cert) return cert.error();

  BioPtr keyBio(BIO_new(BIO_s_mem()));
  BioPtr certBio(BIO_new(BIO_s_mem()));
  if (!keyBio || !certBio ||
      PEM_write_bio_PrivateKey(keyBio.get(), key->get(), nullptr, nullptr, 0, nullptr, nullptr) != 1 ||
      PEM_write_bio_X509(certBio.get(), cert->get()) != 1) {
    return Error{"cannot encode the new CA: " + takeOpenSslErrors()};
  }
  std::string keyPath = (fs::path(dataDir) / CertificateAuthority::kKeyFileName).string();
  std::string certPath = (fs::path(dataDir) / CertificateAuthority::kCertFileName).string();
  // Key first: a crash in between leaves a key without a certificate, which load() reports
  // instead of silently pairing a new certificate with an old key.
  if (auto w = writeFile(keyPath, bioText(keyBio.get()), 0600); !w) return w.error();
  if (auto w = writeFile(certPath, bioText(certBio.get()), 0644); !w) return w.error();
  return std::make_shared<CertificateAuthority>(std::move(*key), std::move(*cert), keyPath, certPath);
}

}  // namespace

Result<PkeyPtr> generateKey() {
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return Error{"cannot generate an EC P-256 key: " + takeOpenSslErrors()};
  return key;
}

CertificateAuthority::CertificateAuthority(PkeyPtr key, X509Ptr cert, std::string keyPath, std::string certPath)
    : m_key(std::move(key)), m_cert(std::move(cert)), m_keyPath(std::move(keyPath)), m_certPath(std::move(certPath)) {}

Result<std::shared_ptr<CertificateAuthority>> CertificateAuthority::load(const std::string& dataDir) {
  std::string keyPath = (fs::path(dataDir) / kKeyFileName).string();
  std::string certPath = (fs::path(dataDir) / kCertFileName).string();
  auto keyText = readFile(keyPath);
  if (!keyText) return Error{"CA key " + keyPath + " is unreadable: " + keyText.error().message};
  auto certText = readFile(certPath);
  if (!certText) {
    return Error{"CA certificate " + certPath + " is unreadable (" + certText.error().message +
                 "); run `proxyscope ca regenerate` to create a new CA"};
  }
  BioPtr keyBio(BIO_new_mem_buf(keyText->data(), static_cast<int>(keyText->size())));
  PkeyPtr key(keyBio ? PEM_read_bio_PrivateKey(keyBio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) return Error{"CA key " + keyPath + " is not a PEM private key: " + takeOpenSslErrors()};
  BioPtr certBio(BIO_new_mem_buf(certText->data(), static_cast<int>(certText->size())));
  X509Ptr cert(certBio ? PEM_read_bio_X509(certBio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!cert) return Error{"CA certificate " + certPath + " is not a PEM certificate: " + takeOpenSslErrors()};
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    takeOpenSslErrors();
    return Error{"CA key " + keyPath + " does not match the certificate " + certPath +
                 " (key/cert mismatch); run `proxyscope ca regenerate`"};
  }
  if (X509_check_ca(cert.get()) == 0) return Error{"CA certificate " + certPath + " is not a CA certificate"};
  return std::make_shared<CertificateAuthority>(std::move(key), std::move(cert), keyPath, certPath);
}

Result<std::shared_ptr<CertificateAuthority>> CertificateAuthority::loadOrCreate(const std::string& dataDir) {
  std::error_code ec;
  bool keyExists = fs::exists(fs::path(dataDir) / kKeyFileName, ec);
  bool certExists = fs::exists(fs::path(dataDir) / kCertFileName, ec);
  if (!keyExists && !certExists) return createNew(dataDir);
  return load(dataDir);
}

Result<std::shared_ptr<CertificateAuthority>> CertificateAuthority::regenerate(const std::string& dataDir) {
  return createNew(dataDir);
}

Result<X509Ptr> CertificateAuthority::issueLeaf(std::string_view host, EVP_PKEY* leafKey) const {
  return buildLeafCertificate(host, leafKey, m_cert.get(), m_key.get());
}

std::string CertificateAuthority::certificatePem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), m_cert.get()) != 1) return {};
  return bioText(bio.get());
}

std::string CertificateAuthority::certificateDer() const {
  unsigned char* der = nullptr;
  int len = i2d_X509(m_cert.get(), &der);
  if (len <= 0) return {};
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

std::string CertificateAuthority::subjectName() const {
  X509_NAME* name = X509_get_subject_name(m_cert.get());
  int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (index < 0) return {};
  ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                     static_cast<size_t>(ASN1_STRING_length(value)));
}

std::string CertificateAuthority::fingerprintSha256() const {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(m_cert.get(), EVP_sha256(), md, &len) != 1) return {};
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    if (i) out += ':';
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

std::string defaultDataDirectory() {
#if defined(_WIN32)
  if (const char* appData = std::getenv("APPDATA"); appData && *appData) return std::string(appData) + "\\Proxyscope";
  return "Proxyscope";
#else
  const char* home = std::getenv("HOME");
  std::string homeDir = home && *home ? home : ".";
#if defined(__APPLE__)
  return homeDir + "/Library/Application Support/Proxyscope";
#else
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg && xdg[0] == '/') return std::string(xdg) + "/proxyscope";
  return homeDir + "/.local/share/proxyscope";
#endif
#endif
}

Result<void> exportCaCertificate(const std::string& dataDir, const std::string& path, CertificateFormat format) {
  auto ca = CertificateAuthority::loadOrCreate(dataDir);
  if (!ca) return ca.error();
  std::string data = format == CertificateFormat::Der ? (*ca)->certificateDer() : (*ca)->certificatePem();
  if (data.empty()) return Error{"cannot encode the CA certificate " + (*ca)->certPath()};
  return writeFile(path, data, 0644);
}

Result<std::string> regenerateCa(const std::string& dataDir) {
  auto ca = CertificateAuthority::regenerate(dataDir);
  if (!ca) return ca.error();
  return (*ca)->subjectName();
}

}  // namespace ps::engine::tls
