#include "engine/store/body_text.h"

#include <brotli/decode.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cctype>
#include <vector>

#include "engine/http/content_decoding.h"

namespace ps::engine {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// gzip (windowBits 16+15) or deflate. RFC 9110 8.4.1.2 says "deflate" is zlib-wrapped, but many
// servers send raw deflate; try zlib first, then raw.
std::optional<std::string> inflateStream(std::string_view data, int windowBits) {
  z_stream zs{};
  if (inflateInit2(&zs, windowBits) != Z_OK) return std::nullopt;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char buf[16384];
  int rc = Z_OK;
  while (rc == Z_OK && out.size() < kMaxDecodedTextBytes) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof buf - zs.avail_out);
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) break;  // truncated capture: keep what decoded
    // gzip members may be concatenated (RFC 1952 2.2).
    if (rc == Z_STREAM_END && zs.avail_in > 0 && windowBits > 15) rc = inflateReset(&zs);
  }
  inflateEnd(&zs);
  if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) return std::nullopt;
  return out;
}

std::optional<std::string> decodeBrotli(std::string_view data) {
  BrotliDecoderState* state = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
  if (state == nullptr) return std::nullopt;
  size_t availIn = data.size();
  const auto* nextIn = reinterpret_cast<const uint8_t*>(data.data());
  std::string out;
  uint8_t buf[16384];
  BrotliDecoderResult rc = BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT;
  while (rc == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT && out.size() < kMaxDecodedTextBytes) {
    size_t availOut = sizeof buf;
    uint8_t* nextOut = buf;
    rc = BrotliDecoderDecompressStream(state, &availIn, &nextIn, &availOut, &nextOut, nullptr);
    out.append(reinterpret_cast<char*>(buf), sizeof buf - availOut);
  }
  BrotliDecoderDestroyInstance(state);
  if (rc == BROTLI_DECODER_RESULT_ERROR) return std::nullopt;
  return out;  // SUCCESS, or NEEDS_MORE_INPUT on a truncated capture
}

std::optional<std::string> decodeZstd(std::string_view data) {
  ZSTD_DStream* stream = ZSTD_createDStream();
  if (stream == nullptr) return std::nullopt;
  ZSTD_initDStream(stream);
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  std::string out;
  std::vector<char> buf(ZSTD_DStreamOutSize());
  bool failed = false;
  while (in.pos < in.size && out.size() < kMaxDecodedTextBytes) {
    ZSTD_outBuffer o{buf.data(), buf.size(), 0};
    size_t rc = ZSTD_decompressStream(stream, &o, &in);
    if (ZSTD_isError(rc)) {
      failed = true;
      break;
    }
    out.append(buf.data(), o.pos);
    if (o.pos == 0 && rc != 0 && in.pos == in.size) break;
  }
  // Flush what remains buffered inside the decoder.
  for (int i = 0; !failed && i < 64 && out.size() < kMaxDecodedTextBytes; ++i) {
    ZSTD_outBuffer o{buf.data(), buf.size(), 0};
    size_t rc = ZSTD_decompressStream(stream, &o, &in);
    if (ZSTD_isError(rc)) break;
    out.append(buf.data(), o.pos);
    if (o.pos < o.size) break;
  }
  ZSTD_freeDStream(stream);
  if (failed) return std::nullopt;
  return out;
}

bool validUtf8WithoutNul(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == 0) return false;
    size_t extra = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xE ? 2 : (c >> 3) == 0x1E ? 3 : 99;
    if (extra == 99) return false;
    // A capture cut in the middle of a character is still text.
    if (i + extra >= s.size() && extra > 0) return true;
    for (size_t k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += extra + 1;
  }
  return true;
}

}  // namespace

std::optional<std::string> decodeTruncatedContent(std::string_view data, std::string_view contentEncoding) {
  // Codings are listed in the order applied (RFC 9110 8.4); undo them from the last.
  std::vector<std::string> codings;
  size_t pos = 0;
  while (pos <= contentEncoding.size()) {
    size_t comma = contentEncoding.find(',', pos);
    if (comma == std::string_view::npos) comma = contentEncoding.size();
    std::string coding = lower(trim(contentEncoding.substr(pos, comma - pos)));
    if (!coding.empty() && coding != "identity") codings.push_back(coding);
    pos = comma + 1;
  }
  std::string current(data);
  for (auto it = codings.rbegin(); it != codings.rend(); ++it) {
    std::optional<std::string> next;
    if (*it == "gzip" || *it == "x-gzip") {
      next = inflateStream(current, 16 + MAX_WBITS);
    } else if (*it == "deflate") {
      next = inflateStream(current, MAX_WBITS);
      if (!next || next->empty()) next = inflateStream(current, -MAX_WBITS);
    } else if (*it == "br") {
      next = decodeBrotli(current);
    } else if (*it == "zstd") {
      next = decodeZstd(current);
    }
    if (!next) return std::nullopt;
    current = std::move(*next);
  }
  return current;
}

bool isTextualMediaType(std::string_view contentType) {
  std::string type = lower(trim(contentType.substr(0, contentType.find(';'))));
  if (type.rfind("text/", 0) == 0) return true;
  if (type.ends_with("+json") || type.ends_with("+xml")) return true;
  static constexpr std::string_view kTextual[] = {
      "application/json", "application/xml", "application/javascript", "application/ecmascript",
      "application/x-javascript", "application/x-www-form-urlencoded", "application/graphql",
      "application/x-ndjson", "application/yaml", "application/x-yaml", "application/toml",
      "image/svg+xml", "application/xhtml+xml", "application/soap+xml", "application/csp-report",
      "application/manifest+json", "application/x-sh", "application/sql"};
  return std::find(std::begin(kTextual), std::end(kTextual), type) != std::end(kTextual);
}

std::optional<std::string> bodyText(std::string_view captured, const Headers& headers, bool truncated) {
  if (captured.empty()) return std::nullopt;
  auto contentType = headers.get("Content-Type");
  if (contentType && !isTextualMediaType(*contentType)) return std::nullopt;
  // Several Content-Encoding fields form one list (RFC 9110 5.3).
  std::string encoding;
  for (auto value : headers.getAll("Content-Encoding")) {
    if (!encoding.empty()) encoding += ',';
    encoding += value;
  }
  std::optional<std::string> decoded;
  if (auto whole = http::decodeContent(captured, encoding, kMaxDecodedTextBytes)) {
    decoded = std::move(*whole);
  } else if (truncated) {
    decoded = decodeTruncatedContent(captured, encoding);
  }
  if (!decoded || decoded->empty()) return std::nullopt;
  if (!contentType && !validUtf8WithoutNul(*decoded)) return std::nullopt;
  if (decoded->size() > kMaxDecodedTextBytes) decoded->resize(kMaxDecodedTextBytes);
  return decoded;
}

bool bodyTextIsCaptured(std::string_view captured, const Headers& headers) {
  if (captured.empty() || captured.size() > kMaxDecodedTextBytes) return false;
  for (auto value : headers.getAll("Content-Encoding")) {
    if (!trim(value).empty()) return false;  // even "identity": let bodyText() rule on it
  }
  auto contentType = headers.get("Content-Type");
  return contentType ? isTextualMediaType(*contentType) : validUtf8WithoutNul(captured);
}

}  // namespace ps::engine
