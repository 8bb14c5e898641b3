// The one place where the engine's plug-ins are chosen for a config. Reverse mode (a balancer as the
// RequestRouter) and TLS (interceptor, upstream connector) register here.
#include "engine/net/hooks.h"
#include "engine/policy/policy_config.h"
#include "engine/proxy/forward_proxy.h"
#include "engine/proxy/reverse_proxy.h"
#include "engine/proxy/reverse_tls.h"
#include "engine/tls/tls_interceptor.h"

namespace ps::engine::net {

Result<EngineHooks> makeEngineHooks(const EngineConfig& config) { return makeEngineHooks(config, nullptr, nullptr); }

Result<EngineHooks> makeEngineHooks(const EngineConfig& config, EventHub* hub, const EngineHooks* previous) {
  EngineHooks hooks;
  switch (config.mode) {
    case ProxyMode::Forward:
      // The upstream-proxies policy is applied where requests are routed.
      if (config.policies && config.policies->upstreamProxies.enabled) {
        hooks.router = std::make_shared<proxy::ForwardRouter>(
            std::make_shared<UpstreamProxySelector>(config.policies->upstreamProxies));
      } else {
        hooks.router = std::make_shared<proxy::ForwardRouter>();
      }
      break;
    case ProxyMode::Reverse: {
      if (!config.reverse || config.reverse->pools.empty()) {
        return Error{"reverse mode needs backends: --backend URL, --config FILE or --demo-backends N"};
      }
      // Backends keep their health and counters across a config swap.
      const auto* old = previous != nullptr ? dynamic_cast<const proxy::ReverseRouter*>(previous->router.get()) : nullptr;
      hooks.router = std::make_shared<proxy::ReverseRouter>(config.reverse, hub, old);
      auto listenerTls = proxy::makeReverseListenerTls(config);
      if (!listenerTls) return listenerTls.error();
      hooks.listenerTls = std::move(listenerTls.value());
      break;
    }
  }
  // TLS: the https upstream connector for every mode; the CONNECT interceptor in forward mode.
  auto tls = tls::makeTlsHooks(config);
  if (!tls) return tls.error();
  hooks.interceptor = tls->interceptor;
  hooks.upstreamTls = std::move(tls->upstreamTls);
  return hooks;
}

}  // namespace ps::engine::net
