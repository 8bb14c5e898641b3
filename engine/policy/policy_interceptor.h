#pragma once
// PolicyInterceptor: applies a PolicyConfig at the request and response stages of every exchange
// (engine/net/hooks.h ExchangeInterceptor). Order at the request stage: filtering (403 naming the
// rule), rate limiting (429 + Retry-After), anonymity (on the forwarded copy), cache lookup (a HIT
// answers without contacting the origin; STALE adds validators). At the response stage: a 304 to a
// revalidation serves the stored body; a cacheable response is stored. Each applied rule is a tag
// on the flow: "blocked:NAME", "rate-limited", "anonymized", "cache:HIT|MISS|STALE|REVALIDATED",
// "cache-store:REASON". Last, the client's copy of the response may be compressed ("compressed:CODING").
// Map and rewrite (map_rewrite_stage.h): Map Local answers after anonymity and before the cache, Map
// Remote changes the target, Rewrite edits the forwarded request and the client's response
// ("map-local:FILE", "map-remote:TARGET", "rewrite:NAME").
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/net/hooks.h"
#include "engine/policy/compression_transform.h"
#include "engine/policy/http_cache.h"
#include "engine/policy/map_rewrite_stage.h"
#include "engine/policy/network_policy.h"
#include "engine/policy/policy_config.h"
#include "engine/policy/token_bucket.h"
#include "engine/query/filter.h"

namespace ps::engine {

class PolicyInterceptor final : public net::ExchangeInterceptor {
 public:
  // `cache`: the engine's cache, shared by every generation of the policies so that a config swap
  // (a policy switched off and on, a settings change) keeps what was stored; null: a cache of its own.
  explicit PolicyInterceptor(std::shared_ptr<const PolicyConfig> config, std::shared_ptr<HttpCache> cache = nullptr);

  bool wantsRequestBody(const Flow& flow) override;
  asio::awaitable<net::StageVerdict> onRequest(Flow& flow, http::RequestHead& forwarded, net::UpstreamTarget& target,
                                               std::string* body, net::tcp::socket* client) override;
  bool wantsResponse(const Flow& flow) override;
  asio::awaitable<net::StageVerdict> onResponse(Flow& flow, http::ResponseHead& head, std::string& body,
                                                net::tcp::socket* client) override;

  // Compression (compression_transform.h): the client's copy of an unencoded textual response.
  std::unique_ptr<net::ResponseBodyTransform> transformResponse(Flow& flow, http::ResponseHead& head) override;
  // Rewrite's header and status rules on 204 / 304 / HEAD answers too.
  void rewriteBodilessHead(Flow& flow, http::ResponseHead& head) override;

  std::vector<PolicyCounter> counters() const;
  HttpCache& cache() { return *m_cache; }

 private:
  net::StageVerdict checkFilter(Flow& flow);
  net::StageVerdict checkRateLimit(Flow& flow);
  std::optional<net::StageVerdict> lookupCache(Flow& flow, http::RequestHead& forwarded);
  bool cacheWantsResponse(const Flow& flow) const;

  std::shared_ptr<const PolicyConfig> m_config;
  std::vector<std::pair<std::string, Filter>> m_block;
  std::vector<std::pair<std::string, Filter>> m_allow;
  KeyedRateLimiter m_limiter;
  std::shared_ptr<HttpCache> m_cache;
  NetworkPolicy m_network;  // network conditions: last at the request stage
  std::shared_ptr<CompressionStats> m_compression = std::make_shared<CompressionStats>();
  std::atomic<uint64_t> m_blocked{0}, m_rateLimited{0}, m_anonymized{0}, m_hits{0}, m_misses{0}, m_revalidated{0},
      m_stored{0};
  // Map Local / Map Remote / Rewrite (map_rewrite_stage.h); after m_config, which it reads.
  MapRewriteStage m_mapRewrite{*m_config};
};

}  // namespace ps::engine
