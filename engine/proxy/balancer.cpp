#include "engine/proxy/balancer.h"

#include <cmath>
#include <limits>

#include "engine/core/flow.h"

namespace ps::engine {

namespace {

uint64_t fnv1a(std::string_view a, std::string_view b) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](std::string_view s) {
    for (char c : s) {
      h ^= static_cast<unsigned char>(c);
      h *= 1099511628211ull;
    }
  };
  mix(a);
  h ^= 0xff;  // separator, so ("ab","c") and ("a","bc") differ
  h *= 1099511628211ull;
  mix(b);
  // splitmix64 finaliser: FNV alone leaves the high bits poorly mixed for short keys.
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return h;
}

// Load per unit of weight, compared without division: a/wa < b/wb ⇔ a·wb < b·wa.
bool lessLoaded(const Backend& a, const Backend& b) {
  return a.active() * b.weight() < b.active() * a.weight();
}

std::vector<Backend*>& candidateBuffer() {
  thread_local std::vector<Backend*> buffer;
  buffer.clear();
  return buffer;
}

}  // namespace

Balancer::Balancer(PoolConfig config, HealthObserver observer, const Balancer* previous, uint64_t seed)
    : m_config(std::move(config)), m_observer(std::move(observer)), m_random(seed) {
  for (const BackendConfig& bc : m_config.backends) {
    std::shared_ptr<Backend> kept;
    if (previous != nullptr) {
      kept = previous->find(bc.name);
      if (kept && kept->config().url != bc.url) kept.reset();
    }
    if (kept) {
      if (kept->config().weight != bc.weight) kept->setWeight(bc.weight);
      if (kept->config().enabled != bc.enabled) kept->setAdmin(bc.enabled ? Backend::Admin::Active : Backend::Admin::Disabled);
      m_backends.push_back(std::move(kept));
    } else {
      m_backends.push_back(std::make_shared<Backend>(bc));
    }
  }
}

std::shared_ptr<Backend> Balancer::find(std::string_view name) const {
  for (const auto& b : m_backends) {
    if (b->name() == name) return b;
  }
  return nullptr;
}

std::shared_ptr<Backend> Balancer::share(const Backend* b) const {
  for (const auto& p : m_backends) {
    if (p.get() == b) return p;
  }
  return nullptr;
}

bool Balancer::eligible(const Backend& b, int64_t now, std::span<const Backend* const> exclude) const {
  for (const Backend* e : exclude) {
    if (e == &b) return false;
  }
  return b.status(now) == BackendStatus::Healthy && b.weight() > 0;
}

std::optional<Pick> Balancer::pick(const PickRequest& request) {
  int64_t now = steadyMicros();
  for (const auto& b : m_backends) {
    BackendStatus before = b->status(now);
    if (b->endEjectionIfDue(now)) publish(*b, before, b->status(now), "cool-down over");
  }
  Pick result;
  if (m_config.strategy == BalanceStrategy::Cookie) {
    if (auto named = findCookie(request.cookieHeader, m_config.cookieName)) {
      if (auto b = find(*named)) {
        BackendStatus s = b->status(now);
        bool excluded = false;
        for (const Backend* e : request.exclude) excluded = excluded || e == b.get();
        // Draining keeps its sticky sessions (that is what draining is for).
        if (!excluded && (s == BackendStatus::Healthy || s == BackendStatus::Draining)) {
          b->attemptStarted();
          result.backend = std::move(b);
          return result;
        }
      }
    }
    result.setCookie = true;
  }
  std::vector<Backend*>& candidates = candidateBuffer();
  for (const auto& b : m_backends) {
    if (eligible(*b, now, request.exclude)) candidates.push_back(b.get());
  }
  if (candidates.empty()) return std::nullopt;
  Backend* chosen = nullptr;
  switch (m_config.strategy) {
    case BalanceStrategy::RoundRobin: chosen = pickRoundRobin(candidates); break;
    case BalanceStrategy::WeightedRoundRobin:
    case BalanceStrategy::Cookie: chosen = pickWeighted(candidates); break;
    case BalanceStrategy::LeastConnections: chosen = pickLeastConnections(candidates); break;
    case BalanceStrategy::PowerOfTwo: chosen = pickPowerOfTwo(candidates); break;
    case BalanceStrategy::IpHash: chosen = pickIpHash(candidates, request.clientAddress); break;
  }
  chosen->attemptStarted();
  result.backend = share(chosen);
  return result;
}

