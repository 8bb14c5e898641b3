#include "engine/http/content_decoding.h"

#include <brotli/decode.h>
#include <brotli/encode.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "engine/core/headers.h"

namespace ps::engine::http {

namespace {

constexpr size_t kStep = 64 * 1024;

std::string_view trimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Output buffer growth step: one byte beyond maxOut is allowed so "too large" can be detected.
size_t roomLeft(size_t used, size_t maxOut) {
  const size_t cap = maxOut == SIZE_MAX ? maxOut : maxOut + 1;
  return used >= cap ? 0 : std::min(kStep, cap - used);
}

Error tooLarge(size_t maxOut) { return Error{"decoded body exceeds " + std::to_string(maxOut) + " bytes"}; }

// windowBits: 15 + 16 for gzip, 15 for zlib, -15 for raw deflate. Concatenated gzip members
// (RFC 1952 2.2) are decoded one after another.
Result<std::string> inflateAll(std::string_view in, int windowBits, size_t maxOut, const char* name) {
  z_stream zs{};
  if (inflateInit2(&zs, windowBits) != Z_OK) return Error{std::string(name) + ": cannot initialise zlib"};
  std::string out;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  int rc = Z_OK;
  for (;;) {
    const size_t before = out.size();
    const size_t room = roomLeft(before, maxOut);
    if (room == 0) {
      inflateEnd(&zs);
      return tooLarge(maxOut);
    }
    out.resize(before + room);
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + before);
    zs.avail_out = static_cast<uInt>(room);
    rc = inflate(&zs, Z_NO_FLUSH);
    out.resize(before + (room - zs.avail_out));
    if (out.size() > maxOut) {
      inflateEnd(&zs);
      return tooLarge(maxOut);
    }
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0 || windowBits <= 15) break;
      if (inflateReset(&zs) != Z_OK) break;  // next gzip member
      continue;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) break;  // input ended before the stream did
    if (rc != Z_OK) break;
  }
  const bool trailing = rc == Z_STREAM_END && zs.avail_in != 0;
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) return Error{std::string(name) + ": corrupt or truncated data"};
  if (trailing) return Error{std::string(name) + ": data after the end of the stream"};
  return out;
}

Result<std::string> decodeBrotli(std::string_view in, size_t maxOut) {
  BrotliDecoderState* st = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
  if (!st) return Error{"br: cannot initialise decoder"};
  std::string out;
  size_t availIn = in.size();
  const auto* nextIn = reinterpret_cast<const uint8_t*>(in.data());
  BrotliDecoderResult rc = BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT;
  while (rc == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT) {
    const size_t before = out.size();
    const size_t room = roomLeft(before, maxOut);
    if (room == 0) break;
    out.resize(before + room);
    size_t availOut = room;
    auto* nextOut = reinterpret_cast<uint8_t*>(out.data() + before);
    rc = BrotliDecoderDecompressStream(st, &availIn, &nextIn, &availOut, &nextOut, nullptr);
    out.resize(before + (room - availOut));
  }
  BrotliDecoderDestroyInstance(st);
  if (out.size() > maxOut) return tooLarge(maxOut);
  if (rc != BROTLI_DECODER_RESULT_SUCCESS) return Error{"br: corrupt or truncated data"};
  if (availIn != 0) return Error{"br: data after the end of the stream"};
  return out;
}

Result<std::string> decodeZstd(std::string_view in, size_t maxOut) {
  ZSTD_DCtx* dctx = ZSTD_createDCtx();
  if (!dctx) return Error{"zstd: cannot initialise decoder"};
  std::string out;
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  size_t rc = 0;
  bool failed = false;
  // Several frames may follow each other; rc == 0 marks the end of a frame.
  while (input.pos < input.size || rc != 0) {
    const size_t before = out.size();
    const size_t room = roomLeft(before, maxOut);
    if (room == 0) break;
    out.resize(before + room);
    ZSTD_outBuffer output{out.data() + before, room, 0};
    const size_t inBefore = input.pos;
    rc = ZSTD_decompressStream(dctx, &output, &input);
    out.resize(before + output.pos);
    if (ZSTD_isError(rc)) {
      failed = true;
      break;
    }
    if (rc != 0 && input.pos == input.size && inBefore == input.pos && output.pos == 0) break;  // truncated
  }
  ZSTD_freeDCtx(dctx);
  if (out.size() > maxOut) return tooLarge(maxOut);
  if (failed) return Error{"zstd: corrupt data"};
  if (rc != 0) return Error{"zstd: truncated data"};
  return out;
}

