#include "engine/policy/policy_interceptor.h"

#include <cmath>


namespace ps::engine {

namespace {

net::StageVerdict answer(int status, std::string body, Headers extra = {}) {
  net::StageVerdict v;
  v.kind = net::StageVerdict::Kind::Respond;
  v.response.status = status;
  v.response.headers = std::move(extra);
  v.response.headers.set("Content-Type", "text/plain; charset=utf-8");
  v.response.body.captured = std::move(body);
  v.response.body.size = v.response.body.captured.size();
  return v;
}

bool cacheableMethod(const std::string& method) { return method == "GET" || method == "HEAD"; }
bool unsafeMethod(const std::string& method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS" && method != "TRACE";
}

}  // namespace

PolicyInterceptor::PolicyInterceptor(std::shared_ptr<const PolicyConfig> config, std::shared_ptr<HttpCache> cache)
    : m_config(std::move(config)),
      m_limiter(m_config->rateLimit.perSecond, m_config->rateLimit.burst),
      m_cache(cache ? std::move(cache) : std::make_shared<HttpCache>(m_config->cache.maxBytes)),
      m_network(m_config->networkConditions) {
  // The expressions were checked when the config was loaded; one that fails here is skipped.
  for (const auto& r : m_config->filter.block) {
    if (auto p = parseFilter(r.expression); p.filter) m_block.emplace_back(r.name, std::move(*p.filter));
  }
  for (const auto& r : m_config->filter.allow) {
    if (auto p = parseFilter(r.expression); p.filter) m_allow.emplace_back(r.name, std::move(*p.filter));
  }
}

bool PolicyInterceptor::wantsRequestBody(const Flow& flow) { return m_mapRewrite.wantsRequestBody(flow); }

net::StageVerdict PolicyInterceptor::checkFilter(Flow& flow) {
  const auto& f = m_config->filter;
  if (!f.enabled) return net::StageVerdict::proceed();
  for (const auto& [name, filter] : m_block) {
    if (filter.matches(flow)) {
      flow.tags.push_back("blocked:" + name);
      m_blocked.fetch_add(1, std::memory_order_relaxed);
      return answer(403, "Blocked by Proxyscope filter rule '" + name + "' (" + filter.text() + ")\n");
    }
  }
  if (f.allowList) {
    for (const auto& [name, filter] : m_allow) {
      if (filter.matches(flow)) {
        flow.tags.push_back("allowed:" + name);
        return net::StageVerdict::proceed();
      }
    }
    flow.tags.push_back("blocked:allow-list");
    m_blocked.fetch_add(1, std::memory_order_relaxed);
    return answer(403, "Blocked by Proxyscope: no allow-list rule matches " + flow.request.url() + "\n");
  }
  return net::StageVerdict::proceed();
}

net::StageVerdict PolicyInterceptor::checkRateLimit(Flow& flow) {
  const auto& r = m_config->rateLimit;
  if (!r.enabled) return net::StageVerdict::proceed();
  std::string key;
  if (r.key == RateLimitPolicyConfig::Key::Route) {
    key = flow.request.authority() + flow.request.path.substr(0, flow.request.path.find('?'));
  } else {
    key = flow.clientAddress.substr(0, flow.clientAddress.rfind(':'));
  }
  auto wait = m_limiter.acquire(key);
  if (wait.count() == 0) return net::StageVerdict::proceed();
  flow.tags.push_back("rate-limited");
  m_rateLimited.fetch_add(1, std::memory_order_relaxed);
  // Retry-After is in whole seconds (RFC 9110 10.2.3): round up, at least 1.
  auto seconds = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(static_cast<double>(wait.count()) / 1e6)));
  Headers extra;
  extra.set("Retry-After", std::to_string(seconds));
  return answer(429, "Rate limit exceeded (" + key + "); retry after " + std::to_string(seconds) + " s\n", extra);
}

std::optional<net::StageVerdict> PolicyInterceptor::lookupCache(Flow& flow, http::RequestHead& forwarded) {
  if (!m_config->cache.enabled) return std::nullopt;
  if (unsafeMethod(flow.request.method)) {
    m_cache->invalidate(flow.request.url());  // RFC 9111 4.4
    return std::nullopt;
  }
  if (!cacheableMethod(flow.request.method)) return std::nullopt;
  // A client's own conditional request is passed through untouched.
  if (forwarded.headers.has("If-None-Match") || forwarded.headers.has("If-Modified-Since")) return std::nullopt;
  auto found = m_cache->lookup(flow.request);
  switch (found.outcome) {
    case HttpCache::Outcome::Hit: {
      flow.tags.push_back("cache:HIT");
      m_hits.fetch_add(1, std::memory_order_relaxed);
      net::StageVerdict v;
      v.kind = net::StageVerdict::Kind::Respond;
      v.response = found.entry->response;
      v.response.headers.set("Age", std::to_string(HttpCache::currentAge(*found.entry, HttpCache::Clock::now())));
      v.response.headers.set("X-Proxyscope-Cache", "HIT");
      return v;
    }
    case HttpCache::Outcome::Stale:
      flow.tags.push_back("cache:STALE");
      HttpCache::addValidators(*found.entry, forwarded.headers);
      return std::nullopt;
    case HttpCache::Outcome::Miss:
      flow.tags.push_back("cache:MISS");
      m_misses.fetch_add(1, std::memory_order_relaxed);
      return std::nullopt;
  }
  return std::nullopt;
}

