#pragma once
// HAR import: files from Chrome/Chromium, Firefox, Charles, mitmproxy and Proxyscope itself.
// Tolerant of absent optional fields (only log.entries[i].request.method and .url are required);
// strict about types: a field that is present with the wrong type rejects the file with its JSON
// path ("log.entries[3].request.url: expected a string").
//   - Headers are authoritative: cookies and queryString arrays are derived data and are not read.
//   - Response bodies: content.text is decoded; when the response has a Content-Encoding the body
//     is encoded again with that coding (so Flow bodies keep their coding on the wire), which means
//     response.bodySize and content.compression of re-exported content-coded bodies are those of
//     Proxyscope's encoder. content._encoded means text already holds the coded bytes.
//   - Timings are rebuilt from startedDateTime and the phases, so re-export gives the same phases.
//   - Proxyscope's own "_" fields are restored; every other unknown field (Chrome's _initiator,
//     _priority, _transferSize, comments, non-empty cache objects, …) is kept in Flow::extensions
//     and written back on export. pages and pageref are dropped.
//   - Flow ids: _flowId when present, else 1, 2, … in file order (the store may renumber).
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/flow.h"
#include "engine/core/result.h"

namespace ps::engine::har {

Result<std::vector<Flow>> importHar(std::string_view json);
// Reads the file and imports it; errors name the file.
Result<std::vector<Flow>> importHarFile(const std::string& path);

}  // namespace ps::engine::har
