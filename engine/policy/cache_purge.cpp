#include "engine/policy/cache_purge.h"

#include "engine/query/filter.h"

namespace ps::engine {

Result<size_t> purgeCacheMatching(HttpCache& cache, std::string_view expression) {
  auto parsed = parseFilter(expression);
  if (!parsed.ok()) {
    return Error{"filter: " + parsed.error.message + " (at byte " + std::to_string(parsed.error.position) + ")"};
  }
  const Filter& filter = *parsed.filter;
  if (filter.empty()) return cache.purge();
  return cache.purge([&filter](const std::string&, const HttpCache::Entry& entry) {
    // The entry as the flow that stored it; its method is the stored variant's.
    Flow flow;
    flow.request = entry.request;
    flow.request.method = entry.method;
    flow.response = entry.response;
    return filter.matches(flow);
  });
}

}  // namespace ps::engine
