#pragma once
// Flow factories and content encoders for the store, HAR and query suites.
#include <cstdint>
#include <string>

#include "engine/core/flow.h"

namespace ps::test {

// A complete GET flow: http://host/path → status with a text/plain response body.
ps::engine::Flow makeFlow(uint64_t id, const std::string& host = "example.test", const std::string& path = "/",
                          int status = 200, const std::string& responseBody = "hello");

std::string gzipEncode(const std::string& data);
std::string brotliEncode(const std::string& data);
std::string zstdEncode(const std::string& data);

// A fresh empty folder under /tmp for one test (removed by the caller when it wants).
std::string makeTempDir(const std::string& prefix);

}  // namespace ps::test
