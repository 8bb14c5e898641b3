#pragma once
// Pointing one application at Proxyscope without touching the system: a browser with a fresh
// profile, or a shell with the proxy and CA variables that common runtimes read.
#include <string>
#include <vector>

#include "engine/core/config.h"
#include "engine/core/result.h"

namespace ps::engine {

struct LaunchSpec {
  std::string program;            // resolved executable
  std::vector<std::string> args;  // without the program
  std::string profileDir;         // temporary profile the launch owns
  std::string appTag;             // "chromium", "firefox": flows from it are tagged app:<tag>
  std::string note;               // for the user, e.g. why HTTPS will show certificate warnings
};

// base64(sha256(SubjectPublicKeyInfo)) of the certificate in pemPath — the form Chromium's
// --ignore-certificate-errors-spki-list takes.
Result<std::string> spkiSha256Base64(const std::string& pemPath);

// Writes dataDir/ca-bundle.pem = the system trust store + the Proxyscope CA, so tools that replace
// (rather than extend) their trust store with SSL_CERT_FILE keep trusting hosts not intercepted.
Result<std::string> writeCombinedCaBundle(const std::string& dataDir, const std::string& caPemPath);

// POSIX shell lines: export HTTP_PROXY=... (both cases), NO_PROXY when noProxy is given, and the CA variables
// SSL_CERT_FILE, CURL_CA_BUNDLE, REQUESTS_CA_BUNDLE, NODE_EXTRA_CA_CERTS, GIT_SSL_CAINFO,
// AWS_CA_BUNDLE, CARGO_HTTP_CAINFO, DENO_CERT.
std::string shellExports(const Endpoint& proxy, const std::string& bundlePath, const std::string& caPemPath,
                         const std::string& noProxy = {});
// The same as name/value pairs, for starting a terminal or a child process with them.
std::vector<std::pair<std::string, std::string>> proxyEnvironment(const Endpoint& proxy, const std::string& bundlePath,
                                                                  const std::string& caPemPath,
                                                                  const std::string& noProxy = {});

// Chromium/Chrome: fresh profile, --proxy-server, loopback not bypassed, the Proxyscope CA
// trusted by SPKI. extraArgs go before the URL (e.g. --headless for tests).
Result<LaunchSpec> chromiumLaunch(const Endpoint& proxy, const std::string& caPemPath, const std::string& url,
                                  const std::vector<std::string>& extraArgs = {});
// Firefox: fresh profile (writeFirefoxProfile) and -profile DIR -no-remote. extraArgs go before the
// URL (e.g. --headless).
Result<LaunchSpec> firefoxLaunch(const Endpoint& proxy, const std::string& caPemPath, const std::string& url,
                                 const std::vector<std::string>& extraArgs = {});
// Writes a Firefox profile into dir: user.js with the proxy prefs (manual proxy for http and ssl,
// nothing bypassed, loopback proxied too) and, when NSS's certutil is installed (Debian:
// libnss3-tools), the Proxyscope CA in the profile's cert9.db trusted for TLS servers. Returns a
// note for the user when the CA could not be imported ("" when it was).
Result<std::string> writeFirefoxProfile(const std::string& dir, const Endpoint& proxy, const std::string& caPemPath);

// First of the names found in PATH, or "".
std::string findProgram(const std::vector<std::string>& names);

}  // namespace ps::engine
