#include "engine/core/breakpoint.h"

namespace ps::engine {

const char* toString(BreakStage stage) {
  switch (stage) {
    case BreakStage::Request: return "request";
    case BreakStage::Response: return "response";
    case BreakStage::Both: return "both";
  }
  return "request";
}

}  // namespace ps::engine
