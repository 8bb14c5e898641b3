#pragma once
// The text of a message body as the filter language sees it: content-coding undone (gzip, deflate,
// br, zstd; RFC 9110 8.4) and kept only when it is text. The store's `bodies.text` column and
// full-text index must use bodyText() too, so stored and live flows answer body: the same way.
// (A private decoder: engine/http had no content decoding when this was written.)
#include <optional>
#include <string>
#include <string_view>

#include "engine/core/flow.h"

namespace ps::engine {

// Undoes a Content-Encoding list (applied in order, so undone in reverse). Truncated input gives
// what decodes; nullopt for an unknown coding or garbage. Output is capped at `maxOutput`.
std::optional<std::string> decodeContent(std::string_view contentEncoding, std::string_view bytes,
                                         size_t maxOutput = 32u << 20);
// Text means valid UTF-8 without NUL bytes (a truncated last sequence is allowed).
bool looksLikeText(std::string_view bytes);
// The decoded text of a body, or nullopt when it is empty, binary or cannot be decoded.
std::optional<std::string> bodyText(const Headers& headers, const Body& body);

}  // namespace ps::engine
