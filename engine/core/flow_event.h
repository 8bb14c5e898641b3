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
};
const char* toString(FlowEventType type);

struct FlowEvent {
  FlowEventType type = FlowEventType::Started;
  uint64_t flowId = 0;
  FlowPtr flow;
  std::string detail;  // free text for the event (e.g. a WebSocket frame summary)
};

}  // namespace ps::engine
