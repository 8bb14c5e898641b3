// The one place where the engine's plug-ins are chosen for a config. Reverse mode (a balancer as the
// RequestRouter) and TLS (interceptor, upstream connector) register here.
#include "engine/net/hooks.h"
#include "engine/proxy/forward_proxy.h"
#include "engine/tls/tls_interceptor.h"

namespace ps::engine::net {

Result<EngineHooks> makeEngineHooks(const EngineConfig& config) {
  EngineHooks hooks;
  switch (config.mode) {
    case ProxyMode::Forward:
      hooks.router = std::make_shared<proxy::ForwardRouter>();
      break;
    case ProxyMode::Reverse:
      return Error{"reverse mode: not available yet"};
  }
  // TLS: the https upstream connector for every mode; the CONNECT interceptor in forward mode.
  auto tls = tls::makeTlsHooks(config);
  if (!tls) return tls.error();
  hooks.interceptor = tls->interceptor;
  hooks.upstreamTls = std::move(tls->upstreamTls);
  return hooks;
}

}  // namespace ps::engine::net
