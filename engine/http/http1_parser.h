#pragma once
// Http1Parser: a sans-I/O HTTP/1.1 message parser on llhttp. Bytes in, events out; it never touches
// a socket, so it is tested by feeding byte sequences (split at every boundary) and comparing the
// exact events.
//
// Strict where RFC 9110/9112 say MUST (the request-smuggling defences nginx has): conflicting
// Content-Length / Transfer-Encoding, invalid characters in method, target and fields, obs-fold,
// bad chunk sizes. A failure carries the HTTP status to answer with (400/414/431 for requests; the
// proxy answers 502 for a bad response) and a reason a person can read.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/headers.h"

namespace ps::engine::http {

struct RequestHead {
  std::string method;
  std::string target;  // as received
  int versionMajor = 1;
  int versionMinor = 1;
  Headers headers;
};

struct ResponseHead {
  int status = 0;
  std::string reason;
  int versionMajor = 1;
  int versionMinor = 1;
  Headers headers;
};

struct ParserLimits {
  size_t maxStartLine = 8 * 1024;    // request line / status line → 414 for requests
  size_t maxHeaderBytes = 64 * 1024; // the whole head → 431 for requests
  size_t maxHeaderCount = 200;       // → 431
};

struct ParseError {
  int status = 400;    // what to answer a client with (400, 414, 431, 505); always 502 for a Response parser
  std::string reason;  // "invalid character in header name", "Content-Length and Transfer-Encoding both present", ...
};

class Http1Parser {
 public:
  enum class Kind { Request, Response };
  struct Event {
    enum class Type { Head, Body, Complete };
    Type type;
    std::string_view data;  // Body only: points into the buffer given to feed()
  };

  explicit Http1Parser(Kind kind, ParserLimits limits = {});
  ~Http1Parser();
  Http1Parser(const Http1Parser&) = delete;
  Http1Parser& operator=(const Http1Parser&) = delete;

  // Parses from data and returns how many bytes were consumed; events() lists what was found in
  // this call. Parsing stops right after a Head event and right after a Complete event, so the
  // caller acts on each head and handles pipelined messages one at a time: call feed() again with
  // the unconsumed rest. Body events point into data: valid until the caller changes that buffer.
  // A message that has no body at all (GET, Content-Length: 0, 204, 304, 1xx, a HEAD answer, a
  // CONNECT) yields Head and Complete in the same call: there is nothing to act on between them,
  // and the caller never has to feed an empty buffer to learn that a message ended.
  // After an error, feed() consumes nothing and hasError() is true; events() may still hold the
  // Body events found before the error in that call.
  // After a Complete with upgrade() true (CONNECT, 101), feed() consumes nothing: the bytes that
  // follow belong to the tunnel or the new protocol.
  size_t feed(std::string_view data);
  // The peer closed its side: completes a close-delimited response body (a Complete event),
  // otherwise an error if a message was in progress. Returns true when that was a clean end.
  // feed() consumes nothing afterwards.
  bool feedEof();

  const std::vector<Event>& events() const;

  // Valid after a Head event until the next message's Head.
  const RequestHead& request() const;
  const ResponseHead& response() const;

  // Response parsing only: the method of the request this response answers (HEAD and 2xx to
  // CONNECT carry no body, RFC 9112 6.3). Set before feeding each response.
  void expectResponseTo(std::string_view method);

  // The peer did not take up an upgrade (a CONNECT answered 407, an Upgrade request answered
  // without 101; RFC 9110 7.8 lets a server ignore Upgrade): the connection stays HTTP/1.1, so
  // parsing resumes with the bytes that follow. Only meaningful after a Complete with upgrade().
  void continueAfterUpgrade();

  // Chunked trailer fields of the last message (RFC 9112 7.1.2), valid after its Complete.
  const Headers& trailers() const;

  bool hasError() const;
  const ParseError& error() const;

  // Framing of the current message, known after its Head.
  bool keepAlive() const;          // per version and Connection header
  bool chunked() const;
  std::optional<uint64_t> contentLength() const;
  bool bodyUntilClose() const;     // response delimited by the connection closing
  bool upgrade() const;            // Upgrade / CONNECT: bytes after the head are not HTTP
  bool inMessage() const;          // a message has begun and is not complete

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace ps::engine::http
