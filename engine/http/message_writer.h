#pragma once
// Serialising heads and body framing for the forwarded copy, and the hop-by-hop rules
// (RFC 9110 7.6.1).
#include <string>
#include <string_view>

#include "engine/core/headers.h"
#include "engine/http/http1_parser.h"

namespace ps::engine::http {

// "METHOD target HTTP/1.1\r\n" + fields + "\r\n", fields written exactly as given (case, order).
std::string writeRequestHead(const RequestHead& head);
// "HTTP/1.1 200 OK\r\n" + fields + "\r\n"; an empty reason is written as the standard phrase.
std::string writeResponseHead(const ResponseHead& head);
// Chunked transfer coding: "<hex size>\r\n" before a chunk, "\r\n" after it, "0\r\n\r\n" at the end.
std::string chunkPrefix(size_t size);
inline constexpr std::string_view kChunkSuffix = "\r\n";
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

// Removes the hop-by-hop fields from a forwarded copy: Connection and every field it names,
// Keep-Alive, Proxy-Connection, Proxy-Authenticate, Proxy-Authorization, TE, Trailer,
// Transfer-Encoding, Upgrade. Returns the names removed (for the hop diff).
std::vector<std::string> removeHopByHop(Headers& headers);
// The same without the list of names (the engine's path: no allocation).
void stripHopByHop(Headers& headers);
// `to` becomes the end-to-end fields of `from` (what stripHopByHop would leave), in order. Its
// existing fields' strings are assigned to, so a head reused as scratch allocates nothing once its
// strings have grown to size.
void copyEndToEnd(const Headers& from, Headers& to);

std::string_view reasonPhrase(int status);

// A small complete response (errors the proxy itself answers): text/plain body, Content-Length,
// and Connection: close when close is true.
std::string simpleResponse(int status, std::string_view body, bool close);

}  // namespace ps::engine::http