Backend* Balancer::pickRoundRobin(std::span<Backend* const> candidates) {
  return candidates[m_counter.fetch_add(1, std::memory_order_relaxed) % candidates.size()];
}

Backend* Balancer::pickWeighted(std::span<Backend* const> candidates) {
  std::lock_guard lock(m_mutex);
  int64_t total = 0;
  Backend* best = nullptr;
  for (Backend* b : candidates) {
    auto w = static_cast<int64_t>(b->weight());
    b->currentWeight += w;
    total += w;
    if (best == nullptr || b->currentWeight > best->currentWeight) best = b;
  }
  best->currentWeight -= total;
  return best;
}

Backend* Balancer::pickLeastConnections(std::span<Backend* const> candidates) {
  // Start the scan at a rotating offset so that equally loaded backends share the ties.
  size_t start = m_counter.fetch_add(1, std::memory_order_relaxed) % candidates.size();
  Backend* best = candidates[start];
  for (size_t i = 1; i < candidates.size(); ++i) {
    Backend* b = candidates[(start + i) % candidates.size()];
    if (lessLoaded(*b, *best)) best = b;
  }
  return best;
}

Backend* Balancer::pickPowerOfTwo(std::span<Backend* const> candidates) {
  if (candidates.size() == 1) return candidates[0];
  size_t i = 0;
  size_t j = 0;
  bool coin = false;
  {
    std::lock_guard lock(m_mutex);
    i = m_random() % candidates.size();
    j = m_random() % (candidates.size() - 1);
    coin = (m_random() & 1) != 0;
  }
  if (j >= i) ++j;  // distinct from i
  Backend* a = candidates[i];
  Backend* b = candidates[j];
  if (lessLoaded(*a, *b)) return a;
  if (lessLoaded(*b, *a)) return b;
  return coin ? a : b;
}

Backend* Balancer::pickIpHash(std::span<Backend* const> candidates, std::string_view clientAddress) {
  // Weighted rendezvous (highest random weight) hashing: score = -w / ln(u), u uniform in (0,1)
  // from hash(ip, backend). Each backend's score is independent of the others, so removing one only
  // moves the clients that scored it highest.
  std::string_view ip = clientIp(clientAddress);
  Backend* best = nullptr;
  double bestScore = -1;
  for (Backend* b : candidates) {
    uint64_t h = fnv1a(ip, b->name());
    double u = (static_cast<double>(h >> 11) + 0.5) * (1.0 / 9007199254740992.0);  // (0,1)
    double score = -static_cast<double>(b->weight()) / std::log(u);
    if (score > bestScore) {
      bestScore = score;
      best = b;
    }
  }
  return best;
}

void Balancer::finish(Backend& backend, AttemptOutcome outcome, int64_t latencyMicros, const std::string& error) {
  int64_t now = steadyMicros();
  BackendStatus before = backend.status(now);
  if (!backend.attemptFinished(outcome, latencyMicros, m_config.ejection, error)) return;
  int64_t until = now + std::chrono::duration_cast<std::chrono::microseconds>(m_config.ejection.cooldown).count();
  if (backend.eject(until)) {
    std::string reason = std::to_string(m_config.ejection.consecutiveFailures) + " consecutive failures, last: " +
                         (error.empty() ? std::string(toString(outcome)) : error) + "; out for " +
                         std::to_string(m_config.ejection.cooldown.count()) + " ms";
    publish(backend, before, backend.status(now), std::move(reason));
  }
}

