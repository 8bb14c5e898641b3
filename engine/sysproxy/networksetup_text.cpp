#include "engine/sysproxy/networksetup_text.h"

#include <cctype>
#include <charconv>

namespace ps::engine {

namespace {

std::vector<std::string_view> lines(std::string_view text) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    if (!line.empty()) out.push_back(line);
    start = end + 1;
  }
  return out;
}

std::optional<uint16_t> parsePort(std::string_view s) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || value > 65535) return std::nullopt;
  return static_cast<uint16_t>(value);
}

}  // namespace

std::vector<std::string> parseNetworkServices(std::string_view text) {
  std::vector<std::string> out;
  for (auto line : lines(text)) {
    // "An asterisk (*) denotes that a network service is disabled."
    if (line.starts_with("An asterisk") || line.starts_with("*")) continue;
    out.emplace_back(line);
  }
  return out;
}

std::optional<NetworksetupProxy> parseNetworksetupProxy(std::string_view text) {
  NetworksetupProxy out;
  bool sawEnabled = false;
  for (auto line : lines(text)) {
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view key = line.substr(0, colon);
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (key == "Enabled") {
      sawEnabled = true;
      out.enabled = value == "Yes";
    } else if (key == "Server") {
      out.server = std::string(value);
    } else if (key == "Port") {
      out.port = parsePort(value).value_or(0);
    }
  }
  if (!sawEnabled) return std::nullopt;
  return out;
}

std::vector<std::string> parseBypassDomains(std::string_view text) {
  std::vector<std::string> out;
  for (auto line : lines(text)) {
    if (line.starts_with("There aren't any bypass domains")) return {};
    out.emplace_back(line);
  }
  return out;
}

std::string encodeNetworksetupProxy(const NetworksetupProxy& proxy) {
  return std::string(proxy.enabled ? "on" : "off") + " " + (proxy.server.empty() ? "-" : proxy.server) + " " +
         std::to_string(proxy.port);
}

std::optional<NetworksetupProxy> decodeNetworksetupProxy(std::string_view value) {
  size_t a = value.find(' ');
  size_t b = a == std::string_view::npos ? a : value.find(' ', a + 1);
  if (b == std::string_view::npos) return std::nullopt;
  std::string_view state = value.substr(0, a);
  if (state != "on" && state != "off") return std::nullopt;
  auto port = parsePort(value.substr(b + 1));
  if (!port) return std::nullopt;
  NetworksetupProxy out;
  out.enabled = state == "on";
  std::string_view server = value.substr(a + 1, b - a - 1);
  out.server = server == "-" ? std::string() : std::string(server);
  out.port = *port;
  return out;
}

std::vector<std::vector<std::string>> networksetupSetProxy(const std::string& service, const std::string& kind,
                                                           const NetworksetupProxy& proxy) {
  std::vector<std::vector<std::string>> out;
  // -setwebproxy turns the proxy on as a side effect; the state command afterwards makes the
  // final state the intended one (a prior "off" with a remembered server is restored as such).
  if (!proxy.server.empty()) {
    out.push_back({"networksetup", "-set" + kind + "proxy", service, proxy.server, std::to_string(proxy.port)});
  }
  out.push_back({"networksetup", "-set" + kind + "proxystate", service, proxy.enabled ? "on" : "off"});
  return out;
}

std::vector<std::string> networksetupSetBypass(const std::string& service, const std::vector<std::string>& domains) {
  std::vector<std::string> out{"networksetup", "-setproxybypassdomains", service};
  if (domains.empty()) out.emplace_back("Empty");
  for (const auto& d : domains) out.push_back(d);
  return out;
}

}  // namespace ps::engine
