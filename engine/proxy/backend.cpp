#include "engine/proxy/backend.h"

#include <chrono>

#include "engine/core/flow.h"

namespace ps::engine {

const char* toString(BackendStatus status) {
  switch (status) {
    case BackendStatus::Healthy: return "healthy";
    case BackendStatus::Ejected: return "ejected";
    case BackendStatus::Down: return "down";
    case BackendStatus::Draining: return "draining";
    case BackendStatus::Disabled: return "disabled";
  }
  return "healthy";
}

std::string BackendHealthChange::describe() const {
  std::string out = pool + "/" + backend + ": " + toString(from) + " \xE2\x86\x92 " + toString(to);
  if (!reason.empty()) out += " (" + reason + ")";
  return out;
}

const char* toString(AttemptOutcome outcome) {
  switch (outcome) {
    case AttemptOutcome::Success: return "ok";
    case AttemptOutcome::ServerError: return "5xx";
    case AttemptOutcome::ConnectFailed: return "connect-failed";
    case AttemptOutcome::Timeout: return "timeout";
    case AttemptOutcome::BadResponse: return "bad-response";
    case AttemptOutcome::Aborted: return "aborted";
  }
  return "ok";
}

int64_t steadyMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Backend::Backend(BackendConfig config)
    : m_config(std::move(config)),
      m_weight(m_config.weight),
      m_admin(m_config.enabled ? Admin::Active : Admin::Disabled) {}

BackendStatus Backend::status(int64_t steadyNow) const {
  switch (admin()) {
    case Admin::Disabled: return BackendStatus::Disabled;
    case Admin::Draining: return BackendStatus::Draining;
    case Admin::Active: break;
  }
  if (down()) return BackendStatus::Down;
  int64_t until = ejectedUntil();
  if (until != 0 && steadyNow < until) return BackendStatus::Ejected;
  return BackendStatus::Healthy;
}

void Backend::attemptStarted() {
  m_requests.fetch_add(1, std::memory_order_relaxed);
  m_active.fetch_add(1, std::memory_order_relaxed);
}

bool Backend::attemptFinished(AttemptOutcome outcome, int64_t latencyMicros, const EjectionConfig& ejection,
                              const std::string& error) {
  m_active.fetch_sub(1, std::memory_order_relaxed);
  if (outcome == AttemptOutcome::Aborted) return false;
  if (outcome == AttemptOutcome::Success || outcome == AttemptOutcome::ServerError) m_latency.record(latencyMicros);
  bool failure = outcome != AttemptOutcome::Success && (outcome != AttemptOutcome::ServerError || ejection.on5xx);
  if (outcome != AttemptOutcome::Success) {
    m_errors.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard lock(m_errorMutex);
    m_lastError = error.empty() ? toString(outcome) : error;
  }
  if (!failure) {
    m_consecutiveFailures.store(0, std::memory_order_relaxed);
    return false;
  }
  uint64_t n = m_consecutiveFailures.fetch_add(1, std::memory_order_relaxed) + 1;
  return ejection.enabled && n >= ejection.consecutiveFailures;
}

bool Backend::eject(int64_t untilSteady) {
  int64_t expected = m_ejectedUntil.load();
  for (;;) {
    if (expected != 0 && expected > steadyMicros()) return false;  // already ejected
    if (m_ejectedUntil.compare_exchange_weak(expected, untilSteady)) return true;
  }
}

bool Backend::endEjectionIfDue(int64_t steadyNow) {
  int64_t until = m_ejectedUntil.load(std::memory_order_relaxed);
  if (until == 0 || steadyNow < until) return false;
  if (!m_ejectedUntil.compare_exchange_strong(until, 0)) return false;
  // Half-open: one more failure ejects it again at once.
  uint64_t n = m_consecutiveFailures.load(std::memory_order_relaxed);
  if (n > 1) m_consecutiveFailures.store(n - 1, std::memory_order_relaxed);
  return true;
}

bool Backend::clearEjection() {
  m_consecutiveFailures.store(0, std::memory_order_relaxed);
  return m_ejectedUntil.exchange(0) != 0;
}

bool Backend::checkPassed(unsigned healthyAfter) {
  m_checkFailStreak.store(0, std::memory_order_relaxed);
  unsigned streak = m_checkPassStreak.fetch_add(1, std::memory_order_relaxed) + 1;
  if (streak < healthyAfter) return false;
  bool wasDown = true;
  return m_down.compare_exchange_strong(wasDown, false);
}

bool Backend::checkFailed(unsigned unhealthyAfter, const std::string& error) {
  m_checkPassStreak.store(0, std::memory_order_relaxed);
  {
    std::lock_guard lock(m_errorMutex);
    m_lastError = error;
  }
  unsigned streak = m_checkFailStreak.fetch_add(1, std::memory_order_relaxed) + 1;
  if (streak < unhealthyAfter) return false;
  bool wasDown = false;
  return m_down.compare_exchange_strong(wasDown, true);
}

std::string Backend::lastError() const {
  std::lock_guard lock(m_errorMutex);
  return m_lastError;
}

BackendStats Backend::stats(const std::string& pool, int64_t steadyNow, int64_t wallNow) const {
  BackendStats s;
  s.pool = pool;
  s.name = m_config.name;
  s.url = m_config.url;
  s.status = status(steadyNow);
  s.weight = weight();
  s.requests = m_requests.load(std::memory_order_relaxed);
  s.active = m_active.load(std::memory_order_relaxed);
  s.errors = m_errors.load(std::memory_order_relaxed);
  s.consecutiveFailures = m_consecutiveFailures.load(std::memory_order_relaxed);
  int64_t until = ejectedUntil();
  if (until != 0 && until > steadyNow) s.ejectedUntil = wallNow + (until - steadyNow);
  s.p50Micros = m_latency.quantile(0.50);
  s.p95Micros = m_latency.quantile(0.95);
  s.p99Micros = m_latency.quantile(0.99);
  s.lastError = lastError();
  return s;
}

}  // namespace ps::engine