asio::awaitable<net::StageVerdict> PolicyInterceptor::onRequest(Flow& flow, http::RequestHead& forwarded,
                                                                net::UpstreamTarget& target, std::string* body,
                                                                net::tcp::socket* client) {
  // The proxy's own answers get the response rewrite rules like an origin's answer would.
  auto answered = [this, &flow](net::StageVerdict v) {
    if (v.kind == net::StageVerdict::Kind::Respond) m_mapRewrite.rewriteAnswer(flow, v.response);
    return v;
  };
  if (auto v = checkFilter(flow); v.kind != net::StageVerdict::Kind::Continue) co_return answered(std::move(v));
  if (auto v = checkRateLimit(flow); v.kind != net::StageVerdict::Kind::Continue) co_return answered(std::move(v));
  if (m_config->anonymity.enabled) {
    auto removed = applyAnonymity(m_config->anonymity.policy, flow.request.host, forwarded.headers);
    if (!removed.empty()) {
      std::string list;
      for (const auto& name : removed) list += (list.empty() ? "" : ",") + name;
      flow.tags.push_back("anonymized:" + list);
      m_anonymized.fetch_add(1, std::memory_order_relaxed);
    }
  }
  if (auto v = m_mapRewrite.onRequest(flow, forwarded, target, body)) co_return answered(std::move(*v));
  if (auto v = lookupCache(flow, forwarded)) co_return answered(std::move(*v));
  // Network conditions' injected failures stand for the network's answer: left as they are.
  if (auto v = co_await m_network.apply(flow, target, client)) co_return std::move(*v);
  co_return net::StageVerdict::proceed();
}

bool PolicyInterceptor::wantsResponse(const Flow& flow) {
  return cacheWantsResponse(flow) || m_mapRewrite.wantsResponseBody(flow);
}

bool PolicyInterceptor::cacheWantsResponse(const Flow& flow) const {
  return m_config->cache.enabled && cacheableMethod(flow.request.method) &&
         (flow.hasTag("cache:MISS") || flow.hasTag("cache:STALE"));
}

asio::awaitable<net::StageVerdict> PolicyInterceptor::onResponse(Flow& flow, http::ResponseHead& head,
                                                                 std::string& body, net::tcp::socket* client) {
  (void)client;
  if (!cacheWantsResponse(flow)) {
    m_mapRewrite.rewriteResponseBody(flow, head, body);
    co_return net::StageVerdict::proceed();
  }
  if (flow.hasTag("cache:STALE") && head.status == 304) {
    Response notModified;
    notModified.status = 304;
    notModified.headers = head.headers;
    if (auto served = m_cache->revalidated(flow.request, notModified)) {
      flow.tags.push_back("cache:REVALIDATED");
      m_revalidated.fetch_add(1, std::memory_order_relaxed);
      net::StageVerdict v;
      v.kind = net::StageVerdict::Kind::Respond;
      v.response = std::move(*served);
      v.response.headers.set("X-Proxyscope-Cache", "REVALIDATED");
      // The body rules here; the head rules follow on the client's copy (transformResponse).
      m_mapRewrite.rewriteAnswer(flow, v.response, false);
      co_return v;
    }
  }
  Response response;
  response.status = head.status;
  response.reason = head.reason;
  response.headers = head.headers;
  response.body.captured = body;
  response.body.size = body.size();
  auto decision = m_cache->store(flow.request, response);
  flow.tags.push_back(std::string(decision.storable ? "cache-stored:" : "cache-not-stored:") + decision.reason);
  if (decision.storable) m_stored.fetch_add(1, std::memory_order_relaxed);
  // The cache keeps the origin's body; the client gets the rewritten one.
  m_mapRewrite.rewriteResponseBody(flow, head, body);
  co_return net::StageVerdict::proceed();
}

void PolicyInterceptor::rewriteBodilessHead(Flow& flow, http::ResponseHead& head) { m_mapRewrite.rewriteResponseHead(flow, head); }

std::unique_ptr<net::ResponseBodyTransform> PolicyInterceptor::transformResponse(Flow& flow, http::ResponseHead& head) {
  m_mapRewrite.rewriteResponseHead(flow, head);
  return makeCompressionTransform(m_config->compression, flow, head, m_compression);
}

std::vector<PolicyCounter> PolicyInterceptor::counters() const {
  std::vector<PolicyCounter> out{{"compression.responses", m_compression->responses.load()},
          {"compression.bytesIn", m_compression->bytesIn.load()},
          {"compression.bytesOut", m_compression->bytesOut.load()},
          {"filter.blocked", m_blocked.load()},     {"rateLimit.limited", m_rateLimited.load()},
          {"anonymity.applied", m_anonymized.load()}, {"cache.hits", m_hits.load()},
          {"cache.misses", m_misses.load()},         {"cache.revalidated", m_revalidated.load()},
          {"cache.stored", m_stored.load()},         {"cache.entries", m_cache->entries()}};
  for (auto& c : m_mapRewrite.counters()) out.push_back(std::move(c));
  m_network.addCounters(out);
  return out;
}

}  // namespace ps::engine
