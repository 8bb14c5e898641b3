// Windows: the WinINet per-connection proxy options of the LAN connection (what Internet Options,
// Edge, Chrome and most Windows programs use). Compiled on Windows only; the strings it builds and
// reads are tested on every platform (wininet_text.h, test_wininet_text).
//
//   read:   InternetQueryOptionW(nullptr, INTERNET_OPTION_PER_CONNECTION_OPTION, &list, &size) with
//           INTERNET_PER_CONN_FLAGS, _PROXY_SERVER, _PROXY_BYPASS, _AUTOCONFIG_URL
//   write:  InternetSetOptionW(nullptr, INTERNET_OPTION_PER_CONNECTION_OPTION, &list, sizeof list)
//           flags PROXY_TYPE_DIRECT | PROXY_TYPE_PROXY, server "http=H:P;https=H:P", bypass
//   notify: InternetSetOptionW(nullptr, INTERNET_OPTION_SETTINGS_CHANGED, nullptr, 0), then
//           InternetSetOptionW(nullptr, INTERNET_OPTION_REFRESH, nullptr, 0)
//
// Journal keys: "flags" (decimal PROXY_TYPE_* bits), "server", "bypass", "autoconfig". Dial-up/VPN
// (RAS) entries have their own per-connection options and are not changed (pszConnection = LAN).
#include "engine/sysproxy/system_proxy_backend.h"

#ifdef _WIN32
#include <windows.h>
#include <wininet.h>

#include "engine/sysproxy/wininet_text.h"
#endif

namespace ps::engine {

#ifdef _WIN32
namespace {

std::wstring widen(const std::string& s) {
  if (s.empty()) return {};
  int n = MultiByteToWideChar(CP_UTF8, 0, s.data(), static_cast<int>(s.size()), nullptr, 0);
  std::wstring out(static_cast<size_t>(n), L'\0');
  MultiByteToWideChar(CP_UTF8, 0, s.data(), static_cast<int>(s.size()), out.data(), n);
  return out;
}

std::string narrow(const wchar_t* s) {
  if (s == nullptr || *s == 0) return {};
  int n = WideCharToMultiByte(CP_UTF8, 0, s, -1, nullptr, 0, nullptr, nullptr);
  std::string out(static_cast<size_t>(n > 0 ? n - 1 : 0), '\0');
  WideCharToMultiByte(CP_UTF8, 0, s, -1, out.data(), n, nullptr, nullptr);
  return out;
}

Result<void> setOptions(DWORD flags, const std::string& server, const std::string& bypass, const std::string& autoconfig) {
  std::wstring wServer = widen(server), wBypass = widen(bypass), wAuto = widen(autoconfig);
  INTERNET_PER_CONN_OPTIONW options[4] = {};
  options[0].dwOption = INTERNET_PER_CONN_FLAGS;
  options[0].Value.dwValue = flags;
  options[1].dwOption = INTERNET_PER_CONN_PROXY_SERVER;
  options[1].Value.pszValue = wServer.empty() ? nullptr : wServer.data();
  options[2].dwOption = INTERNET_PER_CONN_PROXY_BYPASS;
  options[2].Value.pszValue = wBypass.empty() ? nullptr : wBypass.data();
  options[3].dwOption = INTERNET_PER_CONN_AUTOCONFIG_URL;
  options[3].Value.pszValue = wAuto.empty() ? nullptr : wAuto.data();
  INTERNET_PER_CONN_OPTION_LISTW list = {};
  list.dwSize = sizeof list;
  list.pszConnection = nullptr;  // the LAN connection
  list.dwOptionCount = 4;
  list.pOptions = options;
  if (!InternetSetOptionW(nullptr, INTERNET_OPTION_PER_CONNECTION_OPTION, &list, sizeof list)) {
    return Error{"InternetSetOption(PER_CONNECTION_OPTION) failed: error " + std::to_string(GetLastError())};
  }
  // Running programs re-read the settings only when told.
  InternetSetOptionW(nullptr, INTERNET_OPTION_SETTINGS_CHANGED, nullptr, 0);
  InternetSetOptionW(nullptr, INTERNET_OPTION_REFRESH, nullptr, 0);
  return {};
}

class WindowsProxyBackend final : public SystemProxyBackend {
 public:
  std::string name() const override { return "windows"; }
  bool available() const override { return true; }

  Result<PriorState> capture() const override {
    INTERNET_PER_CONN_OPTIONW options[4] = {};
    options[0].dwOption = INTERNET_PER_CONN_FLAGS;
    options[1].dwOption = INTERNET_PER_CONN_PROXY_SERVER;
    options[2].dwOption = INTERNET_PER_CONN_PROXY_BYPASS;
    options[3].dwOption = INTERNET_PER_CONN_AUTOCONFIG_URL;
    INTERNET_PER_CONN_OPTION_LISTW list = {};
    list.dwSize = sizeof list;
    list.pszConnection = nullptr;
    list.dwOptionCount = 4;
    list.pOptions = options;
    DWORD size = sizeof list;
    if (!InternetQueryOptionW(nullptr, INTERNET_OPTION_PER_CONNECTION_OPTION, &list, &size)) {
      return Error{"InternetQueryOption(PER_CONNECTION_OPTION) failed: error " + std::to_string(GetLastError())};
    }
    PriorState state;
    state["flags"] = PriorValue{true, std::to_string(options[0].Value.dwValue)};
    for (int i = 1; i < 4; ++i) {
      const char* key = i == 1 ? "server" : i == 2 ? "bypass" : "autoconfig";
      state[key] = PriorValue{options[i].Value.pszValue != nullptr, narrow(options[i].Value.pszValue)};
      if (options[i].Value.pszValue != nullptr) GlobalFree(options[i].Value.pszValue);  // WinINet allocated it
    }
    return state;
  }

  Result<void> apply(const ProxyTarget& target) override {
    return setOptions(PROXY_TYPE_DIRECT | PROXY_TYPE_PROXY, winInetProxyServer(target.host, target.port),
                      winInetBypass(target.bypass), {});
  }

  Result<void> restore(const PriorState& prior) override {
    auto value = [&](const char* key) {
      auto it = prior.find(key);
      return it != prior.end() && it->second.set ? it->second.value : std::string();
    };
    std::string flags = value("flags");
    DWORD bits = flags.empty() ? PROXY_TYPE_DIRECT : static_cast<DWORD>(std::stoul(flags));
    return setOptions(bits, value("server"), value("bypass"), value("autoconfig"));
  }

  std::string priorHttpProxy(const PriorState& prior) const override {
    auto flags = prior.find("flags");
    auto server = prior.find("server");
    if (flags == prior.end() || server == prior.end() || !server->second.set) return {};
    if ((std::stoul(flags->second.value) & PROXY_TYPE_PROXY) == 0) return {};
    return winInetHttpProxy(server->second.value);
  }

  std::vector<std::string> priorBypass(const PriorState& prior) const override {
    auto bypass = prior.find("bypass");
    return bypass != prior.end() && bypass->second.set ? winInetBypassEntries(bypass->second.value)
                                                       : std::vector<std::string>{};
  }
};

}  // namespace

std::unique_ptr<SystemProxyBackend> makeWindowsProxyBackend() { return std::make_unique<WindowsProxyBackend>(); }

#else

std::unique_ptr<SystemProxyBackend> makeWindowsProxyBackend() { return nullptr; }

#endif

}  // namespace ps::engine
