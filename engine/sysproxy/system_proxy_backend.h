#pragma once
// A place where the operating system keeps "the" proxy setting (GNOME GSettings, KDE kioslaverc,
// macOS network services, Windows WinINet). Each backend can read every key it would change,
// write Proxyscope's values, and put back exactly what it read.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/result.h"

namespace ps::engine {

struct ProxyTarget {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  std::vector<std::string> bypass{"localhost", "127.0.0.0/8", "::1"};
};

// The prior value of one key: whether it was set at all (vs the platform default) and its value in
// the backend's own text form (GVariant text for GSettings, the raw string for kioslaverc).
struct PriorValue {
  bool set = false;
  std::string value;
  bool operator==(const PriorValue&) const = default;
};
using PriorState = std::map<std::string, PriorValue>;  // key id → prior value

class SystemProxyBackend {
 public:
  virtual ~SystemProxyBackend() = default;
  virtual std::string name() const = 0;  // "gnome", "kde", "macos", "windows"
  virtual bool available() const = 0;
  // Reads every key apply() would write.
  virtual Result<PriorState> capture() const = 0;
  virtual Result<void> apply(const ProxyTarget& target) = 0;
  // Writes the captured values back; keys that were not set are reset to the default.
  virtual Result<void> restore(const PriorState& prior) = 0;
  // The proxy configured before Proxyscope, if it was a manual HTTP proxy ("host:port"), so it can
  // become Proxyscope's upstream (corporate networks keep working).
  virtual std::string priorHttpProxy(const PriorState& prior) const = 0;
  // The hosts the prior manual proxy did not serve (GNOME ignore-hosts, KDE NoProxyFor), so a
  // chained upstream keeps bypassing them.
  virtual std::vector<std::string> priorBypass(const PriorState& prior) const {
    (void)prior;
    return {};
  }
};

// The backends for this platform, most specific first (on KDE: KDE, then GNOME's GSettings, which
// GTK and Chromium apps on KDE read too).
std::vector<std::unique_ptr<SystemProxyBackend>> platformProxyBackends();

std::unique_ptr<SystemProxyBackend> makeGnomeProxyBackend();
// kwriteconfig/kreadconfig binaries (5 or 6) and the kioslaverc path are found from the
// environment; tests point XDG_CONFIG_HOME at a temporary folder.
std::unique_ptr<SystemProxyBackend> makeKdeProxyBackend();
// macOS networksetup (macos_proxy_backend.cpp) and Windows WinINet (windows_proxy_backend.cpp);
// null on other platforms.
std::unique_ptr<SystemProxyBackend> makeMacosProxyBackend();
std::unique_ptr<SystemProxyBackend> makeWindowsProxyBackend();

}  // namespace ps::engine