void Balancer::checkPassed(Backend& backend) {
  int64_t now = steadyMicros();
  BackendStatus before = backend.status(now);
  bool changed = backend.checkPassed(m_config.health.healthyAfter);
  // A passing active check also ends a passive ejection early: the backend answers again.
  if (backend.down()) return;
  changed = backend.clearEjection() || changed;
  if (changed) publish(backend, before, backend.status(now), "health check passed");
}

void Balancer::checkFailed(Backend& backend, const std::string& error) {
  int64_t now = steadyMicros();
  BackendStatus before = backend.status(now);
  if (backend.checkFailed(m_config.health.unhealthyAfter, error)) {
    publish(backend, before, backend.status(now), "health check failed: " + error);
  }
}

Result<void> Balancer::admin(std::string_view name, BackendAdminAction action, unsigned weight) {
  auto b = find(name);
  if (!b) return Error{"no backend named '" + std::string(name) + "' in pool '" + m_config.name + "'"};
  int64_t now = steadyMicros();
  BackendStatus before = b->status(now);
  switch (action) {
    case BackendAdminAction::Enable: b->setAdmin(Backend::Admin::Active); break;
    case BackendAdminAction::Drain: b->setAdmin(Backend::Admin::Draining); break;
    case BackendAdminAction::Disable: b->setAdmin(Backend::Admin::Disabled); break;
    case BackendAdminAction::SetWeight:
      if (weight < 1 || weight > 1000) return Error{"weight must be 1-1000, got " + std::to_string(weight)};
      b->setWeight(weight);
      return {};
  }
  BackendStatus after = b->status(now);
  if (after != before) publish(*b, before, after, "admin");
  return {};
}

std::vector<BackendStats> Balancer::stats() const {
  int64_t now = steadyMicros();
  int64_t wall = nowMicros();
  std::vector<BackendStats> out;
  out.reserve(m_backends.size());
  for (const auto& b : m_backends) out.push_back(b->stats(m_config.name, now, wall));
  return out;
}

std::string Balancer::setCookieValue(const Backend& backend) const {
  return m_config.cookieName + "=" + backend.name() + "; Path=/; HttpOnly";
}

std::optional<std::string_view> Balancer::findCookie(std::string_view header, std::string_view name) {
  // cookie-string = cookie-pair *( ";" SP cookie-pair ) (RFC 6265 4.2.1); be lenient about spaces.
  while (!header.empty()) {
    size_t semi = header.find(';');
    std::string_view pair = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
    while (!pair.empty() && (pair.front() == ' ' || pair.front() == '\t')) pair.remove_prefix(1);
    while (!pair.empty() && (pair.back() == ' ' || pair.back() == '\t')) pair.remove_suffix(1);
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos || pair.substr(0, eq) != name) continue;
    std::string_view value = pair.substr(eq + 1);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    return value;
  }
  return std::nullopt;
}

std::string_view Balancer::clientIp(std::string_view address) {
  if (address.starts_with('[')) {
    size_t close = address.find(']');
    return close == std::string_view::npos ? address.substr(1) : address.substr(1, close - 1);
  }
  size_t colon = address.find(':');
  if (colon != std::string_view::npos && address.find(':', colon + 1) == std::string_view::npos) {
    return address.substr(0, colon);  // IPv4:port
  }
  return address;  // bare IPv4 or bare IPv6
}

void Balancer::publish(const Backend& b, BackendStatus from, BackendStatus to, std::string reason) {
  if (!m_observer) return;
  BackendHealthChange change;
  change.pool = m_config.name;
  change.backend = b.name();
  change.from = from;
  change.to = to;
  change.reason = std::move(reason);
  change.at = nowMicros();
  m_observer(change);
}

}  // namespace ps::engine
