#include "engine/har/content_coding.h"

#include <brotli/decode.h>
#include <brotli/encode.h>
#include <zlib.h>
#include <zstd.h>

#include <vector>

#include "engine/har/har_text.h"

namespace ps::engine::har {

namespace {

constexpr size_t kChunk = 64 * 1024;

std::vector<std::string> codingList(std::string_view value) {
  std::vector<std::string> out;
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string item = toLower(trimSpaces(value.substr(0, comma)));
    if (!item.empty() && item != "identity") out.push_back(item);
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return out;
}

// windowBits: 15+32 auto-detects gzip or zlib; -15 is raw deflate (some servers send it for
// "deflate" despite RFC 9110 8.4.1.2 saying zlib).
std::optional<Decoded> inflateWith(std::string_view in, int windowBits) {
  z_stream zs{};
  if (inflateInit2(&zs, windowBits) != Z_OK) return std::nullopt;
  Decoded out;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  char buf[kChunk];
  int rc = Z_OK;
  while (rc == Z_OK) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    out.data.append(buf, sizeof buf - zs.avail_out);
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) break;  // input ended early: a prefix
  }
  inflateEnd(&zs);
  if (rc == Z_STREAM_END) {
    out.complete = true;
    return out;
  }
  if (rc == Z_BUF_ERROR || rc == Z_OK) return out;
  return std::nullopt;
}

std::optional<Decoded> unbrotli(std::string_view in) {
  BrotliDecoderState* st = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
  if (st == nullptr) return std::nullopt;
  Decoded out;
  size_t availIn = in.size();
  auto nextIn = reinterpret_cast<const uint8_t*>(in.data());
  BrotliDecoderResult rc = BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT;
  while (rc == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT) {
    uint8_t buf[kChunk];
    size_t availOut = sizeof buf;
    uint8_t* nextOut = buf;
    rc = BrotliDecoderDecompressStream(st, &availIn, &nextIn, &availOut, &nextOut, nullptr);
    out.data.append(reinterpret_cast<char*>(buf), sizeof buf - availOut);
  }
  BrotliDecoderDestroyInstance(st);
  if (rc == BROTLI_DECODER_RESULT_ERROR) return std::nullopt;
  out.complete = rc == BROTLI_DECODER_RESULT_SUCCESS;
  return out;
}

std::optional<Decoded> unzstd(std::string_view in) {
  ZSTD_DStream* ds = ZSTD_createDStream();
  if (ds == nullptr) return std::nullopt;
  Decoded out;
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  size_t rc = 1;
  std::vector<char> buf(ZSTD_DStreamOutSize());
  while (input.pos < input.size || rc != 0) {
    ZSTD_outBuffer output{buf.data(), buf.size(), 0};
    rc = ZSTD_decompressStream(ds, &output, &input);
    if (ZSTD_isError(rc)) {
      ZSTD_freeDStream(ds);
      return std::nullopt;
    }
    out.data.append(buf.data(), output.pos);
    if (output.pos == 0 && input.pos == input.size) break;  // needs input we do not have
  }
  ZSTD_freeDStream(ds);
  out.complete = rc == 0;
  return out;
}

std::optional<std::string> deflateWith(std::string_view in, int windowBits) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY) != Z_OK) return std::nullopt;
  std::string out;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  char buf[kChunk];
  int rc = Z_OK;
  while (rc == Z_OK) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = deflate(&zs, Z_FINISH);
    out.append(buf, sizeof buf - zs.avail_out);
  }
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return std::nullopt;
  return out;
}

std::optional<std::string> encodeBrotli(std::string_view in) {
  std::string out(BrotliEncoderMaxCompressedSize(in.size()) + 16, '\0');
  size_t size = out.size();
  if (!BrotliEncoderCompress(BROTLI_DEFAULT_QUALITY, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC, in.size(),
                             reinterpret_cast<const uint8_t*>(in.data()), &size, reinterpret_cast<uint8_t*>(out.data())))
    return std::nullopt;
  out.resize(size);
  return out;
}

std::optional<std::string> encodeZstd(std::string_view in) {
  std::string out(ZSTD_compressBound(in.size()), '\0');
  size_t rc = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3);
  if (ZSTD_isError(rc)) return std::nullopt;
  out.resize(rc);
  return out;
}

}  // namespace

bool hasContentCoding(std::string_view codings) { return !codingList(codings).empty(); }

std::optional<Decoded> decodeContent(std::string_view body, std::string_view codings) {
  std::vector<std::string> list = codingList(codings);
  Decoded cur{std::string(body), true};
  for (auto it = list.rbegin(); it != list.rend(); ++it) {
    std::optional<Decoded> next;
    if (*it == "gzip" || *it == "x-gzip") next = inflateWith(cur.data, 15 + 16);
    else if (*it == "deflate") {
      next = inflateWith(cur.data, 15);
      if (!next) next = inflateWith(cur.data, -15);
    } else if (*it == "br") next = unbrotli(cur.data);
    else if (*it == "zstd") next = unzstd(cur.data);
    if (!next) return std::nullopt;
    next->complete = next->complete && cur.complete;
    cur = std::move(*next);
  }
  return cur;
}

std::optional<std::string> encodeContent(std::string_view body, std::string_view codings) {
  std::string cur(body);
  for (const std::string& c : codingList(codings)) {
    std::optional<std::string> next;
    if (c == "gzip" || c == "x-gzip") next = deflateWith(cur, 15 + 16);
    else if (c == "deflate") next = deflateWith(cur, 15);
    else if (c == "br") next = encodeBrotli(cur);
    else if (c == "zstd") next = encodeZstd(cur);
    if (!next) return std::nullopt;
    cur = std::move(*next);
  }
  return cur;
}

}  // namespace ps::engine::har
