#pragma once
// CompressionTransform: the compression policy's streaming body transform. makeCompressionTransform
// decides for one response (negotiation, eligibility), edits the client's head (Content-Encoding,
// Vary, no Content-Length, weak ETag) and returns the transform; at the end of the body it tags the
// flow "compressed:CODING" and records both sizes in the flow's extensions
// ({"entry": {"_compression": {"coding", "originalBytes", "compressedBytes"}}}, a HAR custom field).
#include <atomic>
#include <cstdint>
#include <memory>

#include "engine/net/hooks.h"
#include "engine/policy/policy_config.h"

namespace ps::engine {

struct CompressionStats {
  std::atomic<uint64_t> responses{0}, bytesIn{0}, bytesOut{0};
};

std::unique_ptr<net::ResponseBodyTransform> makeCompressionTransform(const CompressionPolicyConfig& config,
                                                                     const Flow& flow, http::ResponseHead& head,
                                                                     std::shared_ptr<CompressionStats> stats);

}  // namespace ps::engine
