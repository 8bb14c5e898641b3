#pragma once
// Internal to engine/har: the "JSON path: problem" raised by the checked readers of the importer
// and caught at importHar's boundary.
#include <string>

namespace ps::engine::har {

struct PathError {
  std::string message;
};

}  // namespace ps::engine::har
