#include "app/ca_command.h"

#include <cstdio>

#include "engine/tls/certificate_authority.h"
#include "engine/tls/trust_instructions.h"

namespace ps::app {

namespace tls = engine::tls;

int runSubcommand(const Options& options) {
  const auto& args = options.subcommand;
  auto usage = [] {
    std::fputs("proxyscope: usage: proxyscope [--data-dir DIR] ca export PATH [--der] | ca regenerate | ca path\n", stderr);
    return 2;
  };
  if (args.size() < 2 || args[0] != "ca") return usage();
  std::string dataDir = options.dataDir.empty() ? tls::defaultDataDirectory() : options.dataDir;
  std::vector<std::string> rest(args.begin() + 2, args.end());
  // Options after the sub-command are its own (the main parser stops at the first word).
  bool der = false;
  std::vector<std::string> positional;
  for (size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == "--der") der = true;
    else if (rest[i] == "--data-dir" && i + 1 < rest.size()) dataDir = rest[++i];
    else if (rest[i].starts_with("--data-dir=")) dataDir = rest[i].substr(11);
    else if (rest[i].starts_with("-")) return usage();
    else positional.push_back(rest[i]);
  }

  if (args[1] == "export") {
    if (positional.size() != 1) return usage();
    auto exported = tls::exportCaCertificate(dataDir, positional[0], der ? tls::CertificateFormat::Der
                                                                         : tls::CertificateFormat::Pem);
    if (!exported) {
      std::fprintf(stderr, "proxyscope: %s\n", exported.error().message.c_str());
      return 1;
    }
    std::printf("exported the Proxyscope CA certificate (%s) to %s\n\nTo trust it:\n\n%s", der ? "DER" : "PEM",
                positional[0].c_str(), tls::allTrustInstructions(positional[0]).c_str());
    return 0;
  }
  if (args[1] == "regenerate") {
    if (!positional.empty()) return usage();
    auto name = tls::regenerateCa(dataDir);
    if (!name) {
      std::fprintf(stderr, "proxyscope: %s\n", name.error().message.c_str());
      return 1;
    }
    std::printf("created a new CA \"%s\" in %s\n"
                "warning: clients that trusted the previous Proxyscope CA no longer trust intercepted sites;\n"
                "export the new certificate (proxyscope ca export PATH) and install it again\n",
                name->c_str(), dataDir.c_str());
    return 0;
  }
  if (args[1] == "path") {
    auto ca = tls::CertificateAuthority::loadOrCreate(dataDir);
    if (!ca) {
      std::fprintf(stderr, "proxyscope: %s\n", ca.error().message.c_str());
      return 1;
    }
    std::printf("%s\n", (*ca)->certPath().c_str());
    return 0;
  }
  return usage();
}

}  // namespace ps::app
