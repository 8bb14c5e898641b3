#pragma once
// Breakpoints: rules that pause matching flows, and the decisions that resume them (DESIGN.md: a
// paused flow is a suspended coroutine awaiting a Decision posted through the engine's API).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/flow.h"

namespace ps::engine {

enum class BreakStage { Request, Response, Both };
const char* toString(BreakStage stage);

struct BreakpointRule {
  uint64_t id = 0;
  std::string expression;  // filter language; "" matches every flow
  BreakStage stage = BreakStage::Request;
  bool enabled = true;
};

struct Decision {
  enum class Kind {
    Continue,        // as is
    ContinueEdited,  // with `request` (request stage) or `response` (response stage) replacing it
    Respond,         // answer the client with `response`; at the request stage the upstream is never contacted
    Abort,           // the client gets a 502 naming the abort, or a closed connection (closeConnection)
  };
  Kind kind = Kind::Continue;
  std::optional<Request> request;
  std::optional<Response> response;
  bool closeConnection = false;
  std::string reason;  // shown in the flow's error for Abort
};

struct PausedFlow {
  uint64_t flowId = 0;
  BreakStage stage = BreakStage::Request;  // Request or Response
  int64_t pausedAt = 0;    // epoch µs
  int64_t deadline = 0;    // epoch µs when it continues by itself (0 = never)
  FlowPtr snapshot;        // the flow as paused: request (and response at the response stage) with whole bodies
};

}  // namespace ps::engine
