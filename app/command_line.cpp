#include "app/command_line.h"

#include <charconv>
#include <cstring>
#include <string_view>

namespace ps::app {

namespace {

using engine::Error;
using engine::Result;

// "16M", "512k", "1G", "1000" → bytes (binary multiples).
Result<size_t> parseBytes(std::string_view text) {
  if (text.empty()) return Error{"empty size"};
  size_t multiplier = 1;
  char last = text.back();
  if (last == 'k' || last == 'K') multiplier = 1024;
  if (last == 'm' || last == 'M') multiplier = 1024 * 1024;
  if (last == 'g' || last == 'G') multiplier = 1024ull * 1024 * 1024;
  if (multiplier != 1) text.remove_suffix(1);
  unsigned long long value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) return Error{"invalid size"};
  return static_cast<size_t>(value * multiplier);
}

constexpr size_t kMinHeadLimit = 64;  // below this not even "GET / HTTP/1.1" plus Host fits
constexpr size_t kMaxRequestLineLimit = 1024 * 1024;
constexpr size_t kMaxHeaderBytesLimit = 16 * 1024 * 1024;

}  // namespace

std::string usageText() {
  return "Usage: proxyscope [options]\n"
         "\n"
         "A proxy inspector: a forward proxy (stands in for clients) or a reverse proxy (fronts\n"
         "backends) that shows every flow.\n"
         "\n"
         "Options:\n"
         "  --help                 show this text and exit\n"
         "  --version              show the version and exit\n"
         "  --headless             run without a window; print one line per finished flow\n"
         "  --listen HOST:PORT     listen address (default 127.0.0.1:8080; port 0 picks a free one)\n"
         "  --mode forward|reverse proxy mode (default forward)\n"
         "  --threads N            engine threads (default: one per core)\n"
         "  --capture-limit BYTES  body bytes kept per message (k/M/G suffixes; default 16M)\n"
         "  --no-capture           keep headers and sizes only, no body bytes\n"
         "  --max-request-line BYTES  longest request line accepted; longer gets 414 URI Too Long\n"
         "                         (k/M suffixes; 64 to 1M; default 8k)\n"
         "  --max-header-bytes BYTES  largest request head (request line + header fields) accepted;\n"
         "                         larger gets 431 Request Header Fields Too Large (64 to 16M; default 64k)\n"
         "  --data-dir DIR         where the CA, sessions and settings live\n"
         "  --backend URL          reverse mode: a backend (repeatable)\n"
         "  --balance NAME         reverse mode: round-robin, weighted, least-connections,\n"
         "                         random-two, ip-hash or cookie\n"
         "  --demo-backends N      reverse mode: start N demo backends on 127.0.0.1 and use them\n"
         "  --tls                  reverse mode: listen with https (certificate from Proxyscope's CA)\n"
         "  --tls-cert FILE        reverse mode: https with your own certificate (PEM chain, leaf first)\n"
         "  --tls-key FILE         the private key (PEM) for --tls-cert\n"
         "  --config FILE          read settings from a JSON file\n"
         "  --session FILE         record into this session (appends to an existing one; default:\n"
         "                         a fresh autosave in the data dir, the last one kept as autosave-previous)\n"
         "  --no-session           headless: record nothing (flows are printed only)\n"
         "  -q, --quiet            headless: print no line per flow (backend health changes still\n"
         "                         print); with --no-session the fastest run\n"
         "  --har FILE             headless: write the session as HAR 1.2 on exit\n"
         "  --filter EXPR          headless: print only flows matching the filter (e.g. 'status:>=400')\n"
         "  --system-proxy         headless: point the system proxy here while running (always restored)\n"
         "  --chain-prior-proxy    with --system-proxy: reach the network through the proxy set before\n"
         "\n"
         "Commands:\n"
         "  har export SESSION OUT [--filter EXPR]   write a session (or a filter's result) as HAR\n"
         "  har import HAR SESSION                   add a HAR file's entries to a session\n"
         "  session info SESSION                     flow count, first and last time\n"
         "  env [--listen HOST:PORT]                 shell exports pointing a terminal at the proxy\n"
         "  launch chromium|firefox [URL] [-- ARGS]  a browser with a fresh profile using the proxy\n"
         "\n"
         "HTTPS (forward mode intercepts CONNECT tunnels with Proxyscope's own CA):\n"
         "  --upstream-ca FILE     also trust these PEM certificates for upstream servers\n"
         "  --insecure-upstream HOST  do not verify HOST's certificate (repeatable; *.example.com)\n"
         "  --pass-through PATTERN keep CONNECTs to matching hosts opaque (repeatable)\n"
         "  --intercept-only PATTERN  intercept only matching hosts (repeatable; allow-list mode)\n"
         "  --no-intercept         relay every CONNECT tunnel without interception\n"
         "  --keylog FILE          append TLS key log lines (SSLKEYLOGFILE format) for Wireshark\n"
         "\n"
         "Sub-commands:\n"
         "  ca export PATH [--der] write the CA certificate (PEM, or DER) to PATH\n"
         "  ca regenerate          replace the CA with a new one (clients must trust it again)\n"
         "  ca path                print where the CA certificate is\n";
}

