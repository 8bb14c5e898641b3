// KDE Plasma 5/6: [Proxy Settings] in kioslaverc, written with kwriteconfig5/6 and read with
// kreadconfig5/6 (the same tools Plasma's own scripts use), then KIO is told to re-read it.
#include <array>

#include "engine/sysproxy/process.h"
#include "engine/sysproxy/system_proxy_backend.h"

namespace ps::engine {

namespace {

constexpr std::array<const char*, 4> kKeys{"ProxyType", "httpProxy", "httpsProxy", "NoProxyFor"};
// A value no real setting has: kreadconfig prints the --default when the key is absent.
constexpr const char* kUnset = "\x1f" "proxyscope-unset";

std::string trimNewline(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

class KdeProxyBackend final : public SystemProxyBackend {
 public:
  KdeProxyBackend() {
    for (const char* version : {"6", "5"}) {
      if (findInPath(std::string("kwriteconfig") + version) && findInPath(std::string("kreadconfig") + version)) {
        m_write = std::string("kwriteconfig") + version;
        m_read = std::string("kreadconfig") + version;
        break;
      }
    }
  }

  std::string name() const override { return "kde"; }
  bool available() const override { return !m_write.empty(); }

  Result<PriorState> capture() const override {
    if (!available()) return Error{"kwriteconfig5/6 and kreadconfig5/6 are not installed"};
    PriorState state;
    for (const char* key : kKeys) {
      auto out = runProcess({m_read, "--file", "kioslaverc", "--group", "Proxy Settings", "--key", key, "--default", kUnset});
      if (!out.ok()) return out.error();
      if (out->exitCode != 0) return Error{m_read + " failed: " + out->out};
      std::string value = trimNewline(out->out);
      state[key] = value == kUnset ? PriorValue{false, {}} : PriorValue{true, value};
    }
    return state;
  }

  Result<void> apply(const ProxyTarget& target) override {
    if (!available()) return Error{"kwriteconfig5/6 is not installed"};
    std::string proxy = "http://" + target.host + " " + std::to_string(target.port);  // KIO's "URL PORT" form
    std::string bypass;
    for (const auto& b : target.bypass) bypass += (bypass.empty() ? "" : ",") + b;
    // ProxyType last: 1 = manual.
    for (auto [key, value] : {std::pair<const char*, std::string>{"httpProxy", proxy},
                              {"httpsProxy", proxy},
                              {"NoProxyFor", bypass},
                              {"ProxyType", "1"}}) {
      if (auto r = write(key, value); !r.ok()) return r;
    }
    notifyKio();
    return {};
  }

  Result<void> restore(const PriorState& prior) override {
    if (!available()) return Error{"kwriteconfig5/6 is not installed"};
    std::string failures;
    for (const char* key : {"ProxyType", "httpProxy", "httpsProxy", "NoProxyFor"}) {
      auto it = prior.find(key);
      if (it == prior.end()) continue;
      Result<void> r = it->second.set ? write(key, it->second.value) : remove(key);
      if (!r.ok()) failures += std::string(key) + ": " + r.error().message + "; ";
    }
    notifyKio();
    if (!failures.empty()) return Error{"could not restore kioslaverc " + failures};
    return {};
  }

  std::vector<std::string> priorBypass(const PriorState& prior) const override {
    std::vector<std::string> out;
    auto list = prior.find("NoProxyFor");  // "localhost,127.0.0.1,.corp"
    if (list == prior.end() || !list->second.set) return out;
    std::string v = list->second.value;
    size_t start = 0;
    while (start <= v.size()) {
      size_t end = v.find(',', start);
      if (end == std::string::npos) end = v.size();
      std::string item = v.substr(start, end - start);
      while (!item.empty() && item.front() == ' ') item.erase(0, 1);
      while (!item.empty() && item.back() == ' ') item.pop_back();
      if (item.starts_with(".")) item = "*" + item;  // KDE's ".corp" = every host under corp
      if (!item.empty()) out.push_back(item);
      start = end + 1;
    }
    return out;
  }

  std::string priorHttpProxy(const PriorState& prior) const override {
    auto type = prior.find("ProxyType");
    auto http = prior.find("httpProxy");
    if (type == prior.end() || http == prior.end() || type->second.value != "1" || !http->second.set) return {};
    std::string v = http->second.value;  // "http://proxy.corp 3128" or "http://proxy.corp:3128"
    if (auto scheme = v.find("://"); scheme != std::string::npos) v = v.substr(scheme + 3);
    if (auto space = v.find(' '); space != std::string::npos) v[space] = ':';
    while (!v.empty() && v.back() == '/') v.pop_back();
    return v;
  }

 private:
  Result<void> write(const char* key, const std::string& value) {
    auto out = runProcess({m_write, "--file", "kioslaverc", "--group", "Proxy Settings", "--key", key, value});
    if (!out.ok()) return out.error();
    if (out->exitCode != 0) return Error{m_write + " failed for " + key + ": " + out->out};
    return {};
  }
  Result<void> remove(const char* key) {
    auto out = runProcess({m_write, "--file", "kioslaverc", "--group", "Proxy Settings", "--key", key, "--delete"});
    if (!out.ok()) return out.error();
    if (out->exitCode != 0) return Error{m_write + " --delete failed for " + key + ": " + out->out};
    return {};
  }
  // Running KIO workers re-read kioslaverc on this signal; without a session bus it is a no-op.
  static void notifyKio() {
    if (findInPath("dbus-send")) {
      (void)runProcess({"dbus-send", "--type=signal", "/KIO/Scheduler", "org.kde.KIO.Scheduler.reparseSlaveConfiguration",
                        "string:"},
                       std::chrono::seconds(2));
    }
  }

  std::string m_write;
  std::string m_read;
};

}  // namespace

std::unique_ptr<SystemProxyBackend> makeKdeProxyBackend() { return std::make_unique<KdeProxyBackend>(); }

}  // namespace ps::engine
