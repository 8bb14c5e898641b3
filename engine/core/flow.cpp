#include "engine/core/flow.h"

#include <algorithm>
#include <chrono>

namespace ps::engine {

namespace {
uint16_t defaultPort(const std::string& scheme) { return scheme == "https" ? 443 : 80; }
std::string hostForUrl(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}
}  // namespace

std::string Request::url() const {
  std::string out = scheme.empty() ? std::string("http") : scheme;
  out += "://";
  out += hostForUrl(host);
  if (port != 0 && port != defaultPort(scheme)) {
    out += ':';
    out += std::to_string(port);
  }
  out += path.empty() ? std::string("/") : path;
  return out;
}

std::string Request::authority() const { return hostForUrl(host) + ":" + std::to_string(port); }

bool Flow::hasTag(const std::string& tag) const { return std::find(tags.begin(), tags.end(), tag) != tags.end(); }

const char* toString(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::None: return "none";
    case ErrorKind::ClientProtocol: return "client-protocol";
    case ErrorKind::ClientTimeout: return "client-timeout";
    case ErrorKind::ClientDisconnected: return "client-disconnected";
    case ErrorKind::UpstreamConnect: return "upstream-connect";
    case ErrorKind::UpstreamProtocol: return "upstream-protocol";
    case ErrorKind::UpstreamTimeout: return "upstream-timeout";
    case ErrorKind::UpstreamTls: return "upstream-tls";
    case ErrorKind::ClientTls: return "client-tls";
    case ErrorKind::NoBackend: return "no-backend";
    case ErrorKind::Blocked: return "blocked";
    case ErrorKind::Killed: return "killed";
    case ErrorKind::Internal: return "internal";
  }
  return "unknown";
}

int64_t nowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace ps::engine
