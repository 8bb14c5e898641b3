#pragma once
// ContentEncoder: a streaming gzip / br / zstd compressor for the compression policy. Bytes go in as
// they arrive from the origin and compressed bytes come out as the codec releases them, so a body is
// never held whole (DESIGN.md: bodies stream through). One encoder per response.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace ps::engine {

class ContentEncoder {
 public:
  virtual ~ContentEncoder() = default;
  // Compresses `data`; returns what the codec has ready (often nothing until it has a block).
  virtual std::string feed(std::string_view data) = 0;
  // Ends the stream; returns the rest (trailer included). Call once.
  virtual std::string finish() = 0;

  // "gzip", "br" or "zstd"; nullptr for any other coding.
  static std::unique_ptr<ContentEncoder> create(std::string_view coding);
};

}  // namespace ps::engine
