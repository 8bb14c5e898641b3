#pragma once
// FilterError: why a filter text was refused and where, so the filter bar can underline it.
#include <cstddef>
#include <string>

namespace ps::engine {

struct FilterError {
  std::string message;  // one line, e.g. "unknown field 'hots' (did you mean 'host'?)"
  size_t position = 0;  // byte offset into the UTF-8 filter text
  size_t length = 0;    // bytes to underline (at least 1 unless the text is empty)
};

}  // namespace ps::engine
