#pragma once
// EngineConfig: everything the engine needs to run. Immutable once handed to the engine; a change
// is a new shared_ptr<const EngineConfig> swapped in (connections in flight keep the one they began
// with).
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/flow.h"
#include "engine/core/result.h"

namespace ps::engine {

struct Endpoint {
  std::string host;
  uint16_t port = 0;
  std::string toString() const;  // "127.0.0.1:8080", "[::1]:8080"
};

// Parses "HOST:PORT", "[V6]:PORT" or ":PORT"/"PORT" (host 127.0.0.1).
Result<Endpoint> parseEndpoint(std::string_view text);

struct Timeouts {
  std::chrono::milliseconds clientIdle{60'000};       // keep-alive client with no request
  std::chrono::milliseconds clientHeaders{30'000};    // a started request head must complete
  std::chrono::milliseconds io{60'000};               // any single read/write without progress
  std::chrono::milliseconds connect{10'000};          // DNS + TCP (+ TLS) to the upstream
  std::chrono::milliseconds upstreamResponse{60'000}; // request sent → first response byte (504)
  std::chrono::milliseconds upstreamIdle{30'000};     // pooled idle upstream connection
  std::chrono::milliseconds tunnelIdle{300'000};      // CONNECT tunnel with no traffic either way
};

struct Limits {
  size_t maxRequestLine = 8 * 1024;   // → 414
  size_t maxHeaderBytes = 64 * 1024;  // whole head → 431 (502 on responses)
  size_t maxHeaderCount = 200;        // → 431
  size_t bodyCaptureBytes = 16 * 1024 * 1024;  // per body; the rest is only counted
  size_t maxIdleUpstreamPerOrigin = 32;
};

// HTTPS interception and upstream TLS (forward mode; issue 3).
struct TlsOptions {
  bool intercept = true;                      // false: every CONNECT is an opaque tunnel
  std::vector<std::string> passThrough;       // host patterns kept opaque ("*.bank.example", "pinned.app")
  std::vector<std::string> interceptOnly;     // allow-list mode: when non-empty, only these are intercepted
  std::string upstreamCaFile;                 // PEM trusted for upstreams besides the system store
  std::vector<std::string> insecureUpstream;  // host patterns whose certificates are not verified
  std::string keyLogFile;                     // NSS key log (SSLKEYLOGFILE format), both sides
};

struct ReverseConfig;  // engine/proxy/reverse_config.h
struct PolicyConfig;  // engine/policy/policy_config.h

struct EngineConfig {
  ProxyMode mode = ProxyMode::Forward;
  Endpoint listen{"127.0.0.1", 8080};
  unsigned threads = 0;  // 0 = one per core
  bool capture = true;   // keep body bytes on flows (headers and sizes are always recorded)
  Timeouts timeouts;
  Limits limits;
  std::string dataDir;   // CA, autosave session, journals
  // Reverse mode: listeners, routes, pools (engine/proxy/reverse_config.h). Swapped whole with the
  // EngineConfig; backends keep their health and counters across a swap when name and URL match.
  std::shared_ptr<const ReverseConfig> reverse;
  TlsOptions tls;
  // Cache, filtering, anonymity, rate limits (engine/policy/policy_config.h); null = none.
  std::shared_ptr<const PolicyConfig> policies;
};

}  // namespace ps::engine
