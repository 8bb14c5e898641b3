#pragma once
// SystemProxyManager: points the system proxy at Proxyscope and always puts it back.
//
// enable(): journal the exact prior state of every backend's keys (atomically, before any write) →
// write Proxyscope's values → start a watchdog process. disable(): restore from the journal, remove
// it. If the app dies (kill -9), the watchdog — a separate process watching the app's pid —
// restores from the journal; if both die (power loss), the next start finds the stale journal and
// restores it (recoverStale()).
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/result.h"
#include "engine/sysproxy/proxy_journal.h"
#include "engine/sysproxy/system_proxy_backend.h"

namespace ps::engine {

class SystemProxyManager {
 public:
  enum class State { NotSet, SetByUs, RestorePending };

  SystemProxyManager(std::string dataDir, std::vector<std::unique_ptr<SystemProxyBackend>> backends);
  ~SystemProxyManager();  // does not restore by itself: the owner calls disable() on every exit path

  // A journal left behind by a process that is gone is restored and removed; returns a sentence for
  // the user when that happened. A journal whose owner still runs is left alone (RestorePending).
  Result<std::optional<std::string>> recoverStale();

  Result<void> enable(const ProxyTarget& target);
  Result<void> disable();
  State state() const;
  std::vector<std::string> backendNames() const;  // the available ones
  // "host:port" of the manual HTTP proxy configured before enable(), if any (for upstream chaining).
  std::string priorHttpProxy() const;
  // Its bypass list (see SystemProxyBackend::priorBypass).
  std::vector<std::string> priorBypass() const;
  std::string journalPath() const { return m_journalPath; }

  // The watchdog command: argv prefix to which "JOURNAL PID" is appended, e.g.
  // {"/usr/bin/proxyscope", "--sysproxy-watchdog"}. Empty: no watchdog.
  void setWatchdogCommand(std::vector<std::string> argvPrefix) { m_watchdog = std::move(argvPrefix); }

  // The watchdog's body: waits until pid is gone (or the journal is removed by a clean disable),
  // then restores from the journal if it is still that pid's. Returns the process exit code.
  static int runWatchdog(const std::string& journalPath, int pid,
                         std::vector<std::unique_ptr<SystemProxyBackend>> backends);

 private:
  static Result<void> restoreFrom(const ProxyJournal& journal, std::vector<std::unique_ptr<SystemProxyBackend>>& backends);

  std::string m_journalPath;
  std::vector<std::unique_ptr<SystemProxyBackend>> m_backends;
  std::vector<std::string> m_watchdog;
  int m_watchdogPid = 0;
  std::optional<ProxyJournal> m_active;
};

}  // namespace ps::engine
