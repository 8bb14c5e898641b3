#pragma once
// Flows covering what HAR export must carry: query strings, cookies with attributes, form and
// multipart posts, gzip/br/zstd bodies, binary bodies both ways, a failed flow without a response,
// a truncated capture, a body that is not what its Content-Encoding says, a tunnel, reverse mode
// with backend and replay-of, and foreign "_" fields kept from an import.
#include <string>
#include <vector>

#include "engine/core/flow.h"

namespace ps::test {

std::vector<ps::engine::Flow> harSampleFlows();
// 0x89 'P' 'N' 'G' … and every byte value: a body that must travel as base64.
std::string binarySample();
// A synthetic flow for volume tests: index i gives distinct URLs, 1 KiB bodies.
ps::engine::Flow syntheticFlow(uint64_t i);

}  // namespace ps::test
