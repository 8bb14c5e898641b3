// parseReverseConfig: the JSON form of ReverseConfig (see resources/samples/reverse.json).
// Every value is checked for type and range where it is read; a mistake stops the load with the
// JSON pointer of the offending value and, through json_locator, its line and column.
#include <nlohmann/json.hpp>
#include <set>

#include "engine/proxy/json_locator.h"
#include "engine/proxy/reverse_config.h"

namespace ps::engine {

namespace {

using nlohmann::json;

// Thrown inside the reader only; parseReverseConfig turns it into an Error.
struct ConfigProblem {
  std::string pointer;
  std::string reason;
};

const char* typeName(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::object: return "an object";
    case json::value_t::array: return "an array";
    case json::value_t::string: return "a string";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "an integer";
    case json::value_t::number_float: return "a number with a fraction";
    default: return "an unsupported value";
  }
}

// A JSON value with the pointer that leads to it.
class Node {
 public:
  Node(const json& value, std::string pointer) : m_value(value), m_pointer(std::move(pointer)) {}

  const json& value() const { return m_value; }
  const std::string& pointer() const { return m_pointer; }

  [[noreturn]] void fail(std::string reason) const { throw ConfigProblem{m_pointer, std::move(reason)}; }

  void expectObject(std::initializer_list<std::string_view> allowedKeys) const {
    if (!m_value.is_object()) fail(std::string("expected an object, got ") + typeName(m_value));
    for (const auto& [key, unused] : m_value.items()) {
      bool known = false;
      for (std::string_view allowed : allowedKeys) known = known || allowed == key;
      if (!known) {
        std::string list;
        for (std::string_view allowed : allowedKeys) list += (list.empty() ? "" : ", ") + std::string(allowed);
        throw ConfigProblem{m_pointer + "/" + escapePointerToken(key),
                            "unknown key '" + key + "' (allowed here: " + list + ")"};
      }
    }
  }
  bool has(const char* key) const { return m_value.contains(key); }
  Node member(const std::string& key) const {
    return Node(m_value.at(key), m_pointer + "/" + escapePointerToken(key));
  }
  Node element(size_t index) const { return Node(m_value.at(index), m_pointer + "/" + std::to_string(index)); }

  std::string asString() const {
    if (!m_value.is_string()) fail(std::string("expected a string, got ") + typeName(m_value));
    return m_value.get<std::string>();
  }
  bool asBool() const {
    if (!m_value.is_boolean()) fail(std::string("expected true or false, got ") + typeName(m_value));
    return m_value.get<bool>();
  }
  uint64_t asUnsigned(uint64_t min, uint64_t max) const {
    if (!m_value.is_number_integer()) fail(std::string("expected an integer, got ") + typeName(m_value));
    if (m_value.is_number_integer() && !m_value.is_number_unsigned() && m_value.get<int64_t>() < 0) {
      fail("expected an integer from " + std::to_string(min) + " to " + std::to_string(max) + ", got " +
           m_value.dump());
    }
    uint64_t v = m_value.get<uint64_t>();
    if (v < min || v > max) {
      fail("expected an integer from " + std::to_string(min) + " to " + std::to_string(max) + ", got " +
           std::to_string(v));
    }
    return v;
  }
  std::chrono::milliseconds asMillis() const {
    return std::chrono::milliseconds(asUnsigned(1, 24ull * 3600 * 1000));
  }

