#pragma once
// The HTTP/1.1 syntax and framing rules Http1Parser enforces on top of llhttp (RFC 9110, RFC 9112).
// Each check returns the reason a person reads in the 400 body, or nullptr when the input is fine.
#include <string>
#include <string_view>

#include "engine/core/headers.h"

namespace ps::engine::http::rules {

// RFC 9110 5.6.2: a non-empty token (tchar only).
bool isToken(std::string_view s);
// RFC 9110 5.1 / 5.6.2: a field name is a non-empty token.
const char* fieldNameProblem(std::string_view name);
// RFC 9110 5.5: VCHAR, SP, HTAB and obs-text only (CR/LF inside a value means obs-fold).
const char* fieldValueProblem(std::string_view value);
// RFC 9112 3.2: a request-target is non-empty visible ASCII.
const char* requestTargetProblem(std::string_view target);
// RFC 9112 6.1 / 6.3: Content-Length with Transfer-Encoding, differing Content-Length values.
const char* framingProblem(const Headers& headers);
// RFC 9112 3.2: HTTP/1.1 requests carry exactly one Host, HTTP/1.0 ones at most one.
const char* hostProblem(const Headers& headers, int versionMinor);

// A readable reason for an llhttp error code (its own text is kept in parentheses).
std::string describeLlhttpError(int code, const char* llhttpReason);

}  // namespace ps::engine::http::rules
