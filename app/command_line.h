#pragma once
// The one command-line parser of proxyscope (GUI, --headless and the sub-commands share it).
#include <string>
#include <vector>

#include "engine/core/config.h"
#include "engine/core/result.h"

namespace ps::app {

struct Options {
  bool help = false;
  bool version = false;
  bool headless = false;
  engine::ProxyMode mode = engine::ProxyMode::Forward;
  engine::Endpoint listen{"127.0.0.1", 8080};
  unsigned threads = 0;
  size_t bodyCaptureBytes = 16 * 1024 * 1024;
  // Request heads over these get 414 / 431 (engine::Limits; RFC 9110 15.5.15, RFC 6585 5).
  size_t maxRequestLine = engine::Limits{}.maxRequestLine;  // --max-request-line BYTES
  size_t maxHeaderBytes = engine::Limits{}.maxHeaderBytes;  // --max-header-bytes BYTES
  bool capture = true;
  std::string dataDir;                 // empty → platform app-data location
  std::vector<std::string> backends;   // reverse mode: --backend URL (repeatable)
  std::string balance;                 // reverse mode: --balance STRATEGY
  bool listenTls = false;              // reverse mode: --tls (https listener, certificate from the CA)
  std::string tlsCertFile;             // reverse mode: --tls-cert FILE (PEM chain; implies --tls)
  std::string tlsKeyFile;              // reverse mode: --tls-key FILE (PEM private key)
  unsigned demoBackends = 0;           // reverse mode: --demo-backends N (built-in demo origins)
  std::string configFile;              // --config FILE (JSON)
  std::vector<std::string> subcommand; // e.g. {"ca", "export", "PATH"}; empty for a proxy run
  // Sessions, HAR, filter, system proxy (app/capture_session.*, app/system_proxy_commands.*):
  std::string sessionFile;             // --session FILE (default: the autosave in the data dir)
  bool noSession = false;              // --no-session: headless, record nothing (lines only)
  bool quiet = false;                  // --quiet / -q: headless, no line per flow (like mitmdump -q)
  std::string harFile;                 // --har FILE: the session as HAR on exit
  std::string filter;                  // --filter EXPR: which flows a headless run prints
  bool systemProxy = false;            // --system-proxy: point the system proxy here while running
  bool chainPriorProxy = false;        // --chain-prior-proxy: send upstream traffic through the prior system proxy
  engine::TlsOptions tls;              // --upstream-ca, --insecure-upstream, --keylog, --pass-through, ...
};

// Parses argv; an error names the option and what was wrong with it.
engine::Result<Options> parseCommandLine(int argc, char** argv);
std::string usageText();

}  // namespace ps::app
