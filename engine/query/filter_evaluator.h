#pragma once
// In-memory evaluation of a filter tree against one Flow (live rows, breakpoints). Reentrant and
// lock-free; allocation-free except for decoding content-encoded bodies (body:, full text).
#include "engine/core/flow.h"
#include "engine/query/filter_ast.h"

namespace ps::engine {

bool evaluateFilter(const FilterNode& node, const Flow& flow);

}  // namespace ps::engine
