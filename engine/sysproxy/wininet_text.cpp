#include "engine/sysproxy/wininet_text.h"

#include <cstdint>

namespace ps::engine {

namespace {

std::vector<std::string> split(std::string_view text, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(sep, start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view item = text.substr(start, end - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    start = end + 1;
  }
  return out;
}

bool allDigits(std::string_view s) { return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos; }

}  // namespace

std::string winInetProxyServer(const std::string& host, uint16_t port) {
  std::string h = host.find(':') != std::string::npos && host.front() != '[' ? "[" + host + "]" : host;
  std::string hp = h + ":" + std::to_string(port);
  return "http=" + hp + ";https=" + hp;
}

std::string winInetBypass(const std::vector<std::string>& bypass) {
  std::string out;
  for (const auto& entry : bypass) {
    std::string item = entry;
    size_t slash = entry.find('/');
    if (slash != std::string::npos && entry.find(':') == std::string::npos) {
      // IPv4 range: the whole leading octets the prefix covers, then "*".
      auto octets = split(std::string_view(entry).substr(0, slash), '.');
      int bits = allDigits(std::string_view(entry).substr(slash + 1)) ? std::stoi(entry.substr(slash + 1)) : 32;
      item.clear();
      for (int i = 0; i < bits / 8 && i < static_cast<int>(octets.size()); ++i) item += octets[static_cast<size_t>(i)] + ".";
      item += "*";
    } else if (entry.find(':') != std::string::npos && entry.front() != '[') {
      item = "[" + entry + "]";
    }
    out += (out.empty() ? "" : ";") + item;
  }
  return out;
}

std::string winInetHttpProxy(std::string_view server) {
  auto entries = split(server, ';');
  for (const auto& e : entries) {
    size_t eq = e.find('=');
    if (eq == std::string::npos) return e;  // one proxy for all schemes
    if (e.substr(0, eq) == "http") return e.substr(eq + 1);
  }
  return {};
}

std::vector<std::string> winInetBypassEntries(std::string_view bypass) {
  std::vector<std::string> out;
  for (auto entry : split(bypass, ';')) {
    if (entry == "<local>" || entry == "<-loopback>") continue;
    if (entry.ends_with(".*")) {
      auto octets = split(std::string_view(entry).substr(0, entry.size() - 2), '.');
      bool numeric = !octets.empty() && octets.size() < 4;
      for (const auto& o : octets) numeric = numeric && allDigits(o);
      if (numeric) {
        std::string net;
        for (size_t i = 0; i < 4; ++i) net += (i ? "." : "") + (i < octets.size() ? octets[i] : std::string("0"));
        out.push_back(net + "/" + std::to_string(octets.size() * 8));
        continue;
      }
    }
    if (entry.size() > 2 && entry.front() == '[' && entry.back() == ']') entry = entry.substr(1, entry.size() - 2);
    out.push_back(entry);
  }
  return out;
}

}  // namespace ps::engine
