#pragma once
// macOS `networksetup` (man networksetup(8)): the text it prints and the command lines the macOS
// backend runs. Pure functions, compiled on every platform so they are tested everywhere.
//
//   networksetup -listallnetworkservices         services, one a line; "*" marks a disabled one
//   networksetup -getwebproxy SERVICE            "Enabled: Yes\nServer: proxy.corp\nPort: 3128\n..."
//   networksetup -getsecurewebproxy SERVICE      the same for HTTPS
//   networksetup -getproxybypassdomains SERVICE  one domain a line, or "There aren't any bypass
//                                                domains set on SERVICE."
//   networksetup -setwebproxy SERVICE HOST PORT  (also turns it on)
//   networksetup -setwebproxystate SERVICE on|off
//   networksetup -setsecurewebproxy / -setsecurewebproxystate   the same for HTTPS
//   networksetup -setproxybypassdomains SERVICE D1 D2 ...       "Empty" clears the list
//
// Journal keys (PriorState) per enabled service: "SERVICE|web", "SERVICE|secureweb" with the value
// "on|off HOST PORT", and "SERVICE|bypass" with the domains separated by spaces.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ps::engine {

struct NetworksetupProxy {
  bool enabled = false;
  std::string server;
  uint16_t port = 0;
  bool operator==(const NetworksetupProxy&) const = default;
};

// Enabled services of -listallnetworkservices (the explanatory first line and "*" ones left out).
std::vector<std::string> parseNetworkServices(std::string_view text);
// -getwebproxy / -getsecurewebproxy output; nullopt when it is not that form (e.g. an error).
std::optional<NetworksetupProxy> parseNetworksetupProxy(std::string_view text);
// -getproxybypassdomains output.
std::vector<std::string> parseBypassDomains(std::string_view text);

// The journal's value for one proxy ("on proxy.corp 3128") and back.
std::string encodeNetworksetupProxy(const NetworksetupProxy& proxy);
std::optional<NetworksetupProxy> decodeNetworksetupProxy(std::string_view value);

// Command lines (argv) that set one service's proxy of a kind ("web" or "secureweb") and its state.
std::vector<std::vector<std::string>> networksetupSetProxy(const std::string& service, const std::string& kind,
                                                           const NetworksetupProxy& proxy);
std::vector<std::string> networksetupSetBypass(const std::string& service, const std::vector<std::string>& domains);

}  // namespace ps::engine
