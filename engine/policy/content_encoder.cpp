#include "engine/policy/content_encoder.h"

#include <brotli/encode.h>
#include <zlib.h>
#include <zstd.h>

namespace ps::engine {

namespace {

constexpr size_t kOutStep = 32 * 1024;

// gzip (RFC 1952) through zlib's deflate with the gzip wrapper (windowBits 15 + 16).
class GzipEncoder final : public ContentEncoder {
 public:
  GzipEncoder() { m_ok = deflateInit2(&m_z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK; }
  ~GzipEncoder() override {
    if (m_ok) deflateEnd(&m_z);
  }
  std::string feed(std::string_view data) override { return run(data, Z_NO_FLUSH); }
  std::string finish() override { return run({}, Z_FINISH); }

 private:
  std::string run(std::string_view data, int flush) {
    std::string out;
    if (!m_ok) return out;
    m_z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    m_z.avail_in = static_cast<uInt>(data.size());
    for (;;) {
      size_t used = out.size();
      out.resize(used + kOutStep);
      m_z.next_out = reinterpret_cast<Bytef*>(out.data() + used);
      m_z.avail_out = static_cast<uInt>(kOutStep);
      int rc = deflate(&m_z, flush);
      out.resize(used + kOutStep - m_z.avail_out);
      if (rc == Z_STREAM_END || rc == Z_STREAM_ERROR) break;
      // More output is pending only when deflate filled the whole step.
      if (m_z.avail_out != 0 && (flush != Z_FINISH || rc == Z_BUF_ERROR)) break;
    }
    return out;
  }
  z_stream m_z{};
  bool m_ok = false;
};

class BrotliEncoder final : public ContentEncoder {
 public:
  BrotliEncoder() : m_state(BrotliEncoderCreateInstance(nullptr, nullptr, nullptr)) {
    // Quality 5: brotli's default of 11 costs ~20x the CPU of 5 for a few percent on text; a proxy
    // compressing on the fly wants the cheaper setting.
    if (m_state) BrotliEncoderSetParameter(m_state, BROTLI_PARAM_QUALITY, 5);
  }
  ~BrotliEncoder() override {
    if (m_state) BrotliEncoderDestroyInstance(m_state);
  }
  std::string feed(std::string_view data) override { return run(data, BROTLI_OPERATION_PROCESS); }
  std::string finish() override { return run({}, BROTLI_OPERATION_FINISH); }

 private:
  std::string run(std::string_view data, BrotliEncoderOperation op) {
    std::string out;
    if (!m_state) return out;
    size_t availIn = data.size();
    const uint8_t* nextIn = reinterpret_cast<const uint8_t*>(data.data());
    for (;;) {
      size_t used = out.size();
      out.resize(used + kOutStep);
      size_t availOut = kOutStep;
      uint8_t* nextOut = reinterpret_cast<uint8_t*>(out.data() + used);
      bool ok = BrotliEncoderCompressStream(m_state, op, &availIn, &nextIn, &availOut, &nextOut, nullptr);
      out.resize(used + kOutStep - availOut);
      if (!ok) break;
      bool done = op == BROTLI_OPERATION_FINISH ? BrotliEncoderIsFinished(m_state) : availIn == 0;
      if (done && !BrotliEncoderHasMoreOutput(m_state)) break;
    }
    return out;
  }
  BrotliEncoderState* m_state;
};

class ZstdEncoder final : public ContentEncoder {
 public:
  ZstdEncoder() : m_ctx(ZSTD_createCCtx()) {
    if (m_ctx) ZSTD_CCtx_setParameter(m_ctx, ZSTD_c_compressionLevel, 3);
  }
  ~ZstdEncoder() override { ZSTD_freeCCtx(m_ctx); }
  std::string feed(std::string_view data) override { return run(data, ZSTD_e_continue); }
  std::string finish() override { return run({}, ZSTD_e_end); }

 private:
  std::string run(std::string_view data, ZSTD_EndDirective mode) {
    std::string out;
    if (!m_ctx) return out;
    ZSTD_inBuffer in{data.data(), data.size(), 0};
    for (;;) {
      size_t used = out.size();
      out.resize(used + kOutStep);
      ZSTD_outBuffer o{out.data() + used, kOutStep, 0};
      size_t remaining = ZSTD_compressStream2(m_ctx, &o, &in, mode);
      out.resize(used + o.pos);
      if (ZSTD_isError(remaining)) break;
      // continue: done once the input is consumed; end: done once nothing is left to flush.
      if (mode == ZSTD_e_end ? remaining == 0 : in.pos == in.size) break;
    }
    return out;
  }
  ZSTD_CCtx* m_ctx;
};

}  // namespace

std::unique_ptr<ContentEncoder> ContentEncoder::create(std::string_view coding) {
  if (coding == "gzip") return std::make_unique<GzipEncoder>();
  if (coding == "br") return std::make_unique<BrotliEncoder>();
  if (coding == "zstd") return std::make_unique<ZstdEncoder>();
  return nullptr;
}

}  // namespace ps::engine
