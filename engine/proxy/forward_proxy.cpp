#include "engine/proxy/forward_proxy.h"

#include <array>
#include <cctype>
#include <charconv>

#include "engine/core/headers.h"

namespace ps::engine::proxy {

namespace {

// reg-name / IPv4 characters (RFC 3986 3.2.2): unreserved, pct-encoded and sub-delims, as a table.
constexpr std::array<bool, 256> kHostChar = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c) {
    t[static_cast<size_t>(c)] = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }
  for (char c : std::string_view("-._~%!$&'()*+,;=")) t[static_cast<unsigned char>(c)] = true;
  return t;
}();

bool validHostChar(char c) { return kHostChar[static_cast<unsigned char>(c)]; }

// Where the authority of "host[:port]/path..." ends: at the first '/', '?' or '#' (RFC 3986 3.2),
// npos when it runs to the end. (find_first_of("/?#") would search the set once per character.)
size_t authorityEnd(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '/' || s[i] == '?' || s[i] == '#') return i;
  }
  return std::string_view::npos;
}

// Splits "host[:port]" / "[v6][:port]". Port 0 when absent.
Result<ParsedUri> splitAuthority(std::string_view authority, bool portRequired) {
  ParsedUri out;
  if (authority.find('@') != std::string_view::npos) {
    return Error{"user information in the request target is not allowed (RFC 9110 4.2.4)"};
  }
  std::string_view portText;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return Error{"unterminated IPv6 address in '" + std::string(authority) + "'"};
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return Error{"unexpected characters after the IPv6 address"};
      portText = rest.substr(1);
    }
    for (char c : out.host) {
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') return Error{"invalid IPv6 address"};
    }
  } else {
    size_t colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      portText = authority.substr(colon + 1);
      authority = authority.substr(0, colon);
    }
    out.host = asciiLowered(authority);
    for (char c : out.host) {
      if (!validHostChar(c)) return Error{"invalid character in the host name '" + out.host + "'"};
    }
  }
  if (out.host.empty()) return Error{"the request target has no host"};
  if (!portText.empty()) {
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(portText.data(), portText.data() + portText.size(), value);
    if (ec != std::errc() || ptr != portText.data() + portText.size() || value == 0 || value > 65535) {
      return Error{"invalid port '" + std::string(portText) + "'"};
    }
    out.port = static_cast<uint16_t>(value);
  } else if (portRequired) {
    return Error{"CONNECT target needs a port (authority-form host:port, RFC 9112 3.2.3)"};
  }
  return out;
}

}  // namespace

Result<ParsedUri> parseAbsoluteUri(std::string_view target) {
  size_t sep = target.find("://");
  if (sep == std::string_view::npos) return Error{"not an absolute URI"};
  const std::string_view schemeText = target.substr(0, sep);
  std::string scheme;
  if (iequals(schemeText, "http")) {
    scheme = "http";
  } else if (iequals(schemeText, "https")) {
    scheme = "https";
  } else {
    return Error{"unsupported scheme '" + asciiLowered(schemeText) + "' (only http and https)"};
  }
  std::string_view rest = target.substr(sep + 3);
  size_t pathStart = authorityEnd(rest);
  std::string_view authority = rest.substr(0, pathStart);
  auto parsed = splitAuthority(authority, false);
  if (!parsed) return parsed;
  ParsedUri out = std::move(parsed.value());
  out.scheme = std::move(scheme);
  out.authority = std::string(authority);
  if (out.port == 0) out.port = out.scheme == "https" ? 443 : 80;
  std::string_view path = pathStart == std::string_view::npos ? std::string_view() : rest.substr(pathStart);
  if (size_t hash = path.find('#'); hash != std::string_view::npos) path = path.substr(0, hash);  // never sent
  if (path.empty() || path.front() == '?') {
    out.path = "/" + std::string(path);  // RFC 9112 3.2.1: an empty path is sent as "/"
  } else {
    out.path = std::string(path);
  }
  return out;
}

