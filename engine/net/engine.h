#pragma once
// Engine: the facade the app, the UI bridge and the tests use. Every method is thread-safe and
// returns at once (it posts to the engine's threads); none blocks on a peer. Engine::create()
// builds the real implementation; UI tests may implement this interface with a fake.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/config.h"
#include "engine/core/event_hub.h"
#include "engine/core/result.h"
#include "engine/proxy/backend_stats.h"

namespace ps::engine {

struct EngineStats {
  uint64_t connectionsAccepted = 0;
  uint64_t connectionsOpen = 0;
  uint64_t flowsStarted = 0;
  uint64_t flowsFinished = 0;
  uint64_t flowsFailed = 0;
  uint64_t bytesFromClients = 0;
  uint64_t bytesToClients = 0;
};

class Engine {
 public:
  virtual ~Engine() = default;

  // The real engine (Asio io_context thread pool).
  static std::unique_ptr<Engine> create(std::shared_ptr<const EngineConfig> config);

  // Binds the listener and starts the worker threads. Returns the bound address (port 0 in the
  // config picks a free port). Starting a running engine is an error.
  virtual Result<Endpoint> start() = 0;
  // Stops accepting, ends every connection, joins the workers. Idempotent.
  virtual void stop() = 0;
  virtual bool running() const = 0;
  virtual Endpoint listenAddress() const = 0;

  virtual EventHub& events() = 0;
  virtual EngineStats stats() const = 0;

  virtual std::shared_ptr<const EngineConfig> config() const = 0;
  // New connections use the new config; connections in flight keep theirs. A listen address
  // change needs stop() + start().
  virtual void setConfig(std::shared_ptr<const EngineConfig> config) = 0;

  // Reverse mode: live per-backend statistics (requests, active, errors, health, latency
  // p50/p95/p99), every pool in config order; empty in forward mode or before start().
  virtual std::vector<BackendStats> backendStats() const { return {}; }
  // Reverse mode admin (like HAProxy's runtime API): enable, drain (no new requests; sticky sessions
  // finish), disable, set weight (1-1000). Takes effect at once; a health event is published.
  virtual Result<void> adminBackend(const std::string& pool, const std::string& backend, BackendAdminAction action,
                                    unsigned weight = 0) {
    (void)pool, (void)backend, (void)action, (void)weight;
    return Error{"backend admin needs reverse mode"};
  }
};

}  // namespace ps::engine
