#pragma once
// Backend: the runtime side of one configured backend — admin state, health, load and latency.
// Shared by every engine thread: all state is atomic, and a state change is claimed with a
// compare-exchange so that exactly one thread reports it (Balancer publishes the event).
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

#include "engine/proxy/backend_stats.h"
#include "engine/proxy/latency_histogram.h"
#include "engine/proxy/reverse_config.h"

namespace ps::engine {

// How one attempt on a backend ended (passive health input).
enum class AttemptOutcome {
  Success,        // a response came (any status below 500, or 5xx when 5xx do not count)
  ServerError,    // a 5xx answer
  ConnectFailed,  // refused, unreachable, connect timeout
  Timeout,        // no response head within the response timeout
  BadResponse,    // malformed or cut-off response
  Aborted,        // the client went away: says nothing about the backend
};
const char* toString(AttemptOutcome outcome);

class Backend {
 public:
  enum class Admin { Active, Draining, Disabled };

  explicit Backend(BackendConfig config);

  const BackendConfig& config() const { return m_config; }
  const std::string& name() const { return m_config.name; }

  unsigned weight() const { return m_weight.load(std::memory_order_relaxed); }
  void setWeight(unsigned w) { m_weight.store(w, std::memory_order_relaxed); }
  Admin admin() const { return m_admin.load(std::memory_order_relaxed); }
  // Returns the previous value.
  Admin setAdmin(Admin a) { return m_admin.exchange(a); }

  bool down() const { return m_down.load(std::memory_order_relaxed); }
  // Steady-clock µs; 0 when not ejected.
  int64_t ejectedUntil() const { return m_ejectedUntil.load(std::memory_order_relaxed); }
  BackendStatus status(int64_t steadyNow) const;

  // Picks and attempts.
  uint64_t active() const { return m_active.load(std::memory_order_relaxed); }
  void attemptStarted();
  // Returns true when this outcome crossed the ejection threshold (the caller ejects).
  bool attemptFinished(AttemptOutcome outcome, int64_t latencyMicros, const EjectionConfig& ejection,
                       const std::string& error);

  // Passive ejection: true when this call ejected it (it was not ejected before).
  bool eject(int64_t untilSteady);
  // True when this call ended an ejection whose time has passed.
  bool endEjectionIfDue(int64_t steadyNow);
  bool clearEjection();

  // Active checks: return true when the call changed `down`.
  bool checkPassed(unsigned healthyAfter);
  bool checkFailed(unsigned unhealthyAfter, const std::string& error);

  BackendStats stats(const std::string& pool, int64_t steadyNow, int64_t wallNow) const;
  std::string lastError() const;

  // Smooth weighted round-robin state; guarded by the owning Balancer's mutex.
  int64_t currentWeight = 0;

 private:
  const BackendConfig m_config;
  std::atomic<unsigned> m_weight;
  std::atomic<Admin> m_admin;
  std::atomic<bool> m_down{false};
  std::atomic<int64_t> m_ejectedUntil{0};
  std::atomic<uint64_t> m_requests{0};
  std::atomic<uint64_t> m_active{0};
  std::atomic<uint64_t> m_errors{0};
  std::atomic<uint64_t> m_consecutiveFailures{0};
  std::atomic<unsigned> m_checkPassStreak{0};
  std::atomic<unsigned> m_checkFailStreak{0};
  LatencyHistogram m_latency;
  mutable std::mutex m_errorMutex;
  std::string m_lastError;
};

// Steady-clock µs (for deadlines that must not jump with the wall clock).
int64_t steadyMicros();

}  // namespace ps::engine