 private:
  const json& m_value;
  std::string m_pointer;
};

ReverseListener readListener(const Node& n) {
  n.expectObject({"listen", "tls", "cert", "key", "serverName"});
  ReverseListener l;
  if (!n.has("listen")) n.fail("missing key 'listen' (\"HOST:PORT\")");
  Node listen = n.member("listen");
  auto ep = parseEndpoint(listen.asString());
  if (!ep) listen.fail(ep.error().message);
  l.listen = *ep;
  if (n.has("tls")) l.tls = n.member("tls").asBool();
  if (n.has("cert")) l.certFile = n.member("cert").asString();
  if (n.has("key")) l.keyFile = n.member("key").asString();
  if (n.has("serverName")) l.serverName = n.member("serverName").asString();
  if (l.certFile.empty() != l.keyFile.empty()) n.fail("'cert' and 'key' go together: give both or neither");
  return l;
}

HealthCheckConfig readHealth(const Node& n) {
  n.expectObject({"enabled", "path", "intervalMs", "timeoutMs", "expectStatus", "unhealthyAfter", "healthyAfter"});
  HealthCheckConfig h;
  if (n.has("enabled")) h.enabled = n.member("enabled").asBool();
  if (n.has("path")) {
    Node p = n.member("path");
    h.path = p.asString();
    if (!h.path.starts_with('/')) p.fail("a health-check path starts with '/', got '" + h.path + "'");
  }
  if (n.has("intervalMs")) h.interval = n.member("intervalMs").asMillis();
  if (n.has("timeoutMs")) h.timeout = n.member("timeoutMs").asMillis();
  if (n.has("expectStatus")) {
    Node s = n.member("expectStatus");
    h.expectStatus = static_cast<int>(s.asUnsigned(0, 599));
    if (h.expectStatus != 0 && h.expectStatus < 100) s.fail("expected 0 (any 2xx/3xx) or a status from 100 to 599");
  }
  if (n.has("unhealthyAfter")) h.unhealthyAfter = static_cast<unsigned>(n.member("unhealthyAfter").asUnsigned(1, 100));
  if (n.has("healthyAfter")) h.healthyAfter = static_cast<unsigned>(n.member("healthyAfter").asUnsigned(1, 100));
  return h;
}

EjectionConfig readEjection(const Node& n) {
  n.expectObject({"enabled", "consecutiveFailures", "cooldownMs", "on5xx"});
  EjectionConfig e;
  if (n.has("enabled")) e.enabled = n.member("enabled").asBool();
  if (n.has("consecutiveFailures")) {
    e.consecutiveFailures = static_cast<unsigned>(n.member("consecutiveFailures").asUnsigned(1, 1000));
  }
  if (n.has("cooldownMs")) e.cooldown = n.member("cooldownMs").asMillis();
  if (n.has("on5xx")) e.on5xx = n.member("on5xx").asBool();
  return e;
}

BackendConfig readBackend(const Node& n, size_t index) {
  n.expectObject({"name", "url", "weight", "enabled"});
  BackendConfig b;
  b.name = "b" + std::to_string(index + 1);
  if (n.has("name")) {
    Node name = n.member("name");
    b.name = name.asString();
    if (b.name.empty()) name.fail("a backend name is not empty");
    for (char c : b.name) {
      // The name travels in a cookie value (RFC 6265 4.1.1 cookie-octet) and in flow tags.
      if (c <= 0x20 || c >= 0x7f || c == '"' || c == ',' || c == ';' || c == '\\') {
        name.fail("a backend name uses letters, digits and punctuation other than '\"' ',' ';' '\\' (got '" +
                  b.name + "')");
      }
    }
  }
  if (!n.has("url")) n.fail("missing key 'url' (\"http://HOST:PORT\")");
  Node url = n.member("url");
  b.url = url.asString();
  auto parsed = parseBackendUrl(b.url);
  if (!parsed) url.fail(parsed.error().message);
  b.scheme = parsed->scheme;
  b.host = parsed->host;
  b.port = parsed->port;
  if (n.has("weight")) b.weight = static_cast<unsigned>(n.member("weight").asUnsigned(1, 1000));
  if (n.has("enabled")) b.enabled = n.member("enabled").asBool();
  return b;
}

PoolConfig readPool(const Node& n, const std::string& name) {
  n.expectObject({"strategy", "backends", "healthCheck", "ejection", "retries", "connectTimeoutMs",
                  "responseTimeoutMs", "cookieName"});
  PoolConfig p;
  p.name = name;
  if (n.has("strategy")) {
    Node s = n.member("strategy");
    auto strategy = parseBalanceStrategy(s.asString());
    if (!strategy) s.fail(strategy.error().message);
    p.strategy = *strategy;
  }
  if (!n.has("backends")) n.fail("missing key 'backends' (an array of {\"url\": ...})");
  Node backends = n.member("backends");
  if (!backends.value().is_array()) backends.fail(std::string("expected an array, got ") + typeName(backends.value()));
  if (backends.value().empty()) backends.fail("a pool needs at least one backend");
  std::set<std::string> names;
  for (size_t i = 0; i < backends.value().size(); ++i) {
    Node bn = backends.element(i);
    BackendConfig b = readBackend(bn, i);
    if (!names.insert(b.name).second) {
      Node where = bn.has("name") ? bn.member("name") : bn;
      where.fail("duplicate backend name '" + b.name + "' in pool '" + name + "'");
    }
    p.backends.push_back(std::move(b));
  }
  if (n.has("healthCheck")) p.health = readHealth(n.member("healthCheck"));
  if (n.has("ejection")) p.ejection = readEjection(n.member("ejection"));
  if (n.has("retries")) p.retries = static_cast<unsigned>(n.member("retries").asUnsigned(0, 5));
  if (n.has("connectTimeoutMs")) p.connectTimeout = n.member("connectTimeoutMs").asMillis();
  if (n.has("responseTimeoutMs")) p.responseTimeout = n.member("responseTimeoutMs").asMillis();
  if (n.has("cookieName")) {
    Node c = n.member("cookieName");
    p.cookieName = c.asString();
    if (p.cookieName.empty() || p.cookieName.find_first_of(" \t\"(),/:;<=>?@[\\]{}") != std::string::npos) {
      c.fail("a cookie name is a non-empty token (RFC 6265 4.1.1), got '" + p.cookieName + "'");
    }
  }
  return p;
}

RouteConfig readRoute(const Node& n) {
  n.expectObject({"host", "pathPrefix", "stripPrefix", "pool"});
  RouteConfig r;
  if (n.has("host")) r.host = n.member("host").asString();
  if (n.has("pathPrefix")) {
    Node p = n.member("pathPrefix");
    r.pathPrefix = p.asString();
    if (!r.pathPrefix.starts_with('/')) p.fail("a path prefix starts with '/', got '" + r.pathPrefix + "'");
  }
  if (n.has("stripPrefix")) r.stripPrefix = n.member("stripPrefix").asBool();
  if (!n.has("pool")) n.fail("missing key 'pool' (the name of a pool under /pools)");
  r.pool = n.member("pool").asString();
  return r;
}

HeaderPolicy readHeaders(const Node& n) {
  n.expectObject({"xForwarded", "forwarded", "preserveHost", "hostRewrite", "stripBackendIdentity"});
  HeaderPolicy h;
  if (n.has("xForwarded")) h.xForwarded = n.member("xForwarded").asBool();
  if (n.has("forwarded")) h.forwarded = n.member("forwarded").asBool();
  if (n.has("preserveHost")) h.preserveHost = n.member("preserveHost").asBool();
  if (n.has("hostRewrite")) h.hostRewrite = n.member("hostRewrite").asString();
  if (n.has("stripBackendIdentity")) h.stripBackendIdentity = n.member("stripBackendIdentity").asBool();
  if (!h.hostRewrite.empty() && h.preserveHost) {
    n.member("hostRewrite").fail("'hostRewrite' needs \"preserveHost\": false");
  }
  return h;
}

ReverseConfig readConfig(const Node& root) {
  root.expectObject({"listeners", "routes", "pools", "headers", "policies"});  // policies: engine/policy
  ReverseConfig config;
  if (!root.has("pools")) root.fail("missing key 'pools' (an object of named upstream pools)");
  Node pools = root.member("pools");
  if (!pools.value().is_object()) pools.fail(std::string("expected an object of named pools, got ") + typeName(pools.value()));
  for (const auto& [name, unused] : pools.value().items()) {
    config.pools.push_back(readPool(pools.member(name), name));
  }
  if (config.pools.empty()) pools.fail("at least one pool is needed");
  if (root.has("listeners")) {
    Node ls = root.member("listeners");
    if (!ls.value().is_array()) ls.fail(std::string("expected an array, got ") + typeName(ls.value()));
    for (size_t i = 0; i < ls.value().size(); ++i) config.listeners.push_back(readListener(ls.element(i)));
  }
  if (root.has("routes")) {
    Node rs = root.member("routes");
    if (!rs.value().is_array()) rs.fail(std::string("expected an array, got ") + typeName(rs.value()));
    for (size_t i = 0; i < rs.value().size(); ++i) {
      Node rn = rs.element(i);
      RouteConfig r = readRoute(rn);
      if (config.findPool(r.pool) == nullptr) rn.member("pool").fail("no pool named '" + r.pool + "' under /pools");
      config.routes.push_back(std::move(r));
    }
  }
  if (config.routes.empty()) config.routes.push_back(RouteConfig{"", "/", false, config.pools.front().name});
  if (root.has("headers")) config.headers = readHeaders(root.member("headers"));
  return config;
}

}  // namespace

