#pragma once
// What a connection needs from the engine: its thread's services (io_context, upstream pool, the
// registry used to close everything at stop()), the shared EventHub and counters, and the config and
// hooks it started with (a config change affects new connections only).
#include <asio/io_context.hpp>
#include <atomic>
#include <cstdint>
#include <memory>
#include <unordered_set>

#include "engine/core/config.h"
#include "engine/core/event_hub.h"
#include "engine/net/hooks.h"
#include "engine/net/late_started.h"

namespace ps::engine::net {

class Stream;
class UpstreamPool;

struct EngineCounters {
  std::atomic<uint64_t> connectionsAccepted{0};
  std::atomic<uint64_t> connectionsOpen{0};
  std::atomic<uint64_t> flowsStarted{0};
  std::atomic<uint64_t> flowsFinished{0};
  std::atomic<uint64_t> flowsFailed{0};
  std::atomic<uint64_t> bytesFromClients{0};
  std::atomic<uint64_t> bytesToClients{0};
};

// One per engine thread; touched only from that thread.
struct WorkerServices {
  WorkerServices(asio::io_context& ioContext, UpstreamPool& upstreamPool, EventHub& eventHub, EngineCounters& engineCounters)
      : io(ioContext), pool(upstreamPool), hub(eventHub), counters(engineCounters) {}
  asio::io_context& io;
  UpstreamPool& pool;
  EventHub& hub;
  EngineCounters& counters;
  std::unordered_set<Stream*> openStreams;  // closed by stop()
  LateStarted lateStarted;                  // swept by the engine's per-worker loop
  bool stopping = false;
};

struct ConnectionContext {
  WorkerServices& worker;
  std::shared_ptr<const EngineConfig> config;
  std::shared_ptr<const EngineHooks> hooks;
};

// Registers a stream with its worker for the lifetime of this object, so stop() can close it.
class StreamRegistration {
 public:
  StreamRegistration(WorkerServices& worker, Stream* stream) : m_worker(worker), m_stream(stream) {
    if (m_stream != nullptr) m_worker.openStreams.insert(m_stream);
  }
  ~StreamRegistration() { reset(nullptr); }
  void reset(Stream* stream) {
    if (m_stream != nullptr) m_worker.openStreams.erase(m_stream);
    m_stream = stream;
    if (m_stream != nullptr) m_worker.openStreams.insert(m_stream);
  }
  StreamRegistration(const StreamRegistration&) = delete;
  StreamRegistration& operator=(const StreamRegistration&) = delete;

 private:
  WorkerServices& m_worker;
  Stream* m_stream;
};

// Flow and connection ids: process-wide, increasing, never reused.
uint64_t nextFlowId();
void reserveFlowIdsBelowImpl(uint64_t next);  // engine.h reserveFlowIdsBelow()
uint64_t nextConnectionId();

// Publishes one event for a flow (the snapshot is shared, not copied again per sink), only when
// some sink receives this event type.
void publishFlowEvent(EventHub& hub, FlowEventType type, const FlowPtr& snapshot, std::string detail = {});
// Publishes a copy of the flow as it is now, only when some sink receives this event type (the copy
// is most of a progress event's cost).
void publishSnapshot(EventHub& hub, FlowEventType type, const Flow& flow);

}  // namespace ps::engine::net
