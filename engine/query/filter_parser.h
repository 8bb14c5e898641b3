#pragma once
// FilterParser: filter text → FilterNode tree (grammar in filter_parser.cpp). Most callers want
// parseFilter() from filter.h, which wraps this in a Filter value.
#include <optional>
#include <string_view>

#include "engine/query/filter_ast.h"
#include "engine/query/filter_error.h"

namespace ps::engine {

struct FilterTreeResult {
  FilterNodePtr root;  // null for a blank text (matches everything)
  std::optional<FilterError> error;
};
FilterTreeResult parseFilterTree(std::string_view text);

}  // namespace ps::engine
