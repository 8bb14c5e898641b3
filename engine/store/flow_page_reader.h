#pragma once
// Reads for a store-backed flow table (a million-flow session shown without loading it): the ids
// of the flows a filter keeps, in a column's order, and the table rows of a block of ids. A view
// then holds 8 bytes a flow and fetches only the rows on screen. Free functions over a FlowReader's
// read-only connection (one thread at a time, like the reader itself).
#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/result.h"
#include "engine/store/flow_reader.h"
#include "engine/store/sql_filter.h"

namespace ps::engine {

// The flow table's sortable columns (more than FlowSortColumn: client, scheme and tags too).
enum class FlowOrder { Id, Start, Client, Method, Scheme, Host, Path, Status, Type, ReqSize, ResSize, Duration, Backend, Tags };

// A table row: the summary plus the columns the table shows beside it.
struct FlowTableRow {
  FlowSummary summary;
  std::string client;
  std::string scheme;
  int port = 0;
  FlowKind kind = FlowKind::Http;
};

// Ids of the flows matching filter (empty where = all), ordered by the column then by id (both
// descending when asked), so equal keys keep arrival order and the order is total.
Result<std::vector<uint64_t>> orderedFlowIds(FlowReader& reader, const SqlFilter& filter, FlowOrder order,
                                             bool descending);
// How many flows each host and path has (the structure view of an opened session), the largest
// groups first, at most limit groups; flows beyond them are summed per host with an empty path.
struct PathCount {
  std::string host;
  std::string path;
  int64_t count = 0;
};
Result<std::vector<PathCount>> pathCounts(FlowReader& reader, size_t limit);
// The rows of these flows, in the order given; ids not in the session are skipped.
Result<std::vector<FlowTableRow>> flowTableRows(FlowReader& reader, const std::vector<uint64_t>& ids);

}  // namespace ps::engine
