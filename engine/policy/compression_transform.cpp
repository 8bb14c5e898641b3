#include "engine/policy/compression_transform.h"

#include <charconv>
#include <nlohmann/json.hpp>

#include "engine/policy/compression_policy.h"
#include "engine/policy/content_encoder.h"

namespace ps::engine {

namespace {

class CompressionTransform final : public net::ResponseBodyTransform {
 public:
  CompressionTransform(std::string coding, std::unique_ptr<ContentEncoder> encoder, std::shared_ptr<CompressionStats> stats)
      : m_coding(std::move(coding)), m_encoder(std::move(encoder)), m_stats(std::move(stats)) {}

  std::string feed(std::string_view data) override {
    m_in += data.size();
    std::string out = m_encoder->feed(data);
    m_out += out.size();
    return out;
  }

  std::string finish(Flow& flow) override {
    std::string out = m_encoder->finish();
    m_out += out.size();
    flow.tags.push_back("compressed:" + m_coding);
    // Kept beside whatever an import put there; captured flows start empty.
    nlohmann::json ext = nlohmann::json::parse(flow.extensions.empty() ? "{}" : flow.extensions, nullptr, false);
    if (!ext.is_object()) ext = nlohmann::json::object();
    ext["entry"]["_compression"] = {{"coding", m_coding}, {"originalBytes", m_in}, {"compressedBytes", m_out}};
    flow.extensions = ext.dump();
    m_stats->responses.fetch_add(1, std::memory_order_relaxed);
    m_stats->bytesIn.fetch_add(m_in, std::memory_order_relaxed);
    m_stats->bytesOut.fetch_add(m_out, std::memory_order_relaxed);
    return out;
  }

 private:
  std::string m_coding;
  std::unique_ptr<ContentEncoder> m_encoder;
  std::shared_ptr<CompressionStats> m_stats;
  uint64_t m_in = 0, m_out = 0;
};

uint64_t announcedLength(const Headers& headers) {
  auto cl = headers.get("Content-Length");
  uint64_t n = 0;
  if (cl) std::from_chars(cl->data(), cl->data() + cl->size(), n);
  return n;
}

}  // namespace

std::unique_ptr<net::ResponseBodyTransform> makeCompressionTransform(const CompressionPolicyConfig& config,
                                                                     const Flow& flow, http::ResponseHead& head,
                                                                     std::shared_ptr<CompressionStats> stats) {
  if (!config.enabled) return nullptr;
  if (flow.mode == ProxyMode::Reverse ? !config.reverse : !config.forward) return nullptr;
  auto accept = flow.request.headers.get("Accept-Encoding");
  if (!accept) return nullptr;  // no Accept-Encoding: identity (RFC 9110 12.5.3)
  Response view;
  view.status = head.status;
  view.headers = head.headers;
  if (!compressionEligible(view, announcedLength(head.headers), config.minBytes).compress) return nullptr;
  // An event stream is read as it arrives; a compressor would hold its events back.
  if (auto ct = head.headers.get("Content-Type"); ct && ct->find("text/event-stream") != std::string_view::npos) {
    return nullptr;
  }
  std::string coding = negotiateCoding(*accept, config.codings);
  auto encoder = ContentEncoder::create(coding);
  if (!encoder) return nullptr;

  head.headers.remove("Content-Length");
  head.headers.set("Content-Encoding", coding);
  // Caches must key the variant on Accept-Encoding (RFC 9110 12.5.5).
  if (!head.headers.hasToken("Vary", "Accept-Encoding") && !head.headers.hasToken("Vary", "*")) {
    head.headers.add("Vary", "Accept-Encoding");
  }
  // The encoded bytes differ from the origin's: a strong validator no longer holds (RFC 9110 8.8.1).
  if (auto etag = head.headers.get("ETag"); etag && etag->rfind("W/", 0) != 0) {
    head.headers.set("ETag", "W/" + std::string(*etag));
  }
  return std::make_unique<CompressionTransform>(coding, std::move(encoder), std::move(stats));
}

}  // namespace ps::engine
