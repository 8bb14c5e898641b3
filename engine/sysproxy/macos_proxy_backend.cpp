// macOS: the web (HTTP) and secure web (HTTPS) proxy and the bypass domains of every enabled network
// service, through `networksetup` (command lines and output forms in networksetup_text.h). It needs
// administrator rights on managed Macs; networksetup's error text is passed on. Compiled on macOS
// only; its parsing and command building are tested on every platform (test_networksetup_text).
#include "engine/sysproxy/system_proxy_backend.h"

#ifdef __APPLE__
#include "engine/sysproxy/networksetup_text.h"
#include "engine/sysproxy/process.h"
#endif

namespace ps::engine {

#ifdef __APPLE__
namespace {

constexpr const char* kKinds[] = {"web", "secureweb"};

Result<std::string> networksetup(const std::vector<std::string>& argv) {
  auto out = runProcess(argv);
  if (!out) return out.error();
  if (out->exitCode != 0) return Error{"networksetup " + argv[1] + " failed: " + out->out};
  return out->out;
}

class MacosProxyBackend final : public SystemProxyBackend {
 public:
  std::string name() const override { return "macos"; }
  bool available() const override { return findInPath("networksetup"); }

  Result<PriorState> capture() const override {
    auto services = listServices();
    if (!services) return services.error();
    PriorState state;
    for (const auto& service : *services) {
      for (const char* kind : kKinds) {
        auto text = networksetup({"networksetup", std::string("-get") + kind + "proxy", service});
        if (!text) return text.error();
        auto proxy = parseNetworksetupProxy(*text);
        if (!proxy) return Error{"unexpected networksetup output for " + service + ": " + *text};
        state[service + "|" + kind] = PriorValue{true, encodeNetworksetupProxy(*proxy)};
      }
      auto bypass = networksetup({"networksetup", "-getproxybypassdomains", service});
      if (!bypass) return bypass.error();
      std::string joined;
      for (const auto& d : parseBypassDomains(*bypass)) joined += (joined.empty() ? "" : " ") + d;
      state[service + "|bypass"] = PriorValue{true, joined};
    }
    return state;
  }

  Result<void> apply(const ProxyTarget& target) override {
    auto services = listServices();
    if (!services) return services.error();
    for (const auto& service : *services) {
      if (auto r = run(networksetupSetBypass(service, target.bypass)); !r) return r;
      for (const char* kind : kKinds) {
        for (const auto& argv : networksetupSetProxy(service, kind, {true, target.host, target.port})) {
          if (auto r = run(argv); !r) return r;
        }
      }
    }
    return {};
  }

  Result<void> restore(const PriorState& prior) override {
    std::string firstError;
    for (const auto& [key, value] : prior) {
      size_t bar = key.rfind('|');
      if (bar == std::string::npos) continue;
      std::string service = key.substr(0, bar), what = key.substr(bar + 1);
      Result<void> r;
      if (what == "bypass") {
        std::vector<std::string> domains;
        size_t start = 0;
        while (start < value.value.size()) {
          size_t end = value.value.find(' ', start);
          if (end == std::string::npos) end = value.value.size();
          if (end > start) domains.push_back(value.value.substr(start, end - start));
          start = end + 1;
        }
        r = run(networksetupSetBypass(service, domains));
      } else if (auto proxy = decodeNetworksetupProxy(value.value)) {
        for (const auto& argv : networksetupSetProxy(service, what, *proxy)) {
          if (r = run(argv); !r) break;
        }
      }
      // Every key is tried even after a failure: put back as much as possible.
      if (!r && firstError.empty()) firstError = r.error().message;
    }
    if (!firstError.empty()) return Error{firstError};
    return {};
  }

  std::string priorHttpProxy(const PriorState& prior) const override {
    for (const auto& [key, value] : prior) {
      if (!key.ends_with("|web")) continue;
      auto proxy = decodeNetworksetupProxy(value.value);
      if (proxy && proxy->enabled && !proxy->server.empty()) return proxy->server + ":" + std::to_string(proxy->port);
    }
    return {};
  }

  std::vector<std::string> priorBypass(const PriorState& prior) const override {
    for (const auto& [key, value] : prior) {
      if (!key.ends_with("|bypass")) continue;
      std::vector<std::string> out;
      size_t start = 0;
      while (start < value.value.size()) {
        size_t end = value.value.find(' ', start);
        if (end == std::string::npos) end = value.value.size();
        if (end > start) out.push_back(value.value.substr(start, end - start));
        start = end + 1;
      }
      return out;
    }
    return {};
  }

 private:
  static Result<std::vector<std::string>> listServices() {
    auto text = networksetup({"networksetup", "-listallnetworkservices"});
    if (!text) return text.error();
    return parseNetworkServices(*text);
  }
  static Result<void> run(const std::vector<std::string>& argv) {
    auto out = networksetup(argv);
    if (!out) return out.error();
    return {};
  }
};

}  // namespace

std::unique_ptr<SystemProxyBackend> makeMacosProxyBackend() { return std::make_unique<MacosProxyBackend>(); }

#else

std::unique_ptr<SystemProxyBackend> makeMacosProxyBackend() { return nullptr; }

#endif

}  // namespace ps::engine
