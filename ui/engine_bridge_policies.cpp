// EngineBridge, policies (issue 10): the Policies panel's rows, on/off switches applied at run time
// and the cache purge. Each policy is one entry of kPolicies: a new policy is one more row.
#include <functional>

#include "engine/policy/policy_config.h"
#include "ui/engine_bridge.h"

namespace ps::ui {

namespace eng = ps::engine;

namespace {

struct PolicyDescriptor {
  const char* key;  // the JSON key under "policies" and the counters' prefix ("cache.hits")
  const char* title;
  const char* description;
  const char* howTo;  // the JSON that configures it
  std::function<bool&(eng::PolicyConfig&)> enabled;
  std::function<bool(const eng::PolicyConfig&)> configured;  // would it do anything when on?
  const char* counterPrefix = nullptr;  // when the counters are not named after the key
};

const std::vector<PolicyDescriptor>& policies() {
  static const std::vector<PolicyDescriptor> kPolicies{
      {"cache", "Cache",
       "Serves fresh GET/HEAD responses from memory (RFC 9111: max-age, Vary, ETag revalidation); "
       "flows are tagged HIT / MISS / REVALIDATED.",
       R"("policies": {"cache": {"enabled": true, "maxBytes": 67108864, "persist": false}})",
       [](eng::PolicyConfig& c) -> bool& { return c.cache.enabled; }, [](const eng::PolicyConfig&) { return true; }},
      {"filter", "Filtering",
       "Refuses requests matching a block rule (or, in allow mode, not matching an allow rule) with a 403 "
       "naming the rule.",
       R"("policies": {"filter": {"enabled": true, "mode": "block", "block": [{"name": "ads", "expression": "host:ads.example"}]}})",
       [](eng::PolicyConfig& c) -> bool& { return c.filter.enabled; },
       [](const eng::PolicyConfig& c) { return c.filter.allowList ? true : !c.filter.block.empty(); }},
      {"anonymity", "Anonymity",
       "Strips or replaces identifying request headers (User-Agent, Referer, X-Forwarded-For, cookies of "
       "listed hosts) before forwarding.",
       R"("policies": {"anonymity": {"enabled": true, "strip": ["User-Agent"], "replace": {"User-Agent": "Mozilla/5.0"}, "stripCookiesFor": ["*.example"]}})",
       [](eng::PolicyConfig& c) -> bool& { return c.anonymity.enabled; },
       [](const eng::PolicyConfig& c) {
         const auto& p = c.anonymity.policy;
         return !p.strip.empty() || !p.replace.empty() || !p.stripCookiesFor.empty();
       }},
      {"rateLimit", "Rate limit",
       "Token bucket per client address or per route; requests over the rate get 429 with Retry-After.",
       R"("policies": {"rateLimit": {"enabled": true, "perSecond": 10, "burst": 20, "key": "client"}})",
       [](eng::PolicyConfig& c) -> bool& { return c.rateLimit.enabled; },
       [](const eng::PolicyConfig& c) { return c.rateLimit.perSecond > 0; }},
      {"compression", "Compression",
       "Compresses textual responses with br, zstd or gzip when the client accepts them and the origin did "
       "not (reverse mode; forward when listed in \"modes\"); flows keep both sizes.",
       R"("policies": {"compression": {"enabled": true, "codings": ["br", "zstd", "gzip"], "minBytes": 1024, "modes": ["reverse"]}})",
       [](eng::PolicyConfig& c) -> bool& { return c.compression.enabled; },
       [](const eng::PolicyConfig& c) { return !c.compression.codings.empty(); }},
      {"upstreamProxies", "Upstream proxies",
       "Forward mode: sends requests through other HTTP proxies (basic auth, round-robin or random per "
       "request or per host); each flow names the proxy used. An unreachable proxy is skipped for the next one "
       "and rested for the cool-down.",
       R"("policies": {"upstreamProxies": {"enabled": true, "rotation": "round-robin", "per": "request", "cooldownSeconds": 30, "proxies": [{"url": "http://user:pass@127.0.0.1:3128"}]}})",
       [](eng::PolicyConfig& c) -> bool& { return c.upstreamProxies.enabled; },
       [](const eng::PolicyConfig& c) { return !c.upstreamProxies.proxies.empty(); }, "upstream"},
      {"mapLocal", "Map Local",
       "Answers requests whose URL starts with a prefix from a local file or folder; the origin is never "
       "contacted (404 naming the file when it is missing).",
       R"("policies": {"mapLocal": {"enabled": true, "rules": [{"urlPrefix": "http://api.test/static/", "path": "/home/me/static"}]}})",
       [](eng::PolicyConfig& c) -> bool& { return c.mapLocal.enabled; },
       [](const eng::PolicyConfig& c) { return !c.mapLocal.rules.empty(); }},
      {"mapRemote", "Map Remote",
       "Sends requests whose URL starts with a prefix to another origin (the prefix is replaced by the "
       "target URL; Host follows).",
       R"("policies": {"mapRemote": {"enabled": true, "rules": [{"urlPrefix": "http://api.test/v1/", "target": "http://127.0.0.1:3000/v2/"}]}})",
       [](eng::PolicyConfig& c) -> bool& { return c.mapRemote.enabled; },
       [](const eng::PolicyConfig& c) { return !c.mapRemote.rules.empty(); }},
      {"rewrite", "Rewrite",
       "Adds, removes or replaces request/response headers, sets the status, or replaces textual body "
       "text by regex; each applied rule is tagged on the flow.",
       R"("policies": {"rewrite": {"enabled": true, "rules": [{"name": "dev", "stage": "request", "action": "setHeader", "header": "X-Dev", "value": "1"}]}})",
       [](eng::PolicyConfig& c) -> bool& { return c.rewrite.enabled; },
       [](const eng::PolicyConfig& c) { return !c.rewrite.rules.empty(); }},
      {"networkConditions", "Network conditions",
       "Per host or backend: added latency (with jitter), download/upload caps in KB/s and injected "
       "failures (reset or 5xx at a rate) — watch passive health checks eject a backend.",
       R"("policies": {"networkConditions": {"enabled": true, "rules": [{"hosts": "*.example", "latencyMs": 200, "jitterMs": 50, "downloadKBps": 256, "uploadKBps": 64, "failureRate": 0.1, "failure": "5xx", "failureStatus": 503}]}})",
       [](eng::PolicyConfig& c) -> bool& { return c.networkConditions.enabled; },
       [](const eng::PolicyConfig& c) { return !c.networkConditions.rules.empty(); }, "network"},
  };
  return kPolicies;
}

}  // namespace

QVector<PolicyRowUi> EngineBridge::policyRows() const {
  auto config = m_engine.config();
  eng::PolicyConfig current = config && config->policies ? *config->policies : eng::PolicyConfig{};
  const auto counters = m_engine.policyCounters();
  QVector<PolicyRowUi> rows;
  for (const auto& d : policies()) {
    PolicyRowUi row;
    row.key = QString::fromLatin1(d.key);
    row.title = QString::fromUtf8(d.title);
    row.description = QString::fromUtf8(d.description);
    row.howTo = QString::fromUtf8(d.howTo);
    row.enabled = d.enabled(current);
    row.configured = d.configured(current);
    const std::string prefix = std::string(d.counterPrefix ? d.counterPrefix : d.key) + ".";
    for (const auto& c : counters) {
      if (c.name.starts_with(prefix)) row.counters.push_back({QString::fromStdString(c.name.substr(prefix.size())), c.value});
    }
    if (row.key == QLatin1String("cache") && !row.enabled) {
      // The engine keeps the entries of a cache switched off (and its counters): say so.
      for (const auto& c : row.counters) {
        if (c.name == QLatin1String("entries") && c.value > 0) {
          row.description += QStringLiteral(" Off: %1 stored response(s) kept, not served, until it is on again or "
                                            "purged.").arg(c.value);
        }
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

QString EngineBridge::setPolicyEnabled(const QString& key, bool enabled) {
  for (const auto& d : policies()) {
    if (key != QLatin1String(d.key)) continue;
    auto config = m_engine.config();
    auto next = config ? std::make_shared<eng::EngineConfig>(*config) : std::make_shared<eng::EngineConfig>();
    auto set = next->policies ? std::make_shared<eng::PolicyConfig>(*next->policies) : std::make_shared<eng::PolicyConfig>();
    d.enabled(*set) = enabled;
    next->policies = std::move(set);
    m_engine.setConfig(std::move(next));
    return {};
  }
  return QStringLiteral("unknown policy '%1'").arg(key);
}

qint64 EngineBridge::purgeCache() { return static_cast<qint64>(m_engine.purgeCache()); }

QString EngineBridge::purgeCacheMatching(const QString& filter, qint64* removed) {
  auto purged = m_engine.purgeCacheMatching(filter.toStdString());
  if (!purged) return QString::fromStdString(purged.error().message);
  if (removed != nullptr) *removed = static_cast<qint64>(*purged);
  return {};
}

}  // namespace ps::ui
