#pragma once
// One row's sort key as SQLite orders it: NULL first (ascending), then numbers or text (BINARY
// collation, i.e. byte order), ties by id in the same direction. Shared by the stored view's full
// orderings (flow_page_reader) and FlowReader's pages sorted in memory.
#include <cstdint>
#include <string>

namespace ps::engine {

struct SortKey {
  uint64_t id = 0;
  bool null = false;
  int64_t number = 0;
  std::string text;
};

inline bool sortKeyBefore(const SortKey& a, const SortKey& b, bool descending) {
  const SortKey& x = descending ? b : a;
  const SortKey& y = descending ? a : b;
  if (x.null != y.null) return x.null;
  if (!x.null) {
    if (x.number != y.number) return x.number < y.number;
    if (int c = x.text.compare(y.text); c != 0) return c < 0;
  }
  return x.id < y.id;
}

}  // namespace ps::engine
