#pragma once
// Chaining to the system proxy that was set before Proxyscope (issue 8): on a corporate network the
// machine's manual proxy is the only way out, so once the system proxy points at Proxyscope,
// Proxyscope itself must send its upstream traffic there. Done through the upstream-proxies policy
// (engine/policy/upstream_proxies.h) with one proxy named kPriorProxyName serving every host except
// the prior ignore list.
#include <memory>
#include <string>
#include <vector>

#include "engine/core/config.h"
#include "engine/core/result.h"

namespace ps::engine {

inline constexpr char kPriorProxyName[] = "prior-system-proxy";

// A copy of config whose upstream-proxies policy sends every request (but `bypass`) through
// hostPort ("proxy.corp:3128"). Refused when the user configured upstream proxies of their own (the
// prior proxy would join their rotation) and when hostPort is Proxyscope's own listener (a loop).
Result<std::shared_ptr<const EngineConfig>> chainPriorProxy(const EngineConfig& config, const std::string& hostPort,
                                                            const std::vector<std::string>& bypass);
// A copy without the chained prior proxy (the same settings when it was not chained).
std::shared_ptr<const EngineConfig> unchainPriorProxy(const EngineConfig& config);
bool priorProxyChained(const EngineConfig& config);

}  // namespace ps::engine
