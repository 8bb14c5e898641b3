#include "engine/core/config.h"

#include <charconv>

namespace ps::engine {

std::string Endpoint::toString() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

Result<Endpoint> parseEndpoint(std::string_view text) {
  Endpoint ep{"127.0.0.1", 0};
  std::string_view portText = text;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return Error{"expected [IPv6]:PORT in '" + std::string(text) + "'"};
    }
    ep.host = std::string(text.substr(1, close - 1));
    portText = text.substr(close + 2);
  } else if (size_t colon = text.rfind(':'); colon != std::string_view::npos) {
    if (colon > 0) ep.host = std::string(text.substr(0, colon));
    portText = text.substr(colon + 1);
  }
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(portText.data(), portText.data() + portText.size(), value);
  if (ec != std::errc() || ptr != portText.data() + portText.size() || value > 65535 || portText.empty()) {
    return Error{"invalid port in '" + std::string(text) + "' (expected HOST:PORT, port 0-65535)"};
  }
  ep.port = static_cast<uint16_t>(value);
  return ep;
}

}  // namespace ps::engine
