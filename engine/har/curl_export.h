#pragma once
// Copy as cURL / raw HTTP, and the reverse: a pasted cURL command → Request (for the composer).
//
// toCurlCommand quoting rules (POSIX shell; tested by running the output through bash and curl):
//   - every argument that is not a plain word is single-quoted; a ' inside becomes '\'' .
//   - headers are passed with -H exactly, in order (curl moves Host first; nothing else moves);
//     an empty value is written "Name;" (curl's form for an empty header); curl's own User-Agent,
//     Accept, Content-Type (and Expect for bodies over 1 KiB) are suppressed with "Name:" when the
//     flow had none, so what arrives is the flow's head.
//   - a text body (UTF-8, no control characters but TAB/LF/CR/FF) goes in --data-raw '…' (no '@'
//     file interpretation); any other body is piped in by `printf '<octal escapes>' |` and sent
//     with --data-binary @- (a shell argument cannot hold NUL, and escapes keep the clipboard text).
//   - -X only when curl would not pick the method itself (GET without body, POST with one);
//     HEAD becomes --head (curl -X HEAD would wait for a body). --compressed when the request had
//     Accept-Encoding (curl keeps the flow's Accept-Encoding value and decodes the answer).
//   - --globoff when the URL has [ ] { }, --path-as-is when it has dot segments, --http1.0 for 1.0.
//   - refused (Error): CONNECT tunnels, a method or header name that is not a token, a header value
//     with CR, LF or NUL (RFC 9110 5.5: HTTP/1.1 cannot carry it; curl would cut it).
//   - a truncated body (over the capture cap) is sent as captured, with its Content-Length left out.
#include <string>
#include <string_view>

#include "engine/core/flow.h"
#include "engine/core/result.h"

namespace ps::engine::har {

struct CurlOptions {
  bool multiline = true;  // " \\\n  " between arguments, like browsers' "Copy as cURL (bash)"
};

Result<std::string> toCurlCommand(const Flow& flow, const CurlOptions& options = {});

// The request as it arrived: request line with the original target, fields as received, blank
// line, body bytes as captured (content coding kept; re-chunked as one chunk when the head says
// Transfer-Encoding: chunked, so the text is a valid message again).
std::string toRawHttpRequest(const Request& request);
std::string toRawHttpResponse(const Response& response);
// Request, then the response if there is one.
std::string toRawHttp(const Flow& flow);

// Reads a command as a POSIX shell would tokenise it ('…', "…", $'…', backslashes, line
// continuations, # comments) and then as curl reads its options: -X/--request, -H/--header,
// -d/--data/--data-ascii, --data-raw, --data-binary, --data-urlencode, -A, -b (a cookie string, not
// a file), -u, -e, -I/--head, -G/--get, --compressed, --http1.0/1.1/2, --url or the first bare
// argument. Other common options that do not change the request (-s, -L, -k, -o FILE, …) are
// skipped; options it cannot honour (-F, -T, @file data, $VAR, `…`, pipes) are refused by name.
// The Request holds the head curl would send except its User-Agent (unless -A): Host first, then
// Authorization, User-Agent, Accept: */*, Cookie, Referer, Accept-Encoding (--compressed:
// "deflate, gzip, br, zstd"), the -H fields in order, Content-Length and Content-Type for a body.
Result<Request> parseCurlCommand(std::string_view command);

}  // namespace ps::engine::har