Result<Options> parseCommandLine(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string_view inlineValue;
    bool hasInline = false;
    if (arg.starts_with("--")) {
      if (size_t eq = arg.find('='); eq != std::string_view::npos) {
        inlineValue = arg.substr(eq + 1);
        arg = arg.substr(0, eq);
        hasInline = true;
      }
    }
    auto value = [&](std::string_view name) -> Result<std::string> {
      if (hasInline) return std::string(inlineValue);
      if (i + 1 >= argc) return Error{"option " + std::string(name) + " needs a value"};
      return std::string(argv[++i]);
    };
    auto flag = [&](bool& target) -> Result<void> {
      if (hasInline) return Error{"option " + std::string(arg) + " takes no value"};
      target = true;
      return {};
    };

    if (arg == "--help" || arg == "-h") {
      if (auto r = flag(options.help); !r) return r.error();
    } else if (arg == "--version") {
      if (auto r = flag(options.version); !r) return r.error();
    } else if (arg == "--headless") {
      if (auto r = flag(options.headless); !r) return r.error();
    } else if (arg == "--no-capture") {
      bool noCapture = false;
      if (auto r = flag(noCapture); !r) return r.error();
      options.capture = false;
    } else if (arg == "--no-session") {
      if (auto r = flag(options.noSession); !r) return r.error();
    } else if (arg == "--quiet" || arg == "-q") {
      if (auto r = flag(options.quiet); !r) return r.error();
    } else if (arg == "--listen") {
      auto v = value(arg);
      if (!v) return v.error();
      auto ep = engine::parseEndpoint(*v);
      if (!ep) return Error{"--listen: " + ep.error().message};
      options.listen = *ep;
    } else if (arg == "--mode") {
      auto v = value(arg);
      if (!v) return v.error();
      if (*v == "forward") {
        options.mode = engine::ProxyMode::Forward;
      } else if (*v == "reverse") {
        options.mode = engine::ProxyMode::Reverse;
      } else {
        return Error{"--mode: expected forward or reverse, got '" + *v + "'"};
      }
    } else if (arg == "--threads") {
      auto v = value(arg);
      if (!v) return v.error();
      unsigned n = 0;
      auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
      if (ec != std::errc() || ptr != v->data() + v->size() || v->empty() || n > 1024) {
        return Error{"--threads: expected a number 0-1024, got '" + *v + "'"};
      }
      options.threads = n;
    } else if (arg == "--capture-limit") {
      auto v = value(arg);
      if (!v) return v.error();
      auto bytes = parseBytes(*v);
      if (!bytes) return Error{"--capture-limit: invalid size '" + *v + "' (e.g. 1048576, 512k, 16M)"};
      options.bodyCaptureBytes = *bytes;
    } else if (arg == "--max-request-line" || arg == "--max-header-bytes") {
      auto v = value(arg);
      if (!v) return v.error();
      const bool line = arg == "--max-request-line";
      // The client connection's read buffer grows with these, so they stay bounded.
      const size_t most = line ? kMaxRequestLineLimit : kMaxHeaderBytesLimit;
      auto bytes = parseBytes(*v);
      if (!bytes || *bytes < kMinHeadLimit || *bytes > most) {
        return Error{std::string(arg) + ": expected a size from 64 to " + (line ? "1M" : "16M") + " bytes, got '" + *v + "'"};
      }
      (line ? options.maxRequestLine : options.maxHeaderBytes) = *bytes;
    } else if (arg == "--data-dir") {
      auto v = value(arg);
      if (!v) return v.error();
      options.dataDir = *v;
    } else if (arg == "--upstream-ca") {
      auto v = value(arg);
      if (!v) return v.error();
      options.tls.upstreamCaFile = *v;
    } else if (arg == "--insecure-upstream") {
      auto v = value(arg);
      if (!v) return v.error();
      options.tls.insecureUpstream.push_back(*v);
    } else if (arg == "--pass-through") {
      auto v = value(arg);
      if (!v) return v.error();
      options.tls.passThrough.push_back(*v);
    } else if (arg == "--intercept-only") {
      auto v = value(arg);
      if (!v) return v.error();
      options.tls.interceptOnly.push_back(*v);
    } else if (arg == "--no-intercept") {
      bool off = false;
      if (auto r = flag(off); !r) return r.error();
      options.tls.intercept = false;
    } else if (arg == "--keylog") {
      auto v = value(arg);
      if (!v) return v.error();
      options.tls.keyLogFile = *v;
    } else if (arg == "--backend") {
      auto v = value(arg);
      if (!v) return v.error();
      options.backends.push_back(*v);
    } else if (arg == "--balance") {
      auto v = value(arg);
      if (!v) return v.error();
      options.balance = *v;
    } else if (arg == "--tls") {
      if (auto r = flag(options.listenTls); !r) return r.error();
    } else if (arg == "--tls-cert" || arg == "--tls-key") {
      auto v = value(arg);
      if (!v) return v.error();
      (arg == "--tls-cert" ? options.tlsCertFile : options.tlsKeyFile) = *v;
      options.listenTls = true;
    } else if (arg == "--demo-backends") {
      auto v = value(arg);
      if (!v) return v.error();
      unsigned n = 0;
      auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
      if (ec != std::errc() || ptr != v->data() + v->size() || v->empty() || n > 64) {
        return Error{"--demo-backends: expected a number 0-64, got '" + *v + "'"};
      }
      options.demoBackends = n;
      options.mode = engine::ProxyMode::Reverse;
    } else if (arg == "--config") {
      auto v = value(arg);
      if (!v) return v.error();
      options.configFile = *v;
    } else if (arg == "--session" || arg == "--har" || arg == "--filter") {  // sessions/HAR/filter
      auto v = value(arg);
      if (!v) return v.error();
      (arg == "--session" ? options.sessionFile : arg == "--har" ? options.harFile : options.filter) = *v;
    } else if (arg == "--system-proxy") {
      if (auto r = flag(options.systemProxy); !r) return r.error();
    } else if (arg == "--chain-prior-proxy") {
      if (auto r = flag(options.chainPriorProxy); !r) return r.error();
    } else if (arg.starts_with("-")) {
      return Error{"unknown option '" + std::string(arg) + "' (see --help)"};
    } else {
      // Sub-commands take the rest of the line (e.g. "ca export PATH").
      for (; i < argc; ++i) options.subcommand.emplace_back(argv[i]);
    }
  }
  if (options.tlsCertFile.empty() != options.tlsKeyFile.empty()) {
    return Error{"--tls-cert and --tls-key go together: give both or neither"};
  }
  if (options.noSession && (!options.sessionFile.empty() || !options.harFile.empty())) {
    return Error{"--no-session records nothing, so it cannot be combined with --session or --har"};
  }
  if (options.quiet && !options.filter.empty()) {
    return Error{"--quiet prints no flows and --filter chooses which flows to print: give one or the other"};
  }
  return options;
}

}  // namespace ps::app
