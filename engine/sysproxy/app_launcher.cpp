#include "engine/sysproxy/app_launcher.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "engine/sysproxy/process.h"

namespace ps::engine {

namespace {
std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

std::string makeTempDir(const std::string& prefix) {
  std::string tmpl = (getenv("TMPDIR") != nullptr ? std::string(getenv("TMPDIR")) : std::string("/tmp")) + "/" + prefix + "XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  return mkdtemp(buf.data()) != nullptr ? std::string(buf.data()) : std::string();
}

// Quoting for a POSIX shell: single quotes, with ' written as '\''.
std::string shellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}
}  // namespace

std::string findProgram(const std::vector<std::string>& names) {
  for (const auto& n : names) {
    if (findInPath(n)) return n;
  }
  return {};
}

Result<std::string> spkiSha256Base64(const std::string& pemPath) {
  FILE* f = fopen(pemPath.c_str(), "rb");
  if (f == nullptr) return Error{"cannot open " + pemPath};
  X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  fclose(f);
  if (cert == nullptr) return Error{pemPath + ": not a PEM certificate"};
  unsigned char* der = nullptr;
  int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
  X509_free(cert);
  if (len <= 0) return Error{pemPath + ": cannot encode the public key"};
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digestLen = 0;
  EVP_Digest(der, static_cast<size_t>(len), digest, &digestLen, EVP_sha256(), nullptr);
  OPENSSL_free(der);
  unsigned char b64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
  int outLen = EVP_EncodeBlock(b64, digest, static_cast<int>(digestLen));
  return std::string(reinterpret_cast<char*>(b64), static_cast<size_t>(outLen));
}

Result<std::string> writeCombinedCaBundle(const std::string& dataDir, const std::string& caPemPath) {
  std::string ca = readFile(caPemPath);
  if (ca.empty()) return Error{"cannot read the Proxyscope CA certificate " + caPemPath};
  std::string system;
  for (const char* p : {"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"}) {
    system = readFile(p);
    if (!system.empty()) break;
  }
  std::string path = dataDir + "/ca-bundle.pem";
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << system;
  if (!system.empty() && system.back() != '\n') out << '\n';
  out << "# Proxyscope CA\n" << ca;
  if (!out) return Error{"cannot write " + path};
  return path;
}

std::vector<std::pair<std::string, std::string>> proxyEnvironment(const Endpoint& proxy, const std::string& bundlePath,
                                                                  const std::string& caPemPath,
                                                                  const std::string& noProxy) {
  std::string url = "http://" + proxy.toString();
  std::vector<std::pair<std::string, std::string>> env{
      {"HTTP_PROXY", url},           {"http_proxy", url},            {"HTTPS_PROXY", url},
      {"https_proxy", url},          {"SSL_CERT_FILE", bundlePath},  {"CURL_CA_BUNDLE", bundlePath},
      {"REQUESTS_CA_BUNDLE", bundlePath}, {"NODE_EXTRA_CA_CERTS", caPemPath}, {"GIT_SSL_CAINFO", bundlePath},
      {"AWS_CA_BUNDLE", bundlePath}, {"CARGO_HTTP_CAINFO", bundlePath}, {"DENO_CERT", bundlePath}};
  // Loopback is proxied by default: inspecting local development servers is the point. A caller
  // that wants hosts bypassed passes them.
  if (!noProxy.empty()) {
    env.emplace_back("NO_PROXY", noProxy);
    env.emplace_back("no_proxy", noProxy);
  }
  return env;
}

std::string shellExports(const Endpoint& proxy, const std::string& bundlePath, const std::string& caPemPath,
                         const std::string& noProxy) {
  std::string out;
  for (const auto& [name, value] : proxyEnvironment(proxy, bundlePath, caPemPath, noProxy)) {
    out += "export " + name + "=" + shellQuote(value) + "\n";
  }
  return out;
}

Result<LaunchSpec> chromiumLaunch(const Endpoint& proxy, const std::string& caPemPath, const std::string& url,
                                  const std::vector<std::string>& extraArgs) {
  LaunchSpec spec;
  spec.program = findProgram({"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"});
  if (spec.program.empty()) return Error{"Chromium or Chrome is not installed (looked for chromium, google-chrome)"};
  auto spki = spkiSha256Base64(caPemPath);
  if (!spki.ok()) return spki.error();
  spec.profileDir = makeTempDir("proxyscope-chromium-");
  if (spec.profileDir.empty()) return Error{"cannot create a temporary browser profile"};
  spec.appTag = "chromium";
  spec.args = {"--user-data-dir=" + spec.profileDir,
               "--proxy-server=http://" + proxy.toString(),
               // Chromium never proxies loopback unless told; local development servers are the point.
               "--proxy-bypass-list=<-loopback>",
               "--ignore-certificate-errors-spki-list=" + *spki,
               "--no-first-run",
               "--no-default-browser-check",
               "--disable-background-networking",
               "--disable-component-update",
               "--disable-sync"};
  spec.args.insert(spec.args.end(), extraArgs.begin(), extraArgs.end());
  if (!url.empty()) spec.args.push_back(url);
  return spec;
}

