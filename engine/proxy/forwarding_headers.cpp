#include "engine/proxy/forwarding_headers.h"

#include "engine/http/http1_rules.h"
#include "engine/proxy/balancer.h"

namespace ps::engine {

namespace {

std::optional<uint16_t> portOf(std::string_view address) {
  size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  if (address.starts_with('[')) {
    if (colon < address.find(']')) return std::nullopt;
  } else if (address.find(':') != colon) {
    return std::nullopt;  // bare IPv6
  }
  unsigned v = 0;
  for (char c : address.substr(colon + 1)) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<unsigned>(c - '0');
    if (v > 65535) return std::nullopt;
  }
  return static_cast<uint16_t>(v);
}

}  // namespace

namespace {

// The builders append to one string (this runs for every reverse-mode request).
void appendForwardedValue(std::string& out, std::string_view value) {
  if (http::rules::isToken(value)) {
    out += value;
    return;
  }
  out += '"';
  if (value.find_first_of("\"\\") == std::string_view::npos) {
    out += value;  // the usual case (an address with a port, a host name): nothing to escape
  } else {
    for (char c : value) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
  }
  out += '"';
}

void appendForwardedNode(std::string& out, std::string_view ip, std::optional<uint16_t> port) {
  // RFC 7239 6: IPv6 addresses are enclosed in brackets; a port follows after ':'.
  bool v6 = ip.find(':') != std::string_view::npos;
  if (v6) out += '[';
  out += ip;
  if (v6) out += ']';
  if (port) {
    out += ':';
    out += std::to_string(*port);
  }
}

}  // namespace

std::string forwardedValue(std::string_view value) {
  std::string out;
  appendForwardedValue(out, value);
  return out;
}

std::string forwardedNode(std::string_view ip, std::optional<uint16_t> port) {
  std::string node;
  appendForwardedNode(node, ip, port);
  return node;
}

namespace {

void appendForwardedElement(std::string& element, const ForwardingContext& context) {
  // The client port is left out: RFC 7239 8.3 (privacy); the IP is what consumers use.
  element += "for=";
  const std::string_view ip = Balancer::clientIp(context.clientAddress);
  if (ip.find(':') == std::string_view::npos) {
    appendForwardedValue(element, ip);  // IPv4 or a name: no brackets to add
  } else {
    std::string node;
    appendForwardedNode(node, ip, std::nullopt);
    appendForwardedValue(element, node);
  }
  if (!context.by.empty()) {
    std::string node;
    appendForwardedNode(node, Balancer::clientIp(context.by), portOf(context.by));
    element += ";by=";
    appendForwardedValue(element, node);
  }
  if (!context.host.empty()) {
    element += ";host=";
    appendForwardedValue(element, context.host);
  }
  element += ";proto=";
  appendForwardedValue(element, context.proto);
}

// The values of every field of that name, joined by sep (one list: RFC 9110 5.3), then tail.
std::string joinedWith(const Headers& headers, std::string_view name, std::string_view sep, size_t tailSize) {
  std::string list;
  for (const auto& f : headers) {
    if (!iequals(f.name, name)) continue;
    if (!list.empty()) list += sep;
    list += f.value;
  }
  list.reserve(list.size() + (list.empty() ? 0 : sep.size()) + tailSize);
  if (!list.empty()) list += sep;
  return list;
}

}  // namespace

std::string forwardedElement(const ForwardingContext& context) {
  std::string element;
  element.reserve(48 + context.host.size() + context.by.size());
  appendForwardedElement(element, context);
  return element;
}

void addForwardingHeaders(Headers& headers, const ForwardingContext& context, const HeaderPolicy& policy) {
  headers.fields().reserve(headers.size() + 4);  // one growth, not one per added field
  if (policy.xForwarded) {
    const std::string_view ip = Balancer::clientIp(context.clientAddress);
    std::string list = joinedWith(headers, "X-Forwarded-For", ", ", ip.size());
    list += ip;
    headers.set("X-Forwarded-For", std::move(list));
    headers.set("X-Forwarded-Proto", std::string(context.proto));
    if (!context.host.empty()) headers.set("X-Forwarded-Host", std::string(context.host));
  }
  if (policy.forwarded) {
    std::string list = joinedWith(headers, "Forwarded", ", ", 48 + context.host.size() + context.by.size());
    appendForwardedElement(list, context);
    headers.set("Forwarded", std::move(list));
  }
}

void applyHostPolicy(Headers& headers, const HeaderPolicy& policy, std::string_view backendAuthority) {
  if (policy.preserveHost) return;
  headers.set("Host", policy.hostRewrite.empty() ? std::string(backendAuthority) : policy.hostRewrite);
}

std::string stripPathPrefix(std::string_view target, std::string_view prefix) {
  if (prefix.empty() || prefix == "/" || !target.starts_with(prefix)) return std::string(target);
  std::string_view rest = target.substr(prefix.size());
  if (prefix.ends_with('/')) return "/" + std::string(rest);
  if (rest.empty()) return "/";
  if (rest.front() == '/') return std::string(rest);
  if (rest.front() == '?') return "/" + std::string(rest);
  return std::string(target);  // "/apix" is not under "/api"
}

size_t stripBackendIdentity(Headers& responseHeaders) {
  return responseHeaders.remove("Server") + responseHeaders.remove("X-Powered-By");
}

}  // namespace ps::engine
