#include "engine/tls/trust_instructions.h"

namespace ps::engine::tls {

std::string trustInstructions(TrustTarget target, const std::string& certPath) {
  const std::string q = "\"" + certPath + "\"";
  switch (target) {
    case TrustTarget::DebianUbuntu:
      // update-ca-certificates only picks up files ending in .crt under this folder.
      return "sudo cp " + q + " /usr/local/share/ca-certificates/proxyscope-ca.crt\n"
             "sudo update-ca-certificates   (needs the PEM export)\n"
             "(curl, wget, Python and most command-line tools now trust it; browsers use NSS, see below)\n";
    case TrustTarget::FirefoxChromiumNss:
      return "Chromium/Chrome (Linux): certutil -d sql:$HOME/.pki/nssdb -A -t \"C,,\" -n \"Proxyscope CA\" -i " + q + "\n"
             "Firefox: Settings > Privacy & Security > Certificates > View Certificates > Authorities > Import,\n"
             "  choose " + q + " and tick \"Trust this CA to identify websites\"\n"
             "(certutil is in the libnss3-tools package)\n";
    case TrustTarget::MacOs:
      return "sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain " + q + "\n";
    case TrustTarget::Windows:
      return "certutil -addstore -user Root " + q + "\n"
             "(or double-click the file > Install Certificate > Current User > Trusted Root Certification Authorities)\n";
  }
  return {};
}

std::string allTrustInstructions(const std::string& certPath) {
  return "Debian/Ubuntu system store:\n" + trustInstructions(TrustTarget::DebianUbuntu, certPath) +
         "\nFirefox/Chromium (NSS):\n" + trustInstructions(TrustTarget::FirefoxChromiumNss, certPath) +
         "\nmacOS keychain:\n" + trustInstructions(TrustTarget::MacOs, certPath) +
         "\nWindows certificate store:\n" + trustInstructions(TrustTarget::Windows, certPath) +
         "\nRemove it again when you stop using Proxyscope: whoever holds its key can impersonate any site.\n";
}

}  // namespace ps::engine::tls
