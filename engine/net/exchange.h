#pragma once
// The upstream side of one HTTP exchange, shared by every mode (forward, reverse, intercepted TLS)
// and by replay: take a pooled or new connection to the target, send the head, stream the request
// body, read the response (interim 1xx relayed), stream it back, fill the flow's timings and publish
// ResponseHeaders. Errors the proxy answers itself (502/504) are written to the client here.
//
// Front side and back side meet here (nghttpx's Downstream): the client is reached only through the
// Downstream interface, so a replay can supply its body from memory and collect the response.
#include <asio/awaitable.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "engine/core/flow.h"
#include "engine/http/http1_parser.h"
#include "engine/net/connection_context.h"
#include "engine/net/hooks.h"
#include "engine/net/stream.h"

namespace ps::engine::net {

struct BodyPiece {
  std::string_view data;  // valid until the next readRequestBody() call
  bool done = false;      // the body is complete (data may still hold a last piece)
  bool failed = false;    // the client went away or sent a malformed body
  ErrorKind errorKind = ErrorKind::None;
  std::string error;
  static BodyPiece end() {
    BodyPiece piece;
    piece.done = true;
    return piece;
  }
};

inline std::span<const asio::const_buffer> oneBuffer(const asio::const_buffer& buffer) { return {&buffer, 1}; }

class Downstream {
 public:
  virtual ~Downstream() = default;
  // The next piece of the request body, transfer coding removed.
  virtual asio::awaitable<BodyPiece> readRequestBody() = 0;
  // Writes bytes to the client (head, body framing and body, already serialised).
  virtual asio::awaitable<IoResult> writeToClient(std::span<const asio::const_buffer> buffers) = 0;
  // The client's socket, watched for a disconnect while a flow is paused; nullptr when there is no
  // client connection (replays).
  virtual tcp::socket* clientSocket() { return nullptr; }
  // After a 101 Switching Protocols already written to the client: relays the connection both ways
  // until it ends (bytes after the 101 from the upstream go to the client first). Counts bytes on
  // the flow. A client that is not a connection (replay) cannot switch: the default does nothing.
  virtual asio::awaitable<void> relayUpgraded(Stream& upstream, std::string upstreamBytes, Flow& flow) {
    (void)upstream;
    (void)upstreamBytes;
    (void)flow;
    co_return;
  }
};

struct ExchangeRequest {
  http::RequestHead forwarded;  // routed copy, hop-by-hop fields removed
  UpstreamTarget target;
  bool hasBody = false;         // a request body follows the head
  bool bodyChunked = false;     // it arrives chunked (re-chunked upstream since its length is unknown)
  bool expectContinue = false;  // Expect: 100-continue (RFC 9110 10.1.1)
  bool clientKeepAlive = true;  // the client connection may serve another request afterwards
  int clientVersionMinor = 1;   // HTTP/1.0 clients get close-delimited bodies, never chunked
  std::string upgrade;          // the protocol the client asked to switch to (Upgrade, RFC 9110 7.8), or ""
};

struct ExchangeOutcome {
  bool keepClient = false;  // the client connection is clean and may carry the next request
  bool upgraded = false;    // 101 Switching Protocols: the connection was relayed to its end
};

// Runs one exchange. The flow's request head is already filled; the flow gets serverAddress,
// response, timings, byte counts and error (if any). The caller publishes Started before and
// Error/Finished after.
asio::awaitable<ExchangeOutcome> runExchange(ConnectionContext& ctx, Flow& flow, ExchangeRequest& request,
                                             Downstream& downstream);

// Appends up to the capture cap of `data` to body, counting every byte. expectedTotal: the announced
// body length when known (the capture buffer is then sized once).
void captureBody(Body& body, std::string_view data, const EngineConfig& config, uint64_t expectedTotal = 0);

}  // namespace ps::engine::net
