#pragma once
// The journal makes a system-proxy change crash-safe: before anything is written, the exact prior
// state is saved atomically (temp file, fsync, rename) with the owner's pid and boot id. Whoever
// finds a journal whose owner is gone — the watchdog, or the next start — restores from it.
#include <optional>
#include <string>

#include "engine/core/result.h"
#include "engine/sysproxy/system_proxy_backend.h"

namespace ps::engine {

struct ProxyJournal {
  int pid = 0;
  std::string bootId;
  std::string backend;
  std::string proxy;  // what Proxyscope set, "127.0.0.1:8080"
  PriorState prior;

  static std::string currentBootId();  // /proc/sys/kernel/random/boot_id on Linux, else ""
  // True when the process that wrote it cannot be running any more (other boot, or pid gone).
  bool ownerGone() const;

  Result<void> save(const std::string& path) const;
  static Result<std::optional<ProxyJournal>> load(const std::string& path);  // nullopt: no journal
};

}  // namespace ps::engine
