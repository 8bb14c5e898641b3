#pragma once
// Flow factories and content encoders for the store, HAR and query suites.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/flow.h"
#include "engine/store/flow_store.h"

namespace ps::test {

// A complete GET flow: http://host/path → status with a text/plain response body.
ps::engine::Flow makeFlow(uint64_t id, const std::string& host = "example.test", const std::string& path = "/",
                          int status = 200, const std::string& responseBody = "hello");

std::string gzipEncode(const std::string& data);
std::string brotliEncode(const std::string& data);
std::string zstdEncode(const std::string& data);

// The first column of every row of sql on the session file at path, as ids: a test's own answer
// (SQL written in the test) to compare a reader's with. Empty when the file or the SQL fails.
std::vector<uint64_t> sqlIds(const std::string& path, const std::string& sql);

// A fresh empty folder under /tmp for one test (removed by the caller when it wants).
std::string makeTempDir(const std::string& prefix);

// A new session file at path (replacing none: a test's folder is fresh); aborts the test on failure.
std::unique_ptr<ps::engine::FlowStore> createSession(const std::string& path, ps::engine::StoreOptions options = {});

}  // namespace ps::test
