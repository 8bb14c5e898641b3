#pragma once
// --system-proxy for headless runs: the system proxy points at the running engine and is always
// put back (normal exit and SIGINT/SIGTERM by disable(); kill -9 by the watchdog process; power
// loss by recoverStale() at the next start).
#include <memory>
#include <string>
#include <vector>

#include "engine/core/config.h"
#include "engine/core/result.h"
#include "engine/sysproxy/system_proxy_manager.h"

namespace ps::app {

class SystemProxyRun {
 public:
  explicit SystemProxyRun(const std::string& dataDir);
  ~SystemProxyRun();  // restores if still set

  // Restores a journal left by a dead run; returns the sentence to show, "" when nothing was left.
  engine::Result<std::string> recoverStale();
  // Points the system proxy at listen (0.0.0.0/:: become 127.0.0.1 for local clients).
  engine::Result<void> enable(const engine::Endpoint& listen);
  engine::Result<void> disable();
  // "host:port" of the manual proxy that was set before enable(), "" if none.
  std::string priorHttpProxy() const;
  std::vector<std::string> priorBypass() const;  // its ignore list

 private:
  std::unique_ptr<engine::SystemProxyManager> m_manager;
  bool m_enabled = false;
};

// Absolute path of the running executable (/proc/self/exe), for the watchdog command.
std::string selfExecutablePath();

}  // namespace ps::app
