#pragma once
// BodyText: what the store indexes for a body — the captured bytes with their content-coding undone
// (RFC 9110 8.4: gzip, deflate, br, zstd, applied in the order listed in Content-Encoding) when the
// media type is textual.
//
// A private decoder: engine/http has no content_decoding.h yet (branch `http`). When it lands, this
// file should call it instead of its own zlib/brotli/zstd loops.
#include <optional>
#include <string>
#include <string_view>

#include "engine/core/headers.h"

namespace ps::engine {

// Decoded output is capped (a compression bomb must not take the writer thread's memory).
inline constexpr size_t kMaxDecodedTextBytes = 16 * 1024 * 1024;

// Undoes the codings listed in contentEncoding (last applied first). Unknown coding → nullopt.
// A truncated capture decodes as far as its bytes go.
std::optional<std::string> decodeContent(std::string_view data, std::string_view contentEncoding);

// True for text/*, JSON, XML, JavaScript, form data, SVG, ... (any "+json"/"+xml" suffix).
bool isTextualMediaType(std::string_view contentType);

// The decoded text for a body, or nullopt when the body is empty, binary or cannot be decoded.
// Without a Content-Type, text is sniffed: valid UTF-8 without NUL bytes counts as text.
std::optional<std::string> bodyText(std::string_view captured, const Headers& headers);

}  // namespace ps::engine
