#include "engine/policy/upstream_proxies.h"

#ifdef _WIN32
#include <ws2tcpip.h>
#else
#include <arpa/inet.h>
#endif

#include <algorithm>
#include <cctype>
#include <charconv>

#include "engine/har/har_text.h"

namespace ps::engine {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

Result<UpstreamProxyConfig> parseUpstreamProxyUrl(std::string_view url) {
  UpstreamProxyConfig out;
  out.url = std::string(url);
  constexpr std::string_view kScheme = "http://";
  if (url.size() < kScheme.size() || lower(url.substr(0, kScheme.size())) != kScheme) {
    return Error{"expected an http:// proxy URL (https proxies are not supported), got \"" + std::string(url) + "\""};
  }
  std::string_view rest = url.substr(kScheme.size());
  size_t slash = rest.find('/');
  if (slash != std::string_view::npos) {
    if (rest.substr(slash) != "/") return Error{"a proxy URL has no path, got \"" + std::string(rest.substr(slash)) + "\""};
    rest = rest.substr(0, slash);
  }
  if (size_t at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    size_t colon = userinfo.find(':');
    out.user = har::percentDecode(userinfo.substr(0, colon), false);
    if (colon != std::string_view::npos) out.password = har::percentDecode(userinfo.substr(colon + 1), false);
    if (out.user.empty()) return Error{"empty user name before '@' in the proxy URL"};
  }
  std::string_view portText;
  if (!rest.empty() && rest.front() == '[') {
    size_t close = rest.find(']');
    if (close == std::string_view::npos) return Error{"unterminated IPv6 address in the proxy URL"};
    out.host = std::string(rest.substr(1, close - 1));
    rest = rest.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return Error{"unexpected characters after the IPv6 address"};
    if (!rest.empty()) portText = rest.substr(1);
  } else {
    size_t colon = rest.rfind(':');
    out.host = lower(rest.substr(0, colon));
    if (colon != std::string_view::npos) portText = rest.substr(colon + 1);
  }
  if (out.host.empty()) return Error{"the proxy URL has no host"};
  out.port = 80;
  if (!portText.empty()) {
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(portText.data(), portText.data() + portText.size(), value);
    if (ec != std::errc() || ptr != portText.data() + portText.size() || value == 0 || value > 65535) {
      return Error{"invalid port \"" + std::string(portText) + "\" in the proxy URL"};
    }
    out.port = static_cast<uint16_t>(value);
  }
  std::string hostText = out.host.find(':') != std::string::npos ? "[" + out.host + "]" : out.host;
  out.name = hostText + ":" + std::to_string(out.port);
  return out;
}

bool hostMatchesPattern(std::string_view host, std::string_view pattern) {
  std::string h = lower(host), p = lower(pattern);
  if (p == "*") return true;
  if (p.rfind("*.", 0) == 0) return h.size() > p.size() - 1 && h.ends_with(p.substr(1));
  return h == p;
}

bool hostBypassed(std::string_view host, std::string_view entry) {
  if (hostMatchesPattern(host, entry)) return true;
  size_t slash = entry.find('/');
  std::string h(host);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  std::string net(entry.substr(0, slash));
  unsigned char want[16] = {}, have[16] = {};
  size_t bytes = 0;
  if (inet_pton(AF_INET, net.c_str(), want) == 1 && inet_pton(AF_INET, h.c_str(), have) == 1) bytes = 4;
  else if (inet_pton(AF_INET6, net.c_str(), want) == 1 && inet_pton(AF_INET6, h.c_str(), have) == 1) bytes = 16;
  if (bytes == 0) return false;
  unsigned bits = static_cast<unsigned>(bytes * 8);
  if (slash != std::string_view::npos) {
    std::string len(entry.substr(slash + 1));
    if (len.empty() || len.find_first_not_of("0123456789") != std::string::npos || len.size() > 3) return false;
    bits = std::min(bits, static_cast<unsigned>(std::stoul(len)));
  }
  for (unsigned i = 0; i < bits; ++i) {
    unsigned mask = 0x80u >> (i % 8);
    if ((want[i / 8] & mask) != (have[i / 8] & mask)) return false;
  }
  return true;
}

UpstreamProxySelector::UpstreamProxySelector(const UpstreamProxiesPolicyConfig& config)
    : m_cooldown(std::chrono::seconds(config.cooldownSeconds)), m_rotation(config.rotation), m_per(config.per) {
  if (!config.enabled) return;
  for (const auto& p : config.proxies) {
    auto proxy = std::make_shared<net::UpstreamProxy>();
    proxy->name = p.name;
    proxy->host = p.host;
    proxy->port = p.port;
    if (!p.user.empty()) proxy->authorization = "Basic " + har::base64Encode(p.user + ":" + p.password);  // RFC 7617
    Entry entry;
    entry.proxy = std::move(proxy);
    entry.hosts = p.hosts;
    entry.bypass = p.bypass;
    m_entries.push_back(std::move(entry));
  }
}

size_t UpstreamProxySelector::pick(size_t poolSize) {
  if (m_rotation == UpstreamProxiesPolicyConfig::Rotation::RoundRobin) {
    return static_cast<size_t>(m_next.fetch_add(1, std::memory_order_relaxed) % poolSize);
  }
  std::lock_guard lock(m_mutex);
  return std::uniform_int_distribution<size_t>(0, poolSize - 1)(m_random);
}

namespace {

int64_t steadyMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

bool UpstreamProxySelector::down(const Entry& e) const { return e.downUntil->load(std::memory_order_relaxed) > steadyMillis(); }

bool UpstreamProxySelector::isDown(const std::string& name) const {
  for (const auto& e : m_entries) {
    if (e.proxy->name == name) return down(e);
  }
  return false;
}

// The proxies covering `host`; those that are up when any is (a pool all down is tried anyway).
std::vector<size_t> UpstreamProxySelector::poolFor(const std::string& host) const {
  std::vector<size_t> pool, up;
  for (size_t i = 0; i < m_entries.size(); ++i) {
    const auto& patterns = m_entries[i].hosts;
    const auto& bypass = m_entries[i].bypass;
    if (std::any_of(bypass.begin(), bypass.end(), [&](const std::string& b) { return hostBypassed(host, b); })) continue;
    if (patterns.empty() ||
        std::any_of(patterns.begin(), patterns.end(), [&](const std::string& p) { return hostMatchesPattern(host, p); })) {
      pool.push_back(i);
      if (!down(m_entries[i])) up.push_back(i);
    }
  }
  return up.empty() ? pool : up;
}

std::shared_ptr<const net::UpstreamProxy> UpstreamProxySelector::select(const std::string& host) {
  std::vector<size_t> pool = poolFor(host);
  if (pool.empty()) {
    m_direct.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  size_t chosen = 0;
  if (m_per == UpstreamProxiesPolicyConfig::Per::Host) {
    // The host keeps its first proxy while that proxy is still in its pool (and up).
    std::string key = lower(host);
    {
      std::lock_guard lock(m_mutex);
      if (auto it = m_byHost.find(key); it != m_byHost.end() && std::find(pool.begin(), pool.end(), it->second) != pool.end()) {
        chosen = it->second;
        m_entries[chosen].requests->fetch_add(1, std::memory_order_relaxed);
        return m_entries[chosen].proxy;
      }
    }
    chosen = pool[pick(pool.size())];
    std::lock_guard lock(m_mutex);
    m_byHost[key] = chosen;
  } else {
    chosen = pool[pick(pool.size())];
  }
  m_entries[chosen].requests->fetch_add(1, std::memory_order_relaxed);
  return m_entries[chosen].proxy;
}

std::shared_ptr<const net::UpstreamProxy> UpstreamProxySelector::failover(const std::string& host, const std::string& failed,
                                                                          const std::vector<std::string>& tried) {
  for (auto& e : m_entries) {
    if (e.proxy->name != failed) continue;
    e.failures->fetch_add(1, std::memory_order_relaxed);
    e.downUntil->store(steadyMillis() + m_cooldown.count(), std::memory_order_relaxed);
  }
  std::vector<size_t> candidates;
  for (size_t i : poolFor(host)) {
    const auto& name = m_entries[i].proxy->name;
    if (!down(m_entries[i]) && std::find(tried.begin(), tried.end(), name) == tried.end()) candidates.push_back(i);
  }
  if (candidates.empty()) return nullptr;
  size_t chosen = candidates[pick(candidates.size())];
  if (m_per == UpstreamProxiesPolicyConfig::Per::Host) {
    std::lock_guard lock(m_mutex);
    m_byHost[lower(host)] = chosen;
  }
  m_entries[chosen].requests->fetch_add(1, std::memory_order_relaxed);
  return m_entries[chosen].proxy;
}

std::vector<PolicyCounter> UpstreamProxySelector::counters() const {
  std::vector<PolicyCounter> out;
  for (const auto& e : m_entries) {
    out.push_back({"upstream." + e.proxy->name + ".requests", e.requests->load()});
    out.push_back({"upstream." + e.proxy->name + ".failures", e.failures->load()});
  }
  out.push_back({"upstream.direct", m_direct.load()});
  return out;
}

}  // namespace ps::engine