Result<std::string> decodeOne(std::string_view in, std::string_view coding, size_t maxOut) {
  if (iequals(coding, "gzip") || iequals(coding, "x-gzip")) return inflateAll(in, 15 + 16, maxOut, "gzip");
  if (iequals(coding, "deflate")) {
    // RFC 9110 8.4.1.2 says zlib format; some servers send raw deflate, so fall back to it.
    auto zlibbed = inflateAll(in, 15, maxOut, "deflate");
    if (zlibbed.ok()) return zlibbed;
    auto raw = inflateAll(in, -15, maxOut, "deflate");
    if (raw.ok()) return raw;
    return zlibbed;
  }
  if (iequals(coding, "br")) return decodeBrotli(in, maxOut);
  if (iequals(coding, "zstd")) return decodeZstd(in, maxOut);
  if (iequals(coding, "identity")) {
    if (in.size() > maxOut) return tooLarge(maxOut);
    return std::string(in);
  }
  return Error{"unsupported content coding \"" + std::string(coding) + "\""};
}

}  // namespace

Result<std::string> decodeContent(std::string_view body, std::string_view contentEncoding, size_t maxOut) {
  std::vector<std::string_view> codings;
  for (std::string_view rest = contentEncoding; !rest.empty();) {
    const size_t comma = rest.find(',');
    std::string_view item = trimOws(rest.substr(0, comma));
    if (!item.empty()) codings.push_back(item);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  // An empty body (HEAD answers, 304) stays empty whatever the coding says.
  if (codings.empty() || body.empty()) {
    if (body.size() > maxOut) return tooLarge(maxOut);
    return std::string(body);
  }
  std::string current(body);
  for (auto it = codings.rbegin(); it != codings.rend(); ++it) {
    auto step = decodeOne(current, *it, maxOut);
    if (!step.ok()) return step.error();
    current = std::move(step).value();
  }
  return current;
}

Result<std::string> encodeContent(std::string_view data, std::string_view coding) {
  if (iequals(coding, "gzip") || iequals(coding, "deflate")) {
    z_stream zs{};
    const int windowBits = iequals(coding, "gzip") ? 15 + 16 : 15;
    if (deflateInit2(&zs, 6, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
      return Error{"cannot initialise zlib"};
    }
    std::string out(deflateBound(&zs, static_cast<uLong>(data.size())), '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = static_cast<uInt>(data.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    const int rc = deflate(&zs, Z_FINISH);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) return Error{"compression failed"};
    return out;
  }
  if (iequals(coding, "br")) {
    size_t size = BrotliEncoderMaxCompressedSize(data.size());
    if (size == 0) size = data.size() + 1024;
    std::string out(size, '\0');
    // Quality 5: a good ratio at a speed suited to compressing responses on the fly.
    if (!BrotliEncoderCompress(5, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC, data.size(),
                               reinterpret_cast<const uint8_t*>(data.data()), &size,
                               reinterpret_cast<uint8_t*>(out.data()))) {
      return Error{"compression failed"};
    }
    out.resize(size);
    return out;
  }
  if (iequals(coding, "zstd")) {
    std::string out(ZSTD_compressBound(data.size()), '\0');
    const size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3);
    if (ZSTD_isError(n)) return Error{std::string("zstd: ") + ZSTD_getErrorName(n)};
    out.resize(n);
    return out;
  }
  if (iequals(coding, "identity")) return std::string(data);
  return Error{"unsupported content coding \"" + std::string(coding) + "\""};
}

}  // namespace ps::engine::http
