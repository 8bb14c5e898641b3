#include "engine/sysproxy/prior_proxy_chain.h"

#include <algorithm>

#include "engine/policy/policy_config.h"
#include "engine/policy/upstream_proxies.h"

namespace ps::engine {

namespace {
bool isLoopbackOrAny(const std::string& host) {
  return host == "localhost" || host.starts_with("127.") || host == "::1" || host == "0.0.0.0" || host == "::";
}
}  // namespace

bool priorProxyChained(const EngineConfig& config) {
  if (!config.policies) return false;
  const auto& proxies = config.policies->upstreamProxies.proxies;
  return std::any_of(proxies.begin(), proxies.end(), [](const UpstreamProxyConfig& p) { return p.name == kPriorProxyName; });
}

Result<std::shared_ptr<const EngineConfig>> chainPriorProxy(const EngineConfig& config, const std::string& hostPort,
                                                            const std::vector<std::string>& bypass) {
  auto parsed = parseUpstreamProxyUrl("http://" + hostPort);
  if (!parsed) return Error{"the previous system proxy '" + hostPort + "': " + parsed.error().message};
  if (parsed->port == config.listen.port &&
      (parsed->host == config.listen.host || (isLoopbackOrAny(parsed->host) && isLoopbackOrAny(config.listen.host)))) {
    return Error{"the previous system proxy " + hostPort + " is Proxyscope itself"};
  }
  auto policies = config.policies ? std::make_shared<PolicyConfig>(*config.policies) : std::make_shared<PolicyConfig>();
  auto& upstream = policies->upstreamProxies;
  std::erase_if(upstream.proxies, [](const UpstreamProxyConfig& p) { return p.name == kPriorProxyName; });
  if (upstream.enabled && !upstream.proxies.empty()) {
    return Error{"upstream proxies are configured already; the previous system proxy " + hostPort + " is not added to them"};
  }
  UpstreamProxyConfig prior = *parsed;
  prior.name = kPriorProxyName;
  prior.bypass = bypass;
  upstream.enabled = true;
  upstream.proxies = {prior};
  auto out = std::make_shared<EngineConfig>(config);
  out->policies = std::move(policies);
  return std::shared_ptr<const EngineConfig>(std::move(out));
}

std::shared_ptr<const EngineConfig> unchainPriorProxy(const EngineConfig& config) {
  auto out = std::make_shared<EngineConfig>(config);
  if (!priorProxyChained(config)) return out;
  auto policies = std::make_shared<PolicyConfig>(*config.policies);
  std::erase_if(policies->upstreamProxies.proxies, [](const UpstreamProxyConfig& p) { return p.name == kPriorProxyName; });
  // chainPriorProxy only chains when no other upstream proxy was configured: switch it back off.
  if (policies->upstreamProxies.proxies.empty()) policies->upstreamProxies.enabled = false;
  out->policies = std::move(policies);
  return out;
}

}  // namespace ps::engine
