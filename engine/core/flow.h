#pragma once
// Flow: one request/response exchange, one WebSocket session or one CONNECT tunnel that was not
// intercepted. Plain data; the engine publishes immutable snapshots of it (FlowEvent).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/headers.h"

namespace ps::engine {

enum class ProxyMode { Forward, Reverse };
enum class FlowKind { Http, Tunnel, WebSocket };

// Bytes of a message body as they travel (content-coding still applied, transfer-coding removed).
// The first bytes up to the capture cap are kept; the rest are only counted.
struct Body {
  std::string captured;
  uint64_t size = 0;  // every body byte seen, captured or not
  bool truncated() const { return size > captured.size(); }
};

struct Request {
  std::string method;
  std::string target;  // request-target exactly as received (absolute-, origin- or authority-form)
  std::string scheme;  // "http" or "https"
  std::string host;    // without brackets for IPv6
  uint16_t port = 0;
  std::string path;    // path and query ("/a/b?c=d"); "" for authority-form
  int versionMajor = 1;
  int versionMinor = 1;
  Headers headers;
  Body body;

  // scheme://host[:port]/path, port omitted when it is the scheme's default.
  std::string url() const;
  std::string authority() const;  // host[:port] with brackets for IPv6, port always present
};

struct Response {
  int status = 0;
  std::string reason;
  int versionMajor = 1;
  int versionMinor = 1;
  Headers headers;
  Body body;
};

// Microseconds since the Unix epoch; 0 means the phase did not happen (e.g. no DNS on a pooled
// connection). Phases follow HAR 1.2 timings.
struct Timing {
  int64_t start = 0;            // first byte of the request from the client
  int64_t requestHeaders = 0;   // request head parsed
  int64_t dnsDone = 0;
  int64_t connectDone = 0;
  int64_t tlsDone = 0;
  int64_t requestSent = 0;      // last request byte written upstream
  int64_t responseStart = 0;    // first response byte from upstream
  int64_t responseHeaders = 0;  // response head parsed
  int64_t end = 0;              // last response byte written to the client (or the failure)
  int64_t durationMicros() const { return end > start && start > 0 ? end - start : 0; }
};

enum class ErrorKind {
  None,
  ClientProtocol,      // malformed request → 400/414/431
  ClientTimeout,       // client idle or too slow
  ClientDisconnected,  // client went away mid-exchange
  UpstreamConnect,     // DNS failure, refused, unreachable → 502
  UpstreamProtocol,    // malformed response → 502
  UpstreamTimeout,     // upstream silent past the deadline → 504
  UpstreamTls,         // upstream certificate or handshake failure → 502
  ClientTls,           // client rejected our certificate
  NoBackend,           // reverse: no healthy backend → 503
  Blocked,             // a policy refused it
  Killed,              // aborted by the user (breakpoint) or shutdown
  Internal,
};
const char* toString(ErrorKind kind);

struct FlowError {
  ErrorKind kind = ErrorKind::None;
  std::string message;
};

struct Flow {
  uint64_t id = 0;
  uint64_t connectionId = 0;  // the client connection it arrived on
  ProxyMode mode = ProxyMode::Forward;
  FlowKind kind = FlowKind::Http;
  std::string clientAddress;  // "127.0.0.1:54321"
  std::string serverAddress;  // the upstream endpoint connected to, "127.0.0.1:8081"
  Request request;
  std::optional<Response> response;
  Timing timing;
  std::optional<FlowError> error;
  std::vector<std::string> tags;  // "intercepted", "replay", "cached", ...
  std::string backend;            // reverse mode: the backend that answered
  uint64_t replayOf = 0;          // id of the flow this one replays, 0 if none
  uint64_t bytesFromClient = 0;   // wire bytes, both directions (tunnels, totals)
  uint64_t bytesToClient = 0;
  // Fields an imported file carried that Flow has no place for, as JSON text (e.g. HAR "_" fields
  // from Chrome, keyed by where they were: {"entry":{…},"request":{…},…}); written back on export.
  // Empty for captured flows.
  std::string extensions;

  bool hasTag(const std::string& tag) const;
};

using FlowPtr = std::shared_ptr<const Flow>;

// Wall-clock microseconds since the Unix epoch.
int64_t nowMicros();

}  // namespace ps::engine
