#pragma once
// Plain values describing the runtime state of reverse-proxy backends: what Engine::backendStats()
// returns and what health-change events carry. No behaviour here.
#include <cstdint>
#include <string>

namespace ps::engine {

// Derived from admin state and health, most significant first: disabled, draining, down (active
// checks failing), ejected (passive, until a time), healthy.
enum class BackendStatus { Healthy, Ejected, Down, Draining, Disabled };
const char* toString(BackendStatus status);

enum class BackendAdminAction { Enable, Drain, Disable, SetWeight };

struct BackendStats {
  std::string pool;
  std::string name;
  std::string url;
  BackendStatus status = BackendStatus::Healthy;
  unsigned weight = 1;
  uint64_t requests = 0;       // attempts sent to it
  uint64_t active = 0;         // attempts in progress
  uint64_t errors = 0;         // connect errors, timeouts, bad responses, 5xx
  uint64_t consecutiveFailures = 0;
  int64_t ejectedUntil = 0;    // wall-clock µs since the epoch, 0 when not ejected
  int64_t p50Micros = 0;       // time to the response head, over the backend's life
  int64_t p95Micros = 0;
  int64_t p99Micros = 0;
  std::string lastError;
};

// A health or admin state change, for the UI's event list and the log.
struct BackendHealthChange {
  std::string pool;
  std::string backend;
  BackendStatus from = BackendStatus::Healthy;
  BackendStatus to = BackendStatus::Healthy;
  std::string reason;  // "3 consecutive failures: connection refused", "health check passed", ...
  int64_t at = 0;      // wall-clock µs
  std::string describe() const;  // "pool/backend: healthy → ejected (reason)"
};

}  // namespace ps::engine
