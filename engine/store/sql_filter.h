#pragma once
// SqlFilter: a WHERE fragment over the `flows` table (see flow_store_schema.cpp) with its bound
// parameters, as produced by the filter-language compiler (engine/query) and consumed by
// FlowStore's read API. `where` uses positional `?` placeholders; params bind in order (1-based).
// An empty `where` matches every flow.
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace ps::engine {

struct SqlFilter {
  std::string where;
  std::vector<std::variant<int64_t, double, std::string>> params;
};

}  // namespace ps::engine
