#pragma once
// BodyText: what the store indexes for a body — the captured bytes with their content-coding undone
// (RFC 9110 8.4: gzip, deflate, br, zstd, applied in the order listed in Content-Encoding) when the
// media type is textual.
//
// Complete bodies are decoded by engine/http/content_decoding.h. A capture cut at the capture cap
// is not a valid stream, which that decoder rightly refuses; for those the store keeps its own
// lenient decoder (decodeTruncatedContent) so the captured prefix stays searchable.
#include <optional>
#include <string>
#include <string_view>

#include "engine/core/headers.h"

namespace ps::engine {

// Decoded output is capped (a compression bomb must not take the writer thread's memory).
inline constexpr size_t kMaxDecodedTextBytes = 16 * 1024 * 1024;

// Undoes the codings listed in contentEncoding (last applied first), as far as the bytes go: for
// captures truncated at the cap. Unknown coding or corrupt data → nullopt.
std::optional<std::string> decodeTruncatedContent(std::string_view data, std::string_view contentEncoding);

// True for text/*, JSON, XML, JavaScript, form data, SVG, ... (any "+json"/"+xml" suffix).
bool isTextualMediaType(std::string_view contentType);

// The decoded text for a body, or nullopt when the body is empty, binary or cannot be decoded.
// Without a Content-Type, text is sniffed: valid UTF-8 without NUL bytes counts as text.
// truncated: the capture holds only the first bytes of the body.
std::optional<std::string> bodyText(std::string_view captured, const Headers& headers, bool truncated = false);
// True when bodyText() would return exactly the captured bytes (a textual body without a
// content-coding), decided without copying them. False does not mean "no text": decode then.
bool bodyTextIsCaptured(std::string_view captured, const Headers& headers);

}  // namespace ps::engine
