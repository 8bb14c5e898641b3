#pragma once
// Engine: the facade the app, the UI bridge and the tests use. Every method is thread-safe and
// returns at once (it posts to the engine's threads); none blocks on a peer. Engine::create()
// builds the real implementation; UI tests may implement this interface with a fake.
#include <chrono>
#include <cstdint>
#include <vector>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/breakpoint.h"
#include "engine/core/config.h"
#include "engine/core/event_hub.h"
#include "engine/core/result.h"
#include "engine/proxy/backend_stats.h"
#include "engine/policy/policy_config.h"

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

// Flow ids are process-wide and increasing. An app appending to an existing session starts the
// counter past the session's highest id (FlowStore::nextFlowId()) so new flows never reuse one.
// Never moves the counter backwards.
void reserveFlowIdsBelow(uint64_t next);

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

  // Breakpoints (DESIGN.md, "A breakpoint is a suspended coroutine"). Rules use the filter language;
  // an invalid expression is refused with its position. Paused flows are announced as Paused events
  // and listed by pausedFlows(); resolve() posts a decision to the flow's thread and returns false
  // when that flow is not paused (any more).
  virtual Result<void> setBreakpoints(std::vector<BreakpointRule> rules) {
    (void)rules;
    return Error{"breakpoints are not supported by this engine"};
  }
  virtual std::vector<BreakpointRule> breakpoints() const { return {}; }
  virtual void setBreakpointsEnabled(bool enabled) { (void)enabled; }
  virtual void breakOnNextRequest() {}
  virtual void setPauseTimeout(std::chrono::milliseconds timeout) { (void)timeout; }
  virtual bool resolve(uint64_t flowId, Decision decision) {
    (void)flowId;
    (void)decision;
    return false;
  }
  virtual std::vector<PausedFlow> pausedFlows() const { return {}; }

  // Policies (EngineConfig::policies, engine/policy/policy_config.h): counters of the running set,
  // and purging the response cache (returns the entries removed). Counters and the cache outlive a
  // config swap (setConfig: a policy switched off and on keeps both).
  virtual std::vector<PolicyCounter> policyCounters() const { return {}; }
  virtual size_t purgeCache() { return 0; }
  // Purges the cache entries whose stored request/response match a filter-language expression
  // (engine/policy/cache_purge.h); a blank one purges all. An invalid expression is an error.
  virtual Result<size_t> purgeCacheMatching(const std::string& filter) {
    (void)filter;
    return Error{"purging by filter is not supported by this engine"};
  }
  // Cache persistence ("cache": {"persist": true}): loads the entries kept in the session file and
  // keeps the file up to date from then on (engine/policy/cache_persistence.h). Returns the entries
  // loaded. The app calls it with the session it records into when the config asks for it.
  virtual Result<size_t> attachCacheSession(const std::string& sessionPath) {
    (void)sessionPath;
    return Error{"cache persistence is not supported by this engine"};
  }

  // Launched applications (issue 8): connections from pid or any of its descendants are tagged
  // "app:<name>" on every flow they carry (Linux: by the client socket's owner in /proc; elsewhere
  // by launch, see engine/sysproxy/launched_apps.h). A pid that exits is forgotten by itself.
  virtual void registerLaunchedApp(int pid, const std::string& name) {
    (void)pid;
    (void)name;
  }
  virtual void unregisterLaunchedApp(int pid) { (void)pid; }

  // Replay: sends the request again through the live routing and upstream path; the result is a new
  // flow tagged "replay" with replayOf set. Returns the new flow's id at once (the engine must run).
  virtual Result<uint64_t> replay(const Request& request, uint64_t replayOf) {
    (void)request;
    (void)replayOf;
    return Error{"replay is not supported by this engine"};
  }
  struct RepeatOptions {
    unsigned count = 1;
    unsigned concurrency = 1;
    std::chrono::milliseconds delay{0};  // between the starts of two requests of one lane
  };
  // "Repeat advanced" (a basic load test): count replays, at most `concurrency` at a time.
  virtual Result<std::vector<uint64_t>> repeat(const Request& request, uint64_t replayOf, RepeatOptions options) {
    (void)request;
    (void)replayOf;
    (void)options;
    return Error{"replay is not supported by this engine"};
  }
};

}  // namespace ps::engine
