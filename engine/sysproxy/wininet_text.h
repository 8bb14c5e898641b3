#pragma once
// Windows WinINet proxy strings (the per-connection options INTERNET_PER_CONN_PROXY_SERVER and
// INTERNET_PER_CONN_PROXY_BYPASS): building Proxyscope's and reading the prior ones. Pure functions,
// compiled on every platform so they are tested everywhere; windows_proxy_backend.cpp uses them.
#include <string>
#include <string_view>
#include <vector>

namespace ps::engine {

// "http=HOST:PORT;https=HOST:PORT" (IPv6 hosts in brackets).
std::string winInetProxyServer(const std::string& host, uint16_t port);
// WinINet bypass syntax, ';'-separated with '*' wildcards: "127.0.0.0/8" → "127.*",
// "::1" → "[::1]", other entries as they are.
std::string winInetBypass(const std::vector<std::string>& bypass);
// The HTTP proxy of a proxy-server string: "proxy:3128" (one proxy for every scheme) or the
// "http=" entry of "http=proxy:3128;https=proxy:3129"; "" when there is none.
std::string winInetHttpProxy(std::string_view server);
// A bypass string as entries for the upstream-proxies policy: "127.*" → "127.0.0.0/8",
// "10.1.*" → "10.1.0.0/16", "*.corp" kept; "<local>" (hosts without a dot) has no equivalent and
// is left out.
std::vector<std::string> winInetBypassEntries(std::string_view bypass);

}  // namespace ps::engine
