#include "engine/proxy/reverse_config.h"

#include <charconv>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "engine/core/headers.h"

namespace ps::engine {

const char* toString(BalanceStrategy strategy) {
  switch (strategy) {
    case BalanceStrategy::RoundRobin: return "round-robin";
    case BalanceStrategy::WeightedRoundRobin: return "weighted";
    case BalanceStrategy::LeastConnections: return "least-connections";
    case BalanceStrategy::PowerOfTwo: return "random-two";
    case BalanceStrategy::IpHash: return "ip-hash";
    case BalanceStrategy::Cookie: return "cookie";
  }
  return "round-robin";
}

Result<BalanceStrategy> parseBalanceStrategy(std::string_view text) {
  struct Name {
    std::string_view name;
    BalanceStrategy strategy;
  };
  static constexpr Name kNames[] = {
      {"round-robin", BalanceStrategy::RoundRobin},       {"rr", BalanceStrategy::RoundRobin},
      {"weighted", BalanceStrategy::WeightedRoundRobin},   {"wrr", BalanceStrategy::WeightedRoundRobin},
      {"weighted-round-robin", BalanceStrategy::WeightedRoundRobin},
      {"least-connections", BalanceStrategy::LeastConnections}, {"least-conn", BalanceStrategy::LeastConnections},
      {"random-two", BalanceStrategy::PowerOfTwo},         {"p2c", BalanceStrategy::PowerOfTwo},
      {"ip-hash", BalanceStrategy::IpHash},                {"cookie", BalanceStrategy::Cookie},
      {"sticky", BalanceStrategy::Cookie},
  };
  for (const Name& n : kNames) {
    if (iequals(n.name, text)) return n.strategy;
  }
  return Error{"unknown strategy '" + std::string(text) +
               "' (expected round-robin, weighted, least-connections, random-two, ip-hash or cookie)"};
}

const BackendConfig* PoolConfig::findBackend(std::string_view backendName) const {
  for (const BackendConfig& b : backends) {
    if (b.name == backendName) return &b;
  }
  return nullptr;
}

bool RouteConfig::matches(std::string_view requestHost, std::string_view path) const {
  if (!host.empty()) {
    if (host.starts_with("*.")) {
      std::string_view suffix = std::string_view(host).substr(1);  // ".example.com"
      if (requestHost.size() <= suffix.size() ||
          !iequals(requestHost.substr(requestHost.size() - suffix.size()), suffix)) {
        return false;
      }
    } else if (!iequals(host, requestHost)) {
      return false;
    }
  }
  if (!path.starts_with(pathPrefix)) return false;
  // "/api" matches "/api", "/api/x" and "/api?q" but not "/apix".
  if (path.size() == pathPrefix.size() || pathPrefix.ends_with('/')) return true;
  char next = path[pathPrefix.size()];
  return next == '/' || next == '?';
}

const PoolConfig* ReverseConfig::findPool(std::string_view poolName) const {
  for (const PoolConfig& p : pools) {
    if (p.name == poolName) return &p;
  }
  return nullptr;
}

const RouteConfig* ReverseConfig::matchRoute(std::string_view host, std::string_view path) const {
  for (const RouteConfig& r : routes) {
    if (r.matches(host, path)) return &r;
  }
  return nullptr;
}

Result<BackendUrl> parseBackendUrl(std::string_view url) {
  BackendUrl out;
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) return Error{"'" + std::string(url) + "' is not a URL (expected http://HOST:PORT)"};
  std::string scheme(url.substr(0, sep));
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "http" && scheme != "https") {
    return Error{"unsupported scheme '" + scheme + "' in '" + std::string(url) + "' (expected http or https)"};
  }
  out.scheme = scheme;
  out.port = scheme == "https" ? 443 : 80;
  std::string_view rest = url.substr(sep + 3);
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos && rest.substr(slash) != "/") {
    return Error{"a backend URL has no path: '" + std::string(url) + "' (routes strip or keep paths)"};
  }
  if (authority.find('@') != std::string_view::npos) {
    return Error{"user information is not allowed in a backend URL: '" + std::string(url) + "'"};
  }
  std::string_view portText;
  if (authority.starts_with('[')) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return Error{"unclosed '[' in '" + std::string(url) + "'"};
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return Error{"expected ':' after ']' in '" + std::string(url) + "'"};
      portText = after.substr(1);
      if (portText.empty()) return Error{"empty port in '" + std::string(url) + "'"};
    }
  } else {
    size_t colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      portText = authority.substr(colon + 1);
      if (portText.empty()) return Error{"empty port in '" + std::string(url) + "'"};
    }
  }
  if (out.host.empty()) return Error{"no host in '" + std::string(url) + "'"};
  if (!portText.empty()) {
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(portText.data(), portText.data() + portText.size(), value);
    if (ec != std::errc() || ptr != portText.data() + portText.size() || value == 0 || value > 65535) {
      return Error{"invalid port '" + std::string(portText) + "' in '" + std::string(url) + "' (1-65535)"};
    }
    out.port = static_cast<uint16_t>(value);
  }
  return out;
}

Result<ReverseConfig> loadReverseConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{path + ": cannot open the reverse-proxy configuration file"};
  std::ostringstream text;
  text << in.rdbuf();
  return parseReverseConfig(text.str(), path);
}

bool fileHasReverseConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return true;
  auto doc = nlohmann::json::parse(in, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return true;
  for (const char* key : {"listeners", "routes", "pools", "headers"}) {
    if (doc.contains(key)) return true;
  }
  return !doc.contains("policies");
}

Result<ReverseConfig> reverseConfigFromCommandLine(const std::vector<std::string>& backendUrls,
                                                   std::string_view balance, const Endpoint& listen) {
  ReverseConfig config;
  config.source = "command line";
  config.listeners.push_back(ReverseListener{listen, false, {}, {}, {}});
  PoolConfig pool;
  pool.name = "default";
  if (!balance.empty()) {
    auto strategy = parseBalanceStrategy(balance);
    if (!strategy) return Error{"--balance: " + strategy.error().message};
    pool.strategy = *strategy;
  }
  if (backendUrls.empty()) return Error{"reverse mode needs at least one --backend URL (or --config FILE, --demo-backends N)"};
  for (size_t i = 0; i < backendUrls.size(); ++i) {
    auto url = parseBackendUrl(backendUrls[i]);
    if (!url) return Error{"--backend: " + url.error().message};
    BackendConfig b;
    b.name = "b" + std::to_string(i + 1);
    b.url = backendUrls[i];
    b.scheme = url->scheme;
    b.host = url->host;
    b.port = url->port;
    pool.backends.push_back(std::move(b));
  }
  config.pools.push_back(std::move(pool));
  config.routes.push_back(RouteConfig{"", "/", false, "default"});
  return config;
}

}  // namespace ps::engine
