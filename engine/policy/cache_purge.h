#pragma once
// Purging the response cache by a filter-language expression (issue 10: "purge all or by filter").
// Each stored entry is matched as a flow made of the request that filled it and the stored
// response, so `host:`, `path:`, `method:`, `url:`, `status:`, `header:` and `type:` all work as in
// the flow table. A blank expression purges everything.
#include <cstddef>
#include <string_view>

#include "engine/core/result.h"
#include "engine/policy/http_cache.h"

namespace ps::engine {

// The entries removed, or the parse error as "filter: MESSAGE (at byte N)".
Result<size_t> purgeCacheMatching(HttpCache& cache, std::string_view expression);

}  // namespace ps::engine
