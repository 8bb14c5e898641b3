#pragma once
// TLS interception for the forward proxy's CONNECT path (the net::TunnelInterceptor hook) and
// the https upstream connector (the net::UpstreamTlsConnector hook). makeTlsHooks() builds both
// from EngineConfig::tls: the CA in the data directory, the leaf cache, the upstream trust store,
// the key log.
#include <memory>
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
  TlsInterceptor(std::shared_ptr<ServerTlsContext> server, TlsOptions options);

  // False for pass-through hosts and, in allow-list mode, for hosts not on the list: those
  // CONNECTs stay opaque tunnels.
  bool wantsTunnel(const net::UpstreamTarget& target) override;
  // ClientHello → TLS with a leaf for the SNI (else the CONNECT host), then serveHttp() on the
  // decrypted stream; anything else → false (plain tunnel).
  asio::awaitable<bool> intercept(net::TunnelContext& tunnel) override;

 private:
  std::shared_ptr<ServerTlsContext> m_server;
  TlsOptions m_options;
};

struct TlsHooks {
  std::shared_ptr<TlsInterceptor> interceptor;  // null when interception is off
  net::UpstreamTlsConnector upstreamTls;
  std::shared_ptr<const CertificateAuthority> ca;
};

// Loads (or creates) the CA in config.dataDir (default: defaultDataDirectory()), opens the key log,
// builds the contexts. Errors name the file and the cause.
Result<TlsHooks> makeTlsHooks(const EngineConfig& config);

// The upstream connector over a given context (used by makeTlsHooks; reverse mode may use it for
// https backends).
net::UpstreamTlsConnector makeUpstreamTlsConnector(std::shared_ptr<UpstreamTlsContext> context);

}  // namespace ps::engine::tls
