#include "engine/query/body_text.h"

#include <brotli/decode.h>
#include <zlib.h>
#include <zstd.h>

#include <vector>

#include "engine/query/text_match.h"

namespace ps::engine {

namespace {

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// windowBits: 15 + 32 = zlib or gzip by header; -15 = raw deflate (servers that send it for
// "deflate", RFC 9110 8.4.1.2 notwithstanding).
std::optional<std::string> inflateWith(std::string_view in, int windowBits, size_t maxOutput) {
  z_stream zs{};
  if (inflateInit2(&zs, windowBits) != Z_OK) return std::nullopt;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  std::string out;
  char buf[16384];
  int rc = Z_OK;
  while (rc == Z_OK && out.size() < maxOutput) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof buf - zs.avail_out);
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) break;  // truncated capture: keep what decoded
    if (rc == Z_STREAM_END && zs.avail_in > 0 && windowBits == 15 + 32) {
      inflateReset(&zs);  // concatenated gzip members
      rc = Z_OK;
    }
  }
  inflateEnd(&zs);
  if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) return std::nullopt;
  if (out.size() > maxOutput) out.resize(maxOutput);
  return out;
}

std::optional<std::string> unbrotli(std::string_view in, size_t maxOutput) {
  BrotliDecoderState* st = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
  if (!st) return std::nullopt;
  const uint8_t* next = reinterpret_cast<const uint8_t*>(in.data());
  size_t availIn = in.size();
  std::string out;
  BrotliDecoderResult rc = BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT;
  while (rc == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT && out.size() < maxOutput) {
    uint8_t buf[16384];
    uint8_t* nextOut = buf;
    size_t availOut = sizeof buf;
    rc = BrotliDecoderDecompressStream(st, &availIn, &next, &availOut, &nextOut, nullptr);
    out.append(reinterpret_cast<char*>(buf), sizeof buf - availOut);
  }
  BrotliDecoderDestroyInstance(st);
  if (rc == BROTLI_DECODER_RESULT_ERROR) return std::nullopt;
  if (out.size() > maxOutput) out.resize(maxOutput);
  return out;
}

std::optional<std::string> unzstd(std::string_view in, size_t maxOutput) {
  ZSTD_DStream* ds = ZSTD_createDStream();
  if (!ds) return std::nullopt;
  ZSTD_initDStream(ds);
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  std::string out;
  std::vector<char> buf(ZSTD_DStreamOutSize());
  bool failed = false;
  while (out.size() < maxOutput) {
    ZSTD_outBuffer output{buf.data(), buf.size(), 0};
    const size_t rc = ZSTD_decompressStream(ds, &output, &input);
    if (ZSTD_isError(rc)) {
      failed = true;
      break;
    }
    out.append(buf.data(), output.pos);
    if (input.pos == input.size && output.pos < output.size) break;  // all input consumed
  }
  ZSTD_freeDStream(ds);
  if (failed && out.empty()) return std::nullopt;
  if (out.size() > maxOutput) out.resize(maxOutput);
  return out;
}

}  // namespace

std::optional<std::string> decodeContent(std::string_view contentEncoding, std::string_view bytes, size_t maxOutput) {
  // Codings listed in the order applied; undo from the last one (RFC 9110 8.4).
  std::vector<std::string_view> codings;
  size_t pos = 0;
  while (pos <= contentEncoding.size()) {
    size_t comma = contentEncoding.find(',', pos);
    if (comma == std::string_view::npos) comma = contentEncoding.size();
    const auto coding = trimmed(contentEncoding.substr(pos, comma - pos));
    if (!coding.empty() && !iequalsAscii(coding, "identity")) codings.push_back(coding);
    pos = comma + 1;
  }
  std::string data(bytes);
  for (auto it = codings.rbegin(); it != codings.rend(); ++it) {
    std::optional<std::string> next;
    if (iequalsAscii(*it, "gzip") || iequalsAscii(*it, "x-gzip")) {
      next = inflateWith(data, 15 + 32, maxOutput);
    } else if (iequalsAscii(*it, "deflate")) {
      next = inflateWith(data, 15 + 32, maxOutput);
      if (!next || next->empty()) next = inflateWith(data, -15, maxOutput);
    } else if (iequalsAscii(*it, "br")) {
      next = unbrotli(data, maxOutput);
    } else if (iequalsAscii(*it, "zstd")) {
      next = unzstd(data, maxOutput);
    }
    if (!next) return std::nullopt;
    data = std::move(*next);
  }
  return data;
}

bool looksLikeText(std::string_view bytes) {
  size_t i = 0;
  const size_t n = bytes.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c == 0) return false;
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    if ((c & 0xE0) == 0xC0 && c >= 0xC2) len = 2;
    else if ((c & 0xF0) == 0xE0) len = 3;
    else if ((c & 0xF8) == 0xF0 && c <= 0xF4) len = 4;
    else return false;
    if (i + len > n) return true;  // cut by the capture cap
    for (size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(bytes[i + k]) & 0xC0) != 0x80) return false;
    }
    i += len;
  }
  return true;
}

std::optional<std::string> bodyText(const Headers& headers, const Body& body) {
  if (body.captured.empty()) return std::nullopt;
  std::optional<std::string> text;
  if (auto enc = headers.get("content-encoding")) {
    text = decodeContent(*enc, body.captured);
  } else {
    text = body.captured;
  }
  if (!text || text->empty() || !looksLikeText(*text)) return std::nullopt;
  return text;
}

}  // namespace ps::engine
