#pragma once
// Content codings (RFC 9110 8.4.1) for HAR: content.text is the decoded body, so export decodes
// gzip / x-gzip / deflate / br / zstd and import encodes again (Flow bodies keep their coding).
// Private to engine/har until engine/http grows a shared decoder.
#include <optional>
#include <string>
#include <string_view>

namespace ps::engine::har {

struct Decoded {
  std::string data;
  bool complete = false;  // false: the input ended mid-stream (a truncated capture); data is a prefix
};

// Removes the codings listed in a Content-Encoding value ("gzip", "deflate, br"), last applied first.
// nullopt when a coding is unknown or the data is corrupt. "identity" and an empty list are no-ops.
std::optional<Decoded> decodeContent(std::string_view body, std::string_view codings);
// Applies the codings in order; nullopt for an unknown coding.
std::optional<std::string> encodeContent(std::string_view body, std::string_view codings);
// True when the value names at least one coding other than identity.
bool hasContentCoding(std::string_view codings);

}  // namespace ps::engine::har
