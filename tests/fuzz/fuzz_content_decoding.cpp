// libFuzzer target for the content codings. Input: [selector][bytes...]. Decoding arbitrary bytes
// must fail cleanly or stay within the output cap; encoding then decoding must give the input back.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/http/content_decoding.h"

namespace {
void check(bool ok) {
  if (!ok) __builtin_trap();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static constexpr std::string_view kCodings[] = {"gzip", "deflate", "br", "zstd", "identity", "gzip, br", "br, zstd"};
  const std::string_view coding = kCodings[data[0] % 7];
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  constexpr size_t kCap = 1 << 20;

  auto decoded = ps::engine::http::decodeContent(input, coding, kCap);
  if (decoded.ok()) check(decoded->size() <= kCap);
  if (!decoded.ok()) check(!decoded.error().message.empty());

  if (coding.find(',') == std::string_view::npos) {
    auto encoded = ps::engine::http::encodeContent(input, coding);
    check(encoded.ok());
    auto back = ps::engine::http::decodeContent(*encoded, coding, kCap);
    check(back.ok() && *back == input);
  }
  return 0;
}
