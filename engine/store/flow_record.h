#pragma once
// A whole Flow as one compact binary record, for the session's staging file (flow_stage.h): what a
// busy capture writes instead of the row, its bodies and their index entries, and what is turned
// into those later. Varints and length-prefixed bytes, every field of Flow; decoding checks every
// length against the record, so a damaged record is an error, never a read past its end.
#include <string>
#include <string_view>

#include "engine/core/flow.h"
#include "engine/core/result.h"

namespace ps::engine {

// Appends the record of flow to out (out is not cleared: a caller reuses one buffer).
void encodeFlowRecord(const Flow& flow, std::string& out);
Result<Flow> decodeFlowRecord(std::string_view record);

}  // namespace ps::engine