Result<std::string> writeFirefoxProfile(const std::string& dir, const Endpoint& proxy, const std::string& caPemPath) {
  std::ofstream prefs(dir + "/user.js", std::ios::binary | std::ios::trunc);
  // user.js is read at every start and overrides prefs.js (about:config documentation).
  // network.proxy.type 1 = manual; allow_hijacking_localhost: Firefox 67+ never proxies loopback
  // otherwise, and local development servers are the point.
  prefs << "user_pref(\"network.proxy.type\", 1);\n"
        << "user_pref(\"network.proxy.http\", \"" << proxy.host << "\");\n"
        << "user_pref(\"network.proxy.http_port\", " << proxy.port << ");\n"
        << "user_pref(\"network.proxy.ssl\", \"" << proxy.host << "\");\n"
        << "user_pref(\"network.proxy.ssl_port\", " << proxy.port << ");\n"
        << "user_pref(\"network.proxy.share_proxy_settings\", false);\n"
        << "user_pref(\"network.proxy.no_proxies_on\", \"\");\n"
        << "user_pref(\"network.proxy.allow_hijacking_localhost\", true);\n"
        // A fresh profile otherwise fills the session with first-run and background traffic.
        << "user_pref(\"browser.shell.checkDefaultBrowser\", false);\n"
        << "user_pref(\"browser.startup.homepage_override.mstone\", \"ignore\");\n"
        << "user_pref(\"datareporting.policy.dataSubmissionEnabled\", false);\n"
        << "user_pref(\"toolkit.telemetry.reportingpolicy.firstRun\", false);\n"
        << "user_pref(\"network.captive-portal-service.enabled\", false);\n"
        << "user_pref(\"network.connectivity-service.enabled\", false);\n"
        << "user_pref(\"app.update.auto\", false);\n";
  prefs.close();
  if (!prefs) return Error{"cannot write " + dir + "/user.js"};
  const std::string manual = "import " + caPemPath + " in Firefox (Settings → Privacy & Security → Certificates → "
                             "View Certificates → Authorities → Import, trust for websites)";
  if (!findInPath("certutil")) {
    return "certutil (Debian: libnss3-tools) is not installed, so HTTPS pages will show certificate warnings; " + manual;
  }
  // An empty NSS database in the new SQL format (cert9.db, key4.db), then the CA with trust flags
  // "C,," = a trusted CA for TLS servers (certutil(1)).
  const std::string db = "sql:" + dir;
  auto created = runProcess({"certutil", "-N", "-d", db, "--empty-password"});
  auto added = created && created->exitCode == 0
                   ? runProcess({"certutil", "-A", "-d", db, "-n", "Proxyscope CA", "-t", "C,,", "-i", caPemPath})
                   : created;
  if (!added || added->exitCode != 0) {
    std::string why = !added ? added.error().message : added->out;
    while (!why.empty() && (why.back() == '\n' || why.back() == '\r')) why.pop_back();
    return "certutil could not import the CA (" + why + "); " + manual;
  }
  return std::string();
}

Result<LaunchSpec> firefoxLaunch(const Endpoint& proxy, const std::string& caPemPath, const std::string& url,
                                 const std::vector<std::string>& extraArgs) {
  LaunchSpec spec;
  spec.program = findProgram({"firefox", "firefox-esr"});
  if (spec.program.empty()) return Error{"Firefox is not installed (looked for firefox, firefox-esr)"};
  spec.profileDir = makeTempDir("proxyscope-firefox-");
  if (spec.profileDir.empty()) return Error{"cannot create a temporary browser profile"};
  spec.appTag = "firefox";
  auto note = writeFirefoxProfile(spec.profileDir, proxy, caPemPath);
  if (!note) return note.error();
  spec.note = *note;
  spec.args = {"-profile", spec.profileDir, "-no-remote"};
  spec.args.insert(spec.args.end(), extraArgs.begin(), extraArgs.end());
  if (!url.empty()) spec.args.push_back(url);
  return spec;
}

}  // namespace ps::engine
