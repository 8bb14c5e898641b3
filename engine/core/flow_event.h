#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "engine/core/flow.h"

namespace ps::engine {

// What happened to a flow. Each event carries an immutable snapshot of the flow as it was then;
// consumers never see a flow change under them.
enum class FlowEventType {
  Started,          // request head parsed (or tunnel opened)
  RequestDone,      // request body complete
  ResponseHeaders,  // response head received
  ResponseDone,     // response body complete
  WebSocketMessage,
  Paused,           // held at a breakpoint, awaiting a decision
  Resumed,
  Error,            // flow failed; Finished follows
  Finished,         // last event of every flow
  // Not about a flow: a reverse-proxy backend changed health or admin state. flowId is 0; flow is a
  // placeholder (mode Reverse, backend set, tag "backend-health"); detail describes the change
  // ("pool/b1: healthy → ejected (3 consecutive failures ...)"). Flow consumers skip it.
  BackendHealth,
};
const char* toString(FlowEventType type);

// Event-type sets (a sink subscribes to the types it uses; the engine skips the snapshot copy for
// progress events nobody wants, e.g. a headless run without a session only prints Finished).
constexpr uint32_t eventBit(FlowEventType type) { return 1u << static_cast<unsigned>(type); }
constexpr uint32_t kAllFlowEventTypes = ~0u;

struct FlowEvent {
  FlowEventType type = FlowEventType::Started;
  uint64_t flowId = 0;
  FlowPtr flow;
  std::string detail;  // free text for the event (e.g. a WebSocket frame summary)
};

}  // namespace ps::engine
