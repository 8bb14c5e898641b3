#include "engine/sysproxy/system_proxy_manager.h"

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "engine/sysproxy/process.h"

namespace ps::engine {

namespace {
// Journal keys are "backend/key" so one journal holds every backend's prior state.
PriorState prefixed(const std::string& backend, const PriorState& state) {
  PriorState out;
  for (const auto& [k, v] : state) out[backend + "/" + k] = v;
  return out;
}
PriorState unprefixed(const std::string& backend, const PriorState& state) {
  PriorState out;
  std::string prefix = backend + "/";
  for (const auto& [k, v] : state) {
    if (k.compare(0, prefix.size(), prefix) == 0) out[k.substr(prefix.size())] = v;
  }
  return out;
}
}  // namespace

std::vector<std::unique_ptr<SystemProxyBackend>> platformProxyBackends() {
  std::vector<std::unique_ptr<SystemProxyBackend>> out;
  if (auto kde = makeKdeProxyBackend(); kde && kde->available()) out.push_back(std::move(kde));
  if (auto gnome = makeGnomeProxyBackend(); gnome && gnome->available()) out.push_back(std::move(gnome));
  if (auto macos = makeMacosProxyBackend(); macos && macos->available()) out.push_back(std::move(macos));
  if (auto windows = makeWindowsProxyBackend(); windows && windows->available()) out.push_back(std::move(windows));
  return out;
}

SystemProxyManager::SystemProxyManager(std::string dataDir, std::vector<std::unique_ptr<SystemProxyBackend>> backends)
    : m_journalPath(dataDir + "/system-proxy.journal"), m_backends(std::move(backends)) {}

SystemProxyManager::~SystemProxyManager() {
  if (m_watchdogPid > 0) waitpid(m_watchdogPid, nullptr, WNOHANG);
}

std::vector<std::string> SystemProxyManager::backendNames() const {
  std::vector<std::string> out;
  for (const auto& b : m_backends) out.push_back(b->name());
  return out;
}

Result<void> SystemProxyManager::restoreFrom(const ProxyJournal& journal,
                                             std::vector<std::unique_ptr<SystemProxyBackend>>& backends) {
  std::string failures;
  for (auto& b : backends) {
    PriorState mine = unprefixed(b->name(), journal.prior);
    if (mine.empty()) continue;
    if (auto r = b->restore(mine); !r.ok()) failures += r.error().message + "; ";
  }
  if (!failures.empty()) return Error{failures};
  return {};
}

Result<std::optional<std::string>> SystemProxyManager::recoverStale() {
  auto loaded = ProxyJournal::load(m_journalPath);
  if (!loaded.ok()) return loaded.error();
  if (!loaded->has_value()) return std::optional<std::string>{};
  const ProxyJournal& journal = **loaded;
  if (!journal.ownerGone()) return std::optional<std::string>{};  // its owner (or its watchdog) handles it
  if (auto r = restoreFrom(journal, m_backends); !r.ok()) {
    return Error{"the system proxy left set by an earlier run (pid " + std::to_string(journal.pid) +
                 ") could not be restored: " + r.error().message};
  }
  std::remove(m_journalPath.c_str());
  return std::optional<std::string>{"Restored the system proxy settings that an earlier Proxyscope run (pid " +
                                    std::to_string(journal.pid) + ") had left pointing at " + journal.proxy + "."};
}

Result<void> SystemProxyManager::enable(const ProxyTarget& target) {
  if (m_active) return Error{"the system proxy is already set by this Proxyscope"};
  if (m_backends.empty()) {
    return Error{"no system proxy backend is available here (GNOME GSettings or KDE kwriteconfig); "
                 "use the shell exports or launch an app pre-configured instead"};
  }
  if (auto stale = recoverStale(); !stale.ok()) return stale.error();
  if (state() == State::RestorePending) {
    return Error{"another running Proxyscope has set the system proxy (" + m_journalPath + ")"};
  }
  ProxyJournal journal;
  journal.pid = static_cast<int>(getpid());
  journal.bootId = ProxyJournal::currentBootId();
  journal.proxy = target.host + ":" + std::to_string(target.port);
  for (const auto& b : m_backends) {
    auto prior = b->capture();
    if (!prior.ok()) return Error{b->name() + ": " + prior.error().message};
    auto p = prefixed(b->name(), *prior);
    journal.prior.insert(p.begin(), p.end());
    journal.backend += (journal.backend.empty() ? "" : ",") + b->name();
  }
  // Nothing is written to the system before the journal is safely on disk.
  if (auto r = journal.save(m_journalPath); !r.ok()) return r;
  m_active = journal;
  for (auto& b : m_backends) {
    if (auto r = b->apply(target); !r.ok()) {
      (void)disable();
      return Error{b->name() + ": " + r.error().message};
    }
  }
  if (!m_watchdog.empty()) {
    auto argv = m_watchdog;
    argv.push_back(m_journalPath);
    argv.push_back(std::to_string(journal.pid));
    if (auto pid = spawnDetached(argv); pid.ok()) m_watchdogPid = *pid;
  }
  return {};
}

Result<void> SystemProxyManager::disable() {
  if (!m_active) return {};
  auto r = restoreFrom(*m_active, m_backends);
  // The journal goes only once the restore succeeded: a failed restore is retried by the next start.
  if (r.ok()) {
    std::remove(m_journalPath.c_str());
    m_active.reset();
  }
  if (m_watchdogPid > 0) {
    // The watchdog sees the journal gone and exits by itself; reap it if it already has.
    waitpid(m_watchdogPid, nullptr, WNOHANG);
  }
  return r;
}

SystemProxyManager::State SystemProxyManager::state() const {
  if (m_active) return State::SetByUs;
  return access(m_journalPath.c_str(), F_OK) == 0 ? State::RestorePending : State::NotSet;
}

std::string SystemProxyManager::priorHttpProxy() const {
  if (!m_active) return {};
  for (const auto& b : m_backends) {
    auto proxy = b->priorHttpProxy(unprefixed(b->name(), m_active->prior));
    if (!proxy.empty()) return proxy;
  }
  return {};
}

std::vector<std::string> SystemProxyManager::priorBypass() const {
  if (!m_active) return {};
  for (const auto& b : m_backends) {
    auto prior = unprefixed(b->name(), m_active->prior);
    if (!b->priorHttpProxy(prior).empty()) return b->priorBypass(prior);
  }
  return {};
}

int SystemProxyManager::runWatchdog(const std::string& journalPath, int pid,
                                    std::vector<std::unique_ptr<SystemProxyBackend>> backends) {
  using namespace std::chrono_literals;
  for (;;) {
    if (access(journalPath.c_str(), F_OK) != 0) return 0;  // cleanly disabled
    if (!processAlive(pid)) break;
    std::this_thread::sleep_for(200ms);
  }
  auto loaded = ProxyJournal::load(journalPath);
  if (!loaded.ok() || !loaded->has_value()) return loaded.ok() ? 0 : 1;
  const ProxyJournal& journal = **loaded;
  if (journal.pid != pid) return 0;  // a newer run owns it now
  if (auto r = restoreFrom(journal, backends); !r.ok()) {
    std::fprintf(stderr, "proxyscope watchdog: restore failed: %s\n", r.error().message.c_str());
    return 1;
  }
  std::remove(journalPath.c_str());
  return 0;
}

}  // namespace ps::engine
