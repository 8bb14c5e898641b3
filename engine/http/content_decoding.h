#pragma once
// Content codings (RFC 9110 8.4.1): decoding bodies for display and search, encoding them for
// response compression. Pure functions over whole buffers; failures are values.
#include <string>
#include <string_view>

#include "engine/core/result.h"

namespace ps::engine::http {

// Decodes body per a Content-Encoding value. Codings are listed in the order they were applied,
// so "gzip, br" is undone br first, then gzip. Supports gzip (x-gzip), deflate (zlib wrapper, or
// raw deflate as some servers send), br, zstd and identity; names are case-insensitive. Fails on
// an unknown coding, corrupt or truncated data, or output beyond maxOut bytes (at any stage).
Result<std::string> decodeContent(std::string_view body, std::string_view contentEncoding, size_t maxOut);

// Encodes data with one coding: gzip, deflate, br or zstd (identity returns the data).
Result<std::string> encodeContent(std::string_view data, std::string_view coding);

}  // namespace ps::engine::http