Result<ParsedUri> parseAuthority(std::string_view target) {
  auto parsed = splitAuthority(target, true);
  if (!parsed) return parsed;
  parsed->scheme = parsed->port == 443 ? "https" : "http";
  return parsed;
}

net::RouteResult ForwardRouter::route(http::RequestHead& forwarded, Request& record, const net::ClientInfo& client) {
  const std::string& target = forwarded.target;
  if (!target.empty() && target.front() == '/') {
    if (client.tunnelTarget) {
      // Decrypted request inside an intercepted tunnel: it goes where the tunnel went.
      const auto& t = *client.tunnelTarget;
      record.scheme = t.scheme;
      record.host = t.host;
      record.port = t.port;
      record.path = target;
      return net::RouteResult::to(t);
    }
    record.path = target;
    if (target == "/" && forwarded.method == "GET") {
      return net::RouteResult::answer(200,
                                      "Proxyscope forward proxy.\nConfigure your client to use this address as its "
                                      "HTTP proxy; requests must use absolute-form targets (http://host/path).\n",
                                      ErrorKind::None);
    }
    return net::RouteResult::answer(
        400, "origin-form request target '" + target +
                 "' sent to a forward proxy: an absolute-form target (http://host/path) is required (RFC 9112 3.2.2)",
        ErrorKind::ClientProtocol);
  }
  auto uri = parseAbsoluteUri(target);
  if (!uri) {
    return net::RouteResult::answer(400, "bad request target '" + target + "': " + uri.error().message,
                                    ErrorKind::ClientProtocol, true);
  }
  record.scheme = uri->scheme;
  record.host = uri->host;
  record.port = uri->port;
  record.path = uri->path;
  // RFC 9112 3.2.2: a proxy forwarding an absolute-form request replaces Host with the URI's
  // authority; the origin gets origin-form.
  forwarded.headers.set("Host", uri->authority);
  forwarded.target = uri->path;
  forwarded.versionMajor = 1;
  forwarded.versionMinor = 1;

  net::UpstreamTarget upstream;
  upstream.scheme = uri->scheme;
  upstream.host = uri->host;
  upstream.port = uri->port;
  upstream.tls = uri->scheme == "https";
  if (m_upstreamProxies) upstream.proxy = m_upstreamProxies->select(upstream.host);
  if (upstream.proxy && !upstream.tls) {
    // To a proxy a plain request keeps its absolute form (RFC 9112 3.2.2), credentials added.
    forwarded.target = uri->scheme + "://" + uri->authority + uri->path;
    if (!upstream.proxy->authorization.empty()) forwarded.headers.set("Proxy-Authorization", upstream.proxy->authorization);
  }
  return net::RouteResult::to(std::move(upstream));
}

net::RouteResult ForwardRouter::routeConnect(const http::RequestHead& head, Request& record, const net::ClientInfo& client) {
  if (client.tunnelTarget) {
    return net::RouteResult::answer(405, "CONNECT inside an intercepted tunnel is not supported", ErrorKind::Blocked, true);
  }
  auto authority = parseAuthority(head.target);
  if (!authority) {
    return net::RouteResult::answer(400, "bad CONNECT target '" + head.target + "': " + authority.error().message,
                                    ErrorKind::ClientProtocol, true);
  }
  record.scheme = authority->scheme;
  record.host = authority->host;
  record.port = authority->port;
  record.path.clear();
  net::UpstreamTarget target;
  target.scheme = authority->scheme;
  target.host = authority->host;
  target.port = authority->port;
  target.tls = false;  // the tunnel carries whatever the client speaks
  if (m_upstreamProxies) target.proxy = m_upstreamProxies->select(target.host);
  target.proxyTunnel = target.proxy != nullptr;
  return net::RouteResult::to(std::move(target));
}

}  // namespace ps::engine::proxy
