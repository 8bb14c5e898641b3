// parsePolicyConfig: the JSON form of PolicyConfig (see resources/samples/policies.json). Every value
// is checked where it is read; a mistake names the JSON pointer, and through json_locator (shared
// with the reverse config) its line and column. Unknown keys are errors.
#include <fstream>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engine/policy/policy_config.h"
#include "engine/policy/upstream_proxies.h"
#include "engine/proxy/forward_proxy.h"
#include "engine/proxy/json_locator.h"
#include "engine/query/filter.h"

namespace ps::engine {

namespace {

using nlohmann::json;

struct Problem {
  std::string pointer;
  std::string reason;
};

class Value {
 public:
  Value(const json& v, std::string pointer) : m_v(v), m_pointer(std::move(pointer)) {}
  [[noreturn]] void fail(std::string reason) const { throw Problem{m_pointer, std::move(reason)}; }
  void object(std::initializer_list<const char*> keys) const {
    if (!m_v.is_object()) fail("expected an object");
    for (const auto& [key, unused] : m_v.items()) {
      bool known = false;
      std::string list;
      for (const char* k : keys) {
        known = known || key == k;
        list += (list.empty() ? "" : ", ") + std::string(k);
      }
      if (!known) throw Problem{m_pointer + "/" + escapePointerToken(key), "unknown key '" + key + "' (allowed: " + list + ")"};
    }
  }
  bool has(const char* key) const { return m_v.contains(key); }
  std::vector<std::string> keys() const {
    if (!m_v.is_object()) fail("expected an object");
    std::vector<std::string> out;
    for (const auto& [key, unused] : m_v.items()) out.push_back(key);
    return out;
  }
  Value operator[](const char* key) const { return Value(m_v.at(key), m_pointer + "/" + escapePointerToken(key)); }
  size_t size() const { return m_v.size(); }
  Value at(size_t i) const { return Value(m_v.at(i), m_pointer + "/" + std::to_string(i)); }
  void array() const {
    if (!m_v.is_array()) fail("expected an array");
  }
  bool boolean() const {
    if (!m_v.is_boolean()) fail("expected true or false");
    return m_v.get<bool>();
  }
  std::string string() const {
    if (!m_v.is_string()) fail("expected a string");
    return m_v.get<std::string>();
  }
  double number(double min, double max) const {
    if (!m_v.is_number()) fail("expected a number");
    double d = m_v.get<double>();
    if (!(d >= min && d <= max)) fail("expected a number from " + json(min).dump() + " to " + json(max).dump() + ", got " + m_v.dump());
    return d;
  }
  std::vector<std::string> strings() const {
    array();
    std::vector<std::string> out;
    for (size_t i = 0; i < size(); ++i) out.push_back(at(i).string());
    return out;
  }