Result<ReverseConfig> parseReverseConfig(std::string_view text, std::string_view fileName) {
  std::string file(fileName.empty() ? "<config>" : fileName);
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    // e.byte is the 1-based offset of the last byte read; the message after "column N: " is the reason.
    size_t offset = e.byte > 0 ? e.byte - 1 : 0;
    TextPosition at = positionAt(text, offset);
    std::string reason = e.what();
    if (size_t col = reason.find("column "); col != std::string::npos) {
      if (size_t colon = reason.find(": ", col); colon != std::string::npos) reason = reason.substr(colon + 2);
    }
    return Error{file + ":" + std::to_string(at.line) + ":" + std::to_string(at.column) + ": invalid JSON: " + reason};
  }
  try {
    ReverseConfig config = readConfig(Node(doc, ""));
    config.source = file;
    return config;
  } catch (const ConfigProblem& p) {
    std::string where = file;
    if (auto offset = locateJsonPointer(text, p.pointer)) {
      TextPosition at = positionAt(text, *offset);
      where += ":" + std::to_string(at.line) + ":" + std::to_string(at.column);
    }
    return Error{where + ": " + (p.pointer.empty() ? "/" : p.pointer) + ": " + p.reason};
  } catch (const json::exception& e) {
    return Error{file + ": " + e.what()};
  }
}

}  // namespace ps::engine
