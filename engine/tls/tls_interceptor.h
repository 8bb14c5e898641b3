#pragma once
// TLS interception for the forward proxy's CONNECT path (the net::TunnelInterceptor hook) and
// the https upstream connector (the net::UpstreamTlsConnector hook). makeTlsHooks() builds both
// from EngineConfig::tls: the CA in the data directory, the leaf cache, the upstream trust store,
// the key log.
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/core/config.h"
#include "engine/net/hooks.h"
#include "engine/tls/server_tls_context.h"
#include "engine/tls/upstream_tls_context.h"

namespace ps::engine::tls {

// Flow tags set by interception.
inline constexpr const char* kTagIntercepted = "intercepted";
inline constexpr const char* kTagInsecureUpstream = "insecure-upstream";
inline constexpr const char* kTagPassThrough = "pass-through";

class TlsInterceptor final : public net::TunnelInterceptor {
 public:
  // The CA is loaded (or created) on first use from dataDir, unless server is given already.
  TlsInterceptor(std::string dataDir, std::shared_ptr<KeyLog> keyLog, TlsOptions options,
                 std::shared_ptr<ServerTlsContext> server = nullptr);

  // False for pass-through hosts and, in allow-list mode, for hosts not on the list: those
  // CONNECTs stay opaque tunnels.
  bool wantsTunnel(const net::UpstreamTarget& target) override;
  // ClientHello → TLS with a leaf for the SNI (else the CONNECT host), then serveHttp() on the
  // decrypted stream; anything else → false (plain tunnel).
  asio::awaitable<bool> intercept(net::TunnelContext& tunnel) override;

 private:
  Result<std::shared_ptr<ServerTlsContext>> server();

  std::string m_dataDir;
  std::shared_ptr<KeyLog> m_keyLog;
  TlsOptions m_options;
  std::mutex m_mutex;
  std::shared_ptr<ServerTlsContext> m_server;  // set once, then read under m_mutex
};

struct TlsHooks {
  std::shared_ptr<TlsInterceptor> interceptor;  // null when interception is off
  net::UpstreamTlsConnector upstreamTls;
};

// Opens the key log, builds the upstream context and the interceptor. The CA in config.dataDir
// (default: defaultDataDirectory()) is loaded now if it exists, so a broken one fails start-up
// with the file and the cause; a missing one is created on first interception (DESIGN.md: "on
// first use"), so runs that never intercept never write a key.
Result<TlsHooks> makeTlsHooks(const EngineConfig& config);

// The upstream connector over a given context (used by makeTlsHooks; reverse mode may use it for
// https backends).
net::UpstreamTlsConnector makeUpstreamTlsConnector(std::shared_ptr<UpstreamTlsContext> context);

}  // namespace ps::engine::tls