 private:
  const json& m_v;
  std::string m_pointer;
};

std::vector<FilterRuleConfig> readRules(const Value& v) {
  v.array();
  std::vector<FilterRuleConfig> rules;
  for (size_t i = 0; i < v.size(); ++i) {
    Value r = v.at(i);
    r.object({"name", "expression"});
    if (!r.has("name") || !r.has("expression")) r.fail("a rule needs \"name\" and \"expression\"");
    FilterRuleConfig rule{r["name"].string(), r["expression"].string()};
    auto parsed = parseFilter(rule.expression);
    if (!parsed.filter) r["expression"].fail("invalid filter: " + parsed.error.message);
    rules.push_back(std::move(rule));
  }
  return rules;
}

void readCompression(const Value& c, CompressionPolicyConfig& config) {
  c.object({"enabled", "codings", "minBytes", "modes"});
  if (c.has("enabled")) config.enabled = c["enabled"].boolean();
  if (c.has("codings")) {
    config.codings = c["codings"].strings();
    if (config.codings.empty()) c["codings"].fail("expected at least one of \"br\", \"zstd\", \"gzip\"");
    for (size_t i = 0; i < config.codings.size(); ++i) {
      const auto& coding = config.codings[i];
      if (coding != "br" && coding != "zstd" && coding != "gzip") {
        c["codings"].at(i).fail("expected \"br\", \"zstd\" or \"gzip\", got \"" + coding + "\"");
      }
    }
  }
  if (c.has("minBytes")) config.minBytes = static_cast<uint64_t>(c["minBytes"].number(0, 1e12));
  if (c.has("modes")) {
    auto modes = c["modes"].strings();
    config.reverse = config.forward = false;
    for (size_t i = 0; i < modes.size(); ++i) {
      if (modes[i] == "reverse") {
        config.reverse = true;
      } else if (modes[i] == "forward") {
        config.forward = true;
      } else {
        c["modes"].at(i).fail("expected \"reverse\" or \"forward\", got \"" + modes[i] + "\"");
      }
    }
  }
}

void readUpstreamProxies(const Value& u, UpstreamProxiesPolicyConfig& config) {
  u.object({"enabled", "rotation", "per", "proxies", "cooldownSeconds"});
  if (u.has("enabled")) config.enabled = u["enabled"].boolean();
  if (u.has("cooldownSeconds")) config.cooldownSeconds = static_cast<unsigned>(u["cooldownSeconds"].number(0, 86400));
  if (u.has("rotation")) {
    std::string rotation = u["rotation"].string();
    if (rotation != "round-robin" && rotation != "random") {
      u["rotation"].fail("expected \"round-robin\" or \"random\", got \"" + rotation + "\"");
    }
    config.rotation = rotation == "random" ? UpstreamProxiesPolicyConfig::Rotation::Random
                                           : UpstreamProxiesPolicyConfig::Rotation::RoundRobin;
  }
  if (u.has("per")) {
    std::string per = u["per"].string();
    if (per != "request" && per != "host") u["per"].fail("expected \"request\" or \"host\", got \"" + per + "\"");
    config.per = per == "host" ? UpstreamProxiesPolicyConfig::Per::Host : UpstreamProxiesPolicyConfig::Per::Request;
  }
  if (u.has("proxies")) {
    Value list = u["proxies"];
    list.array();
    for (size_t i = 0; i < list.size(); ++i) {
      Value e = list.at(i);
      e.object({"url", "name", "hosts"});
      if (!e.has("url")) e.fail("a proxy needs \"url\" (http://[user:pass@]host:port)");
      auto parsed = parseUpstreamProxyUrl(e["url"].string());
      if (!parsed) e["url"].fail(parsed.error().message);
      UpstreamProxyConfig proxy = std::move(parsed.value());
      if (e.has("name")) proxy.name = e["name"].string();
      if (e.has("hosts")) proxy.hosts = e["hosts"].strings();
      for (const auto& other : config.proxies) {
        if (other.name == proxy.name) e.fail("two proxies are named \"" + proxy.name + "\"; give one a \"name\"");
      }
      config.proxies.push_back(std::move(proxy));
    }
  }
  if (config.enabled && config.proxies.empty()) u.fail("enabled without \"proxies\"");
}

// {"enabled": bool, "rules": [...]}: the shape every rule-based policy shares; readRule reads one
// rule (its errors point at it).
template <typename ReadRule>
void readRuleList(const Value& policy, bool& enabled, ReadRule readRule) {
  policy.object({"enabled", "rules"});
  if (policy.has("enabled")) enabled = policy["enabled"].boolean();
  if (!policy.has("rules")) return;
  Value list = policy["rules"];
  list.array();
  for (size_t i = 0; i < list.size(); ++i) readRule(list.at(i));
}

// Map Local / Map Remote / Rewrite (issue 10): every rule is checked here so a running proxy never
// meets a rule it cannot apply (a bad regex, a relative path, a URL that is not http(s)).
std::string readUrlPrefix(const Value& r) {
  std::string prefix = r["urlPrefix"].string();
  if (auto uri = proxy::parseAbsoluteUri(prefix); !uri) r["urlPrefix"].fail("expected an http:// or https:// URL prefix: " + uri.error().message);
  return prefix;
}

void readMapLocal(const Value& m, MapLocalPolicyConfig& config) {
  readRuleList(m, config.enabled, [&](const Value& r) {
    r.object({"urlPrefix", "path"});
    if (!r.has("urlPrefix") || !r.has("path")) r.fail("a rule needs \"urlPrefix\" and \"path\"");
    MapLocalRule rule{readUrlPrefix(r), r["path"].string()};
    // A relative path would depend on the directory the proxy happens to be started from.
    if (rule.path.empty() || rule.path.front() != '/') r["path"].fail("expected an absolute path, got \"" + rule.path + "\"");
    config.rules.push_back(std::move(rule));
  });
  if (config.enabled && config.rules.empty()) m.fail("enabled without \"rules\"");
}

void readMapRemote(const Value& m, MapRemotePolicyConfig& config) {
  readRuleList(m, config.enabled, [&](const Value& r) {
    r.object({"urlPrefix", "target"});
    if (!r.has("urlPrefix") || !r.has("target")) r.fail("a rule needs \"urlPrefix\" and \"target\"");
    MapRemoteRule rule{readUrlPrefix(r), r["target"].string()};
    if (auto uri = proxy::parseAbsoluteUri(rule.target); !uri) {
      r["target"].fail("expected an http:// or https:// URL: " + uri.error().message);
    }
    config.rules.push_back(std::move(rule));
  });
  if (config.enabled && config.rules.empty()) m.fail("enabled without \"rules\"");
}

RewriteRule::Action readRewriteAction(const Value& v) {
  using A = RewriteRule::Action;
  static const std::pair<const char*, A> kActions[] = {
      {"addHeader", A::AddHeader},     {"removeHeader", A::RemoveHeader}, {"setHeader", A::SetHeader},
      {"setStatus", A::SetStatus},     {"replaceBody", A::ReplaceBody},   {"replaceHeaderValue", A::ReplaceHeaderValue}};
  std::string name = v.string();
  for (const auto& [n, a] : kActions) {
    if (name == n) return a;
  }
  v.fail("expected \"addHeader\", \"removeHeader\", \"setHeader\", \"setStatus\", \"replaceBody\" or "
         "\"replaceHeaderValue\", got \"" + name + "\"");
}

void readRewrite(const Value& w, RewritePolicyConfig& config) {
  using A = RewriteRule::Action;
  readRuleList(w, config.enabled, [&](const Value& r) {
    r.object({"name", "stage", "action", "header", "value", "pattern", "status", "urlPrefix"});
    if (!r.has("name") || !r.has("action")) r.fail("a rule needs \"name\" and \"action\"");
    RewriteRule rule;
    rule.name = r["name"].string();
    rule.action = readRewriteAction(r["action"]);
    if (r.has("stage")) {
      std::string stage = r["stage"].string();
      if (stage != "request" && stage != "response") r["stage"].fail("expected \"request\" or \"response\", got \"" + stage + "\"");
      rule.stage = stage == "request" ? RewriteRule::Stage::Request : RewriteRule::Stage::Response;
    }
    if (rule.stage == RewriteRule::Stage::Request && rule.action == A::SetStatus) {
      r["action"].fail("\"setStatus\" applies to the response stage only");
    }
    if (r.has("header")) rule.header = r["header"].string();
    if (r.has("value")) rule.value = r["value"].string();
    if (r.has("pattern")) rule.pattern = r["pattern"].string();
    if (r.has("status")) rule.status = static_cast<int>(r["status"].number(100, 599));
    if (r.has("urlPrefix")) rule.urlPrefix = readUrlPrefix(r);
    const bool needsValue = rule.action != A::RemoveHeader && rule.action != A::SetStatus;
    if (needsValue && !r.has("value")) r.fail("action \"" + r["action"].string() + "\" needs \"value\"");
    if (rule.action == A::SetStatus && !r.has("status")) r.fail("action \"setStatus\" needs \"status\"");
    if (auto valid = validateRewrite(rule); !valid) {
      // Point at the field at fault: the regex, else the rule itself (a missing field).
      if (r.has("pattern") && !rule.pattern.empty()) r["pattern"].fail(valid.error().message);
      r.fail(valid.error().message);
    }
    for (const auto& other : config.rules) {
      if (other.name == rule.name) r["name"].fail("two rewrite rules are named \"" + rule.name + "\"");
    }
    config.rules.push_back(std::move(rule));
  });
  if (config.enabled && config.rules.empty()) w.fail("enabled without \"rules\"");
}

// "networkConditions": {"enabled": true, "rules": [{"hosts": "*.example", "latencyMs": 200, ...}]}.
// Rates are in KiB/s (1024 bytes); 0 or absent = unlimited.
void readNetworkConditions(const Value& n, NetworkConditionsPolicyConfig& config) {
  readRuleList(n, config.enabled, [&](const Value& r) {
    r.object({"name", "hosts", "latencyMs", "jitterMs", "downloadKBps", "uploadKBps", "failureRate", "failure",
              "failureStatus"});
    NetworkConditions rule;
    if (r.has("name")) rule.name = r["name"].string();
    if (!r.has("hosts")) r.fail("a rule needs \"hosts\" (a host pattern such as \"*.example\", or \"*\")");
    rule.hostPattern = r["hosts"].string();
    if (rule.hostPattern.empty()) r["hosts"].fail("expected a host pattern, got an empty string");
    auto ms = [](double v) { return std::chrono::milliseconds(static_cast<int64_t>(v)); };
    if (r.has("latencyMs")) rule.latency = ms(r["latencyMs"].number(0, 600000));
    if (r.has("jitterMs")) rule.jitter = ms(r["jitterMs"].number(0, 600000));
    if (r.has("downloadKBps")) rule.downloadBytesPerSecond = r["downloadKBps"].number(0, 1e9) * 1024;
    if (r.has("uploadKBps")) rule.uploadBytesPerSecond = r["uploadKBps"].number(0, 1e9) * 1024;
    if (r.has("failureRate")) {
      rule.failureRate = r["failureRate"].number(-1e9, 1e9);
      if (rule.failureRate < 0 || rule.failureRate > 1) {
        r["failureRate"].fail("expected a fraction from 0 to 1 (0.1 = one request in ten), got " + json(rule.failureRate).dump());
      }
    }
    if (r.has("failure")) {
      std::string kind = r["failure"].string();
      if (kind != "reset" && kind != "5xx") r["failure"].fail("expected \"reset\" or \"5xx\", got \"" + kind + "\"");
      rule.failure = kind == "reset" ? NetworkConditions::Failure::Reset : NetworkConditions::Failure::ServerError;
    }
    if (r.has("failureStatus")) {
      double status = r["failureStatus"].number(0, 1e9);
      if (status < 500 || status > 599 || status != static_cast<int>(status)) {
        r["failureStatus"].fail("expected a 5xx status (500 to 599), got " + json(status).dump());
      }
      rule.failureStatus = static_cast<int>(status);
    }
    config.rules.push_back(std::move(rule));
  });
}

void readPolicies(const Value& p, PolicyConfig& config) {
  p.object({"cache", "filter", "anonymity", "rateLimit", "compression", "upstreamProxies", "mapLocal", "mapRemote",
            "rewrite", "networkConditions"});
  if (p.has("mapLocal")) readMapLocal(p["mapLocal"], config.mapLocal);
  if (p.has("mapRemote")) readMapRemote(p["mapRemote"], config.mapRemote);
  if (p.has("rewrite")) readRewrite(p["rewrite"], config.rewrite);
  if (p.has("networkConditions")) readNetworkConditions(p["networkConditions"], config.networkConditions);
  if (p.has("compression")) readCompression(p["compression"], config.compression);
  if (p.has("upstreamProxies")) readUpstreamProxies(p["upstreamProxies"], config.upstreamProxies);
  if (p.has("cache")) {
    Value c = p["cache"];
    c.object({"enabled", "maxBytes", "persist"});
    if (c.has("enabled")) config.cache.enabled = c["enabled"].boolean();
    if (c.has("persist")) config.cache.persist = c["persist"].boolean();
    if (c.has("maxBytes")) config.cache.maxBytes = static_cast<size_t>(c["maxBytes"].number(1024, 1e12));
  }
  if (p.has("filter")) {
    Value f = p["filter"];
    f.object({"enabled", "mode", "block", "allow"});
    if (f.has("enabled")) config.filter.enabled = f["enabled"].boolean();
    if (f.has("mode")) {
      std::string mode = f["mode"].string();
      if (mode != "block" && mode != "allow") f["mode"].fail("expected \"block\" or \"allow\", got \"" + mode + "\"");
      config.filter.allowList = mode == "allow";
    }
    if (f.has("block")) config.filter.block = readRules(f["block"]);
    if (f.has("allow")) config.filter.allow = readRules(f["allow"]);
  }
  if (p.has("anonymity")) {
    Value a = p["anonymity"];
    a.object({"enabled", "strip", "replace", "stripCookiesFor"});
    if (a.has("enabled")) config.anonymity.enabled = a["enabled"].boolean();
    if (a.has("strip")) config.anonymity.policy.strip = a["strip"].strings();
    if (a.has("stripCookiesFor")) config.anonymity.policy.stripCookiesFor = a["stripCookiesFor"].strings();
    if (a.has("replace")) {
      // {"User-Agent": "Mozilla/5.0", ...}: any field name, each a string.
      Value r = a["replace"];
      config.anonymity.policy.replace.clear();
      for (const auto& key : r.keys()) config.anonymity.policy.replace.push_back({key, r[key.c_str()].string()});
    }
  }
  if (p.has("rateLimit")) {
    Value r = p["rateLimit"];
    r.object({"enabled", "perSecond", "burst", "key"});
    if (r.has("enabled")) config.rateLimit.enabled = r["enabled"].boolean();
    if (r.has("perSecond")) config.rateLimit.perSecond = r["perSecond"].number(0.001, 1e6);
    config.rateLimit.burst = config.rateLimit.perSecond;
    if (r.has("burst")) config.rateLimit.burst = r["burst"].number(1, 1e6);
    if (r.has("key")) {
      std::string key = r["key"].string();
      if (key != "client" && key != "route") r["key"].fail("expected \"client\" or \"route\", got \"" + key + "\"");
      config.rateLimit.key = key == "route" ? RateLimitPolicyConfig::Key::Route : RateLimitPolicyConfig::Key::ClientAddress;
    }
  }
}

}  // namespace

Result<std::shared_ptr<const PolicyConfig>> parsePolicyConfig(const std::string& text, const std::string& fileName) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) {
    try {
      json strict = json::parse(text);  // throws with the position
      (void)strict;
    } catch (const json::parse_error& e) {
      auto pos = positionAt(text, e.byte > 0 ? e.byte - 1 : 0);
      return Error{fileName + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column) + ": invalid JSON: " + e.what()};
    }
    return Error{fileName + ": invalid JSON"};
  }
  auto config = std::make_shared<PolicyConfig>();
  try {
    if (!doc.is_object()) throw Problem{"", "expected an object"};
    if (doc.contains("policies")) readPolicies(Value(doc.at("policies"), "/policies"), *config);
  } catch (const Problem& p) {
    auto offset = locateJsonPointer(text, p.pointer).value_or(0);
    auto pos = positionAt(text, offset);
    return Error{fileName + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column) + ": " +
                 (p.pointer.empty() ? "/" : p.pointer) + ": " + p.reason};
  }
  return std::shared_ptr<const PolicyConfig>(std::move(config));
}

Result<std::shared_ptr<const PolicyConfig>> loadPolicyConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{path + ": cannot open the file"};
  std::ostringstream text;
  text << in.rdbuf();
  return parsePolicyConfig(text.str(), path);
}

}  // namespace ps::engine
