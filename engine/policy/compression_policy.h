#pragma once
// Response compression (reverse mode; optional in forward mode): which coding to apply, if any.
// Negotiation follows RFC 9110 12.5.3 (Accept-Encoding with q-values).
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/flow.h"

namespace ps::engine {

// The offered coding the client prefers (highest q; ties go to the order of `offered`), or "" when it
// accepts none of them. "identity" is never chosen here: "" means send as is.
std::string negotiateCoding(std::string_view acceptEncoding, const std::vector<std::string>& offered);

struct CompressionCheck {
  bool compress = false;
  std::string reason;
};
// Whether a response may be compressed: not already content-coded, not 206/204/304, no
// Cache-Control: no-transform, a textual type, and at least minBytes long (when the length is known).
CompressionCheck compressionEligible(const Response& response, uint64_t knownLength, uint64_t minBytes);

bool isTextualContentType(std::string_view contentType);

}  // namespace ps::engine
