// The one place where the engine's plug-ins are chosen for a config. Reverse mode (a balancer as the
// RequestRouter) and TLS (interceptor, upstream connector) register here.
#include "engine/net/hooks.h"
#include "engine/proxy/forward_proxy.h"

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
  return hooks;
}

}  // namespace ps::engine::net
