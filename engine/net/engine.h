#pragma once
// Engine: the facade the app, the UI bridge and the tests use. Every method is thread-safe and
// returns at once (it posts to the engine's threads); none blocks on a peer. Engine::create()
// builds the real implementation; UI tests may implement this interface with a fake.
#include <cstdint>
#include <memory>

#include "engine/core/config.h"
#include "engine/core/event_hub.h"
#include "engine/core/result.h"

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
};

}  // namespace ps::engine
