#pragma once
// Request and response header rewriting for reverse mode, as pure functions (tested without
// sockets): X-Forwarded-For/-Proto/-Host, RFC 7239 Forwarded, the Host policy, the path-prefix strip
// of a route, and hiding the backend's identity on responses.
#include <optional>
#include <string>
#include <string_view>

#include "engine/core/headers.h"
#include "engine/proxy/reverse_config.h"

namespace ps::engine {

// Views: a context lives for one call, over the request's own strings.
struct ForwardingContext {
  std::string_view clientAddress;   // "192.0.2.43:5000", "[2001:db8::1]:5000" or a bare IP
  std::string_view proto = "http";  // the scheme the client used towards the proxy
  std::string_view host;            // the Host the client sent ("" when it sent none)
  std::string_view by;              // the proxy's listener address; "" = omit the by= parameter
};

// RFC 7239 section 4: a parameter value is a token, or else a quoted-string (with '"' and '\'
// escaped). Used for every Forwarded value.
std::string forwardedValue(std::string_view value);
// RFC 7239 section 6 node: "192.0.2.43", "[2001:db8::1]", "192.0.2.43:4711", "[2001:db8::1]:4711"
// — quoting is up to forwardedValue (IPv6 brackets and ':' ports are not token characters).
std::string forwardedNode(std::string_view ip, std::optional<uint16_t> port = std::nullopt);
// One Forwarded element for this hop: for=...;by=...;host=...;proto=...
std::string forwardedElement(const ForwardingContext& context);

// Adds this hop to the forwarded copy of a request, per the policy: X-Forwarded-For gets the client
// IP appended to any list already there (one field), X-Forwarded-Proto and X-Forwarded-Host are
// set, and Forwarded gets this hop's element appended (RFC 7239 section 4: "," separates hops).
void addForwardingHeaders(Headers& headers, const ForwardingContext& context, const HeaderPolicy& policy);

// Host: preserved (default), or replaced by hostRewrite, or else by the backend's authority.
void applyHostPolicy(Headers& headers, const HeaderPolicy& policy, std::string_view backendAuthority);

// A route's prefix removed from an origin-form target: ("/api/users?x", "/api") → "/users?x",
// ("/api", "/api") → "/", ("/api?x", "/api") → "/?x". Targets not under the prefix are unchanged.
std::string stripPathPrefix(std::string_view target, std::string_view prefix);

// Removes Server and X-Powered-By from a response (policy stripBackendIdentity); returns how many.
size_t stripBackendIdentity(Headers& responseHeaders);

}  // namespace ps::engine
