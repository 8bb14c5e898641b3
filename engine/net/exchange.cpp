#include "engine/net/exchange.h"

#include <asio/experimental/awaitable_operators.hpp>
#include <asio/steady_timer.hpp>
#include <deque>

#include "engine/http/message_writer.h"
#include "engine/net/traffic_pacing.h"
#include "engine/net/upstream_pool.h"
#include "engine/tls/tls_interceptor.h"
#include "engine/tls/tls_stream.h"

namespace ps::engine::net {

void captureBody(Body& body, std::string_view data, const EngineConfig& config, uint64_t expectedTotal) {
  body.size += data.size();
  if (!config.capture) return;
  size_t cap = config.limits.bodyCaptureBytes;
  if (body.captured.size() >= cap) return;
  size_t take = std::min(data.size(), cap - body.captured.size());
  size_t needed = body.captured.size() + take;
  if (needed > body.captured.capacity()) {
    // Grow to an exact size (the announced length, or 4x what is needed) and never past the cap:
    // std::string's own doubling could overshoot the cap by almost 2x on a large body.
    size_t target = expectedTotal != 0 ? std::min<uint64_t>(cap, expectedTotal) : std::min(cap, std::max<size_t>(needed * 4, 64 * 1024));
    target = std::max(target, needed);
    std::string grown;
    grown.reserve(target);
    grown.append(body.captured);
    body.captured.swap(grown);
  }
  body.captured.append(data.data(), take);
}

namespace {

// How long to wait for an interim 100 before sending the body anyway (as curl does): an origin that
// ignores the expectation would otherwise stall the request (RFC 9110 10.1.1).
constexpr std::chrono::milliseconds kContinueWait{1000};
// The largest response body held whole for a breakpoint or a rewrite rule.
constexpr size_t kMaxHeldBody = 64 * 1024 * 1024;
// Read buffer size once a response body has passed this size (bulk transfer).
constexpr size_t kLargeBufferBytes = 256 * 1024;

// Bytes queued for one gather write to the client; views point into the upstream read buffer or into
// owned framing strings (a deque keeps them at stable addresses).
class OutQueue {
 public:
  void add(std::string_view bytes) {
    if (!bytes.empty()) m_buffers.emplace_back(bytes.data(), bytes.size());
  }
  void addOwned(std::string bytes) {
    m_owned.push_back(std::move(bytes));
    add(m_owned.back());
  }
  bool empty() const { return m_buffers.empty(); }
  std::span<const asio::const_buffer> buffers() const { return m_buffers; }
  size_t bytes() const {
    size_t n = 0;
    for (const auto& b : m_buffers) n += b.size();
    return n;
  }
  void clear() {
    m_buffers.clear();
    m_owned.clear();
  }

 private:
  std::vector<asio::const_buffer> m_buffers;
  std::deque<std::string> m_owned;
};

class Exchange {
 public:
  Exchange(ConnectionContext& ctx, Flow& flow, ExchangeRequest& request, Downstream& downstream)
      : m_ctx(ctx), m_config(*ctx.config), m_flow(flow), m_req(request), m_down(downstream) {}

  asio::awaitable<ExchangeOutcome> run();

 private:
  enum class Step { Ok, ClientGone, UpstreamFailed };

  asio::awaitable<bool> connect(bool allowReuse);
  asio::awaitable<Step> sendRequest();
  asio::awaitable<Step> sendBody();
  asio::awaitable<Step> readResponse();
  asio::awaitable<bool> waitForContinue();
  bool processEvents(Step& step);  // false when the response is complete or failed
  void onFinalHead(const http::ResponseHead& head);
  asio::awaitable<bool> flushToClient();
  asio::awaitable<ExchangeOutcome> answer(int status, ErrorKind kind, std::string message);
  void discardUpstream();

  ConnectionContext& m_ctx;
  const EngineConfig& m_config;
  Flow& m_flow;
  ExchangeRequest& m_req;
  Downstream& m_down;

  UpstreamPtr m_up;
  bool m_reused = false;
  std::optional<StreamRegistration> m_registration;
  size_t m_begin = 0, m_end = 0;  // unparsed bytes in m_up->buffer
  OutQueue m_out;
  std::vector<char> m_spare;  // second read buffer while a bulk body streams

  bool m_bodySent = false;         // the whole request body went upstream
  bool m_bodyStarted = false;      // some of it was taken from the client (no retry then)
  bool m_headSentToClient = false; // the final response head was written to the client
  bool m_responseDone = false;
  bool m_clientChunked = false;    // re-chunk the response body for the client
  bool m_closeClient = false;
  bool m_noResponseBody = false;
  bool m_anyResponseByte = false;
  std::string m_upstreamError;
  ErrorKind m_upstreamErrorKind = ErrorKind::None;
  bool m_proxyUnreachable = false;  // the last connect() failed to reach the upstream proxy itself

  // Response stage of the interceptors (breakpoints, rewrite rules): the response is held whole and
  // released to the client once they are done with it.
  std::vector<ExchangeInterceptor*> m_responseInterceptors;
  bool m_holding = false;
  bool m_switching = false;  // 101 to an Upgrade request: the connection becomes a relay
  http::ResponseHead m_heldHead;
  std::string m_heldBody;
  // A streaming body transform (compression) chosen just before the client's head is written.
  std::unique_ptr<ResponseBodyTransform> m_transform;
  void queueBody(std::string_view data);
  void queueBodyEnd();
  asio::awaitable<bool> releaseHeld();
  void onSwitchingProtocols(const http::ResponseHead& head);
  void writeClientHead(const http::ResponseHead& head, std::optional<size_t> fixedLength);
};

asio::awaitable<bool> Exchange::connect(bool allowReuse) {
  if (m_req.target.proxy) {
    // Upstream-proxies policy: which proxy carried the flow (also when it could not be reached).
    std::string tag = "upstream-proxy:" + m_req.target.proxy->name;
    if (!m_flow.hasTag(tag)) m_flow.tags.push_back(std::move(tag));
  }
  if (m_req.target.shaper && !m_req.target.shaper->injectedFailure.empty()) {
    // Network conditions, reverse mode: the attempt fails as the backend's (passive health, retries).
    m_upstreamErrorKind = ErrorKind::UpstreamConnect;
    m_upstreamError = m_req.target.shaper->injectedFailure;
    co_return false;
  }
  AcquireResult acquired;
  if (allowReuse) acquired.connection = m_ctx.worker.pool.takeIdle(m_req.target);  // warm pool: no frame
  if (acquired.connection) {
    acquired.reused = true;
  } else {
    // The idle list was just looked at: acquire() connects without looking again.
    acquired = co_await m_ctx.worker.pool.acquire(m_req.target, m_config, *m_ctx.hooks, false);
  }
  if (!acquired.connection) {
    m_upstreamErrorKind = acquired.errorKind;
    m_upstreamError = std::move(acquired.error);
    m_proxyUnreachable = acquired.proxyUnreachable;
    co_return false;
  }
  m_up = std::move(acquired.connection);
  m_reused = acquired.reused;
  m_registration.emplace(m_ctx.worker, m_up->stream.get());
  if (!m_reused) {
    m_flow.timing.dnsDone = acquired.dnsDone;
    m_flow.timing.connectDone = acquired.connectDone;
    m_flow.timing.tlsDone = acquired.tlsDone;
  }
  m_flow.serverAddress = m_up->address;
  // Issue 3: an upstream whose certificate was accepted by the --insecure-upstream opt-in says so.
  if (auto* tlsStream = dynamic_cast<tls::TlsStream*>(m_up->stream.get()); tlsStream && tlsStream->insecure()) {
    m_flow.tags.emplace_back(tls::kTagInsecureUpstream);
  }
  if (!m_up->parser) {
    http::ParserLimits limits{m_config.limits.maxRequestLine, m_config.limits.maxHeaderBytes,
                              m_config.limits.maxHeaderCount};
    m_up->parser = std::make_unique<http::Http1Parser>(http::Http1Parser::Kind::Response, limits);
  }
  m_up->parser->expectResponseTo(m_req.forwarded.method);
  m_begin = m_end = 0;
  co_return true;
}

void Exchange::discardUpstream() {
  if (!m_up) return;
  m_up->stream->close();
  m_registration.reset();
  m_up.reset();
}

asio::awaitable<ExchangeOutcome> Exchange::answer(int status, ErrorKind kind, std::string message) {
  m_flow.error = FlowError{kind, message};
  if (m_headSentToClient) co_return ExchangeOutcome{false};  // too late to answer: cut the client off
  Response response;
  response.status = status;
  response.reason = std::string(http::reasonPhrase(status));
  response.body.captured = message + "\n";
  response.body.size = response.body.captured.size();
  bool keep = m_req.clientKeepAlive && (!m_req.hasBody || m_bodySent);
  std::string bytes = http::simpleResponse(status, response.body.captured, !keep);
  response.headers.add("Content-Type", "text/plain; charset=utf-8");
  response.headers.add("Content-Length", std::to_string(response.body.size));
  m_flow.response = std::move(response);
  const asio::const_buffer bytesBuffer = asio::buffer(bytes);
  auto written = co_await m_down.writeToClient(oneBuffer(bytesBuffer));
  m_flow.bytesToClient += written.bytes;
  co_return ExchangeOutcome{keep && !written.ec};
}

asio::awaitable<ExchangeOutcome> Exchange::run() {
  if (m_ctx.worker.stopping) co_return co_await answer(503, ErrorKind::Killed, "proxy is shutting down");
  for (int attempt = 0; attempt < 2; ++attempt) {
    m_proxyUnreachable = false;
    if (!co_await connect(attempt == 0)) {
      // Forward mode, upstream proxies: another proxy of the pool may carry it (failover).
      if (m_proxyUnreachable) {
        if (auto next = m_ctx.hooks->router->proxyUnreachable(m_flow, m_req.target, m_req.forwarded, m_upstreamError)) {
          m_req.target = std::move(*next);
          m_upstreamError.clear();
          m_upstreamErrorKind = ErrorKind::None;
          attempt = -1;
          continue;
        }
      }
      // Reverse mode: the router may send the request to another backend.
      if (auto next = m_ctx.hooks->router->retryTarget(m_flow, m_req.target, m_req.forwarded, m_upstreamErrorKind,
                                                       m_upstreamError, false)) {
        m_req.target = std::move(*next);
        m_upstreamError.clear();
        m_upstreamErrorKind = ErrorKind::None;
        attempt = -1;  // the new target gets its own stale-connection retry
        continue;
      }
      m_ctx.hooks->router->upstreamResult(m_req.target, false);
      m_ctx.hooks->router->exchangeFinished(m_flow, m_req.target, false);
      int status = m_upstreamErrorKind == ErrorKind::UpstreamTimeout ? 504 : 502;
      co_return co_await answer(status, m_upstreamErrorKind, m_upstreamError);
    }
    Step step = co_await sendRequest();
    if (step == Step::Ok) step = co_await readResponse();
    if (step == Step::ClientGone) {
      discardUpstream();
      if (!m_flow.error) m_flow.error = FlowError{ErrorKind::ClientDisconnected, "client closed the connection"};
      co_return ExchangeOutcome{false};
    }
    if (step == Step::Ok) break;
    // A pooled connection the origin had already closed fails before any response byte: retry once
    // on a fresh connection when nothing of the request body was consumed (RFC 9112 9.3.1).
    bool retry = m_reused && !m_anyResponseByte && !m_bodyStarted && m_upstreamErrorKind != ErrorKind::UpstreamTimeout;
    discardUpstream();
    if (retry) {
      m_upstreamError.clear();
      m_upstreamErrorKind = ErrorKind::None;
      continue;
    }
    // Reverse mode: nothing reached the client yet, so the router may try another backend.
    if (!m_anyResponseByte && !m_bodyStarted && !m_headSentToClient) {
      if (auto next = m_ctx.hooks->router->retryTarget(m_flow, m_req.target, m_req.forwarded, m_upstreamErrorKind,
                                                       m_upstreamError, true)) {
        m_req.target = std::move(*next);
        m_upstreamError.clear();
        m_upstreamErrorKind = ErrorKind::None;
        m_bodySent = false;
        attempt = -1;
        continue;
      }
    }
    m_ctx.hooks->router->upstreamResult(m_req.target, false);
    m_ctx.hooks->router->exchangeFinished(m_flow, m_req.target, false);
    int status = m_upstreamErrorKind == ErrorKind::UpstreamTimeout ? 504 : 502;
    co_return co_await answer(status, m_upstreamErrorKind, m_upstreamError);
  }
  m_ctx.hooks->router->upstreamResult(m_req.target, true);
  m_ctx.hooks->router->exchangeFinished(m_flow, m_req.target, true);
  bool reusable = m_up && !m_switching && m_bodySent && m_responseDone && m_up->parser->keepAlive() && m_begin == m_end &&
                  !m_up->parser->hasError();
  if (reusable) {
    ++m_up->exchanges;
    m_registration.reset();
    m_ctx.worker.pool.release(std::move(m_up), m_config);
  } else {
    discardUpstream();
  }
  if (m_switching) co_return ExchangeOutcome{false, true};
  co_return ExchangeOutcome{m_req.clientKeepAlive && !m_closeClient && m_bodySent};
}

asio::awaitable<Exchange::Step> Exchange::sendRequest() {
  auto& head = m_req.forwarded;
  if (m_req.bodyChunked) head.headers.add("Transfer-Encoding", "chunked");
  std::string bytes = http::writeRequestHead(head);
  if (m_req.bodyChunked) head.headers.remove("Transfer-Encoding");  // a retry adds it again
  m_up->deadline->arm(m_config.timeouts.io);
  auto written = co_await m_up->stream->writeAll(asio::buffer(bytes));
  m_up->deadline->disarm();
  if (written.ec) {
    m_upstreamErrorKind = ErrorKind::UpstreamConnect;
    m_upstreamError = "writing the request to " + m_req.target.authority() + " failed: " + written.ec.message();
    co_return Step::UpstreamFailed;
  }
  if (!m_req.hasBody) {
    m_bodySent = true;
    m_flow.timing.requestSent = nowMicros();
    co_return Step::Ok;
  }
  if (m_req.expectContinue && !co_await waitForContinue()) {
    co_return m_upstreamErrorKind == ErrorKind::None && m_flow.error ? Step::ClientGone : Step::Ok;
  }
  co_return co_await sendBody();
}

// Waits briefly for the origin's answer to "Expect: 100-continue". Returns true to send the body;
// false when the origin already sent a final response (the body is then not forwarded and the
// client connection is closed afterwards, since its body was never read).
asio::awaitable<bool> Exchange::waitForContinue() {
  using namespace asio::experimental::awaitable_operators;
  asio::steady_timer timer(m_up->stream->socket().get_executor());
  timer.expires_after(kContinueWait);
  auto& buf = m_up->buffer;
  auto outcome = co_await (m_up->stream->readSome(asio::buffer(buf.data(), buf.size())) || timer.async_wait(kUseTuple));
  if (outcome.index() == 1) co_return true;  // no interim answer: send the body anyway
  IoResult r = std::get<0>(outcome);
  if (r.ec || r.bytes == 0) co_return true;  // the response read below reports it
  m_anyResponseByte = true;
  m_flow.timing.responseStart = nowMicros();
  m_end = r.bytes;
  // Relay interim responses; stop at a final head.
  Step step = Step::Ok;
  while (m_begin < m_end) {
    auto& parser = *m_up->parser;
    size_t n = parser.feed(std::string_view(buf.data() + m_begin, m_end - m_begin));
    m_begin += n;
    if (parser.hasError()) co_return true;  // readResponse() reports it
    bool sawFinal = false;
    for (const auto& ev : parser.events()) {
      if (ev.type == http::Http1Parser::Event::Type::Head) {
        if (parser.response().status >= 200) {
          onFinalHead(parser.response());
          sawFinal = true;
        } else {
          m_out.addOwned(http::writeResponseHead(parser.response()));
        }
      }
    }
    if (sawFinal) {
      m_closeClient = true;  // the client's body stays unread
      m_bodySent = false;
      co_return false;
    }
    if (n == 0) break;
  }
  if (!co_await flushToClient()) {
    m_flow.error = FlowError{ErrorKind::ClientDisconnected, "client closed the connection"};
    co_return false;
  }
  (void)step;
  co_return true;
}

asio::awaitable<Exchange::Step> Exchange::sendBody() {
  for (;;) {
    BodyPiece piece = co_await m_down.readRequestBody();
    if (piece.failed) {
      m_flow.error = FlowError{piece.errorKind, piece.error};
      co_return Step::ClientGone;
    }
    m_bodyStarted = true;
    captureBody(m_flow.request.body, piece.data, m_config);
    asio::const_buffer parts[4];  // chunk prefix, data, suffix, last chunk
    size_t count = 0;
    std::string prefix;
    if (!piece.data.empty()) {
      if (m_req.bodyChunked) {
        prefix = http::chunkPrefix(piece.data.size());
        parts[count++] = asio::buffer(prefix);
        parts[count++] = asio::buffer(piece.data.data(), piece.data.size());
        parts[count++] = asio::buffer(http::kChunkSuffix.data(), http::kChunkSuffix.size());
      } else {
        parts[count++] = asio::buffer(piece.data.data(), piece.data.size());
      }
    }
    if (piece.done && m_req.bodyChunked) parts[count++] = asio::buffer(http::kLastChunk.data(), http::kLastChunk.size());
    if (count > 0) {
      // Unshaped (nearly always): no coroutine frame for a pace that would return at once.
      if (m_req.target.shaper) co_await pace(m_req.target.shaper.get(), PaceDirection::Upload, piece.data.size());
      m_up->deadline->arm(m_config.timeouts.io);
      auto written = co_await m_up->stream->writeAll(std::span<const asio::const_buffer>(parts, count));
      m_up->deadline->disarm();
      if (written.ec) {
        m_upstreamErrorKind = m_up->deadline->expired() ? ErrorKind::UpstreamTimeout : ErrorKind::UpstreamConnect;
        m_upstreamError = "sending the request body to " + m_req.target.authority() + " failed: " + written.ec.message();
        co_return Step::UpstreamFailed;
      }
    }
    if (piece.done) break;
  }
  m_bodySent = true;
  m_flow.timing.requestSent = nowMicros();
  co_return Step::Ok;
}

void Exchange::onFinalHead(const http::ResponseHead& head) {
  m_flow.timing.responseHeaders = nowMicros();
  Response response;
  response.status = head.status;
  response.reason = head.reason;
  response.versionMajor = head.versionMajor;
  response.versionMinor = head.versionMinor;
  response.headers = head.headers;
  m_flow.response = std::move(response);
  const std::string& method = m_req.forwarded.method;
  m_noResponseBody = method == "HEAD" || head.status == 204 || head.status == 304 || (head.status >= 100 && head.status < 200);

  m_responseInterceptors.clear();
  for (const auto& interceptor : m_ctx.hooks->interceptors) {
    if (interceptor->wantsResponse(m_flow)) m_responseInterceptors.push_back(interceptor.get());
  }
  if (!m_responseInterceptors.empty()) {
    // Held whole: nothing goes to the client until the interceptors have decided.
    m_holding = true;
    m_heldHead = head;
    m_heldBody.clear();
    publishSnapshot(m_ctx.worker.hub, FlowEventType::ResponseHeaders, m_flow);
    return;
  }
  writeClientHead(head, std::nullopt);
  publishSnapshot(m_ctx.worker.hub, FlowEventType::ResponseHeaders, m_flow);
}

void Exchange::onSwitchingProtocols(const http::ResponseHead& head) {
  m_flow.timing.responseHeaders = nowMicros();
  Response response;
  response.status = head.status;
  response.reason = head.reason;
  response.headers = head.headers;
  m_flow.response = std::move(response);
  m_flow.kind = FlowKind::WebSocket;
  http::ResponseHead out = head;
  std::string protocol(head.headers.get("Upgrade").value_or(m_req.upgrade));
  http::stripHopByHop(out.headers);
  out.headers.add("Connection", "Upgrade");
  out.headers.add("Upgrade", protocol);
  m_out.addOwned(http::writeResponseHead(out));
  m_headSentToClient = true;
  m_switching = true;
  m_responseDone = true;
  publishSnapshot(m_ctx.worker.hub, FlowEventType::ResponseHeaders, m_flow);
}

// The client's copy of the head: hop-by-hop removed (RFC 9110 7.6.1), framing chosen for this
// client. fixedLength: the whole body is known (held responses), so it is sent with Content-Length.
void Exchange::writeClientHead(const http::ResponseHead& head, std::optional<size_t> fixedLength) {
  auto& parser = *m_up->parser;
  // Scratch of this worker thread: nothing here suspends, and `out` is written out before the
  // function returns. Its strings keep their capacity from one response to the next, so the
  // client's copy of a head costs no allocation once warm.
  thread_local http::ResponseHead out;
  out.status = head.status;
  out.reason.assign(head.reason);
  out.versionMajor = 1;
  out.versionMinor = 1;
  http::copyEndToEnd(head.headers, out.headers);
  if (!m_noResponseBody) {
    for (const auto& interceptor : m_ctx.hooks->interceptors) {
      if ((m_transform = interceptor->transformResponse(m_flow, out))) break;
    }
  } else {
    const int before = out.status;
    for (const auto& interceptor : m_ctx.hooks->interceptors) interceptor->rewriteBodilessHead(m_flow, out);
    // A 204/304 rewritten to a status that has content: its (empty) length must be said (RFC 9112 6.3).
    if (out.status != before && out.status >= 200 && out.status != 204 && out.status != 304 &&
        m_req.forwarded.method != "HEAD" && !out.headers.has("Content-Length")) {
      out.headers.add("Content-Length", "0");
    }
  }
  if (m_transform) {
    // The transformed length is unknown until the end: chunked for HTTP/1.1, else close-delimited.
    out.headers.remove("Content-Length");
    if (m_req.clientVersionMinor >= 1) {
      m_clientChunked = true;
      out.headers.add("Transfer-Encoding", "chunked");
    } else {
      m_closeClient = true;
    }
  } else if (fixedLength && !m_noResponseBody) {
    out.headers.remove("Content-Length");
    out.headers.add("Content-Length", std::to_string(*fixedLength));
  } else if (!m_noResponseBody && !parser.contentLength()) {
    // Chunked or close-delimited upstream: re-chunk for HTTP/1.1 clients so the client connection
    // survives; HTTP/1.0 clients get a close-delimited body.
    if (m_req.clientVersionMinor >= 1) {
      m_clientChunked = true;
      out.headers.add("Transfer-Encoding", "chunked");
    } else {
      m_closeClient = true;
    }
  }
  if (!m_req.clientKeepAlive || m_closeClient || m_req.clientVersionMinor == 0) {
    m_closeClient = true;
    out.headers.add("Connection", "close");
  }
  m_ctx.hooks->router->rewriteResponseHead(m_flow, m_req.target, out);  // reverse: cookie, identity
  m_out.addOwned(http::writeResponseHead(out));
  m_headSentToClient = true;  // from here on an upstream failure can only cut the client off
}

// The held response has arrived whole: every interested interceptor sees (and may change) it, then
// it goes to the client in one piece. False when the client went away.
asio::awaitable<bool> Exchange::releaseHeld() {
  m_holding = false;
  tcp::socket* client = m_down.clientSocket();
  for (ExchangeInterceptor* interceptor : m_responseInterceptors) {
    StageVerdict verdict = co_await interceptor->onResponse(m_flow, m_heldHead, m_heldBody, client);
    if (verdict.kind == StageVerdict::Kind::Abort) {
      m_flow.error = FlowError{verdict.errorKind, verdict.reason};
      m_closeClient = true;
      if (verdict.closeConnection) co_return false;
      std::string bytes = http::simpleResponse(502, verdict.reason + "\n", true);
      const asio::const_buffer buffer = asio::buffer(bytes);
      auto written = co_await m_down.writeToClient(oneBuffer(buffer));
      m_flow.bytesToClient += written.bytes;
      co_return false;
    }
    if (verdict.kind == StageVerdict::Kind::Respond) {
      m_heldHead.status = verdict.response.status;
      m_heldHead.reason = verdict.response.reason;
      m_heldHead.headers = verdict.response.headers;
      m_heldBody = verdict.response.body.captured;
      // The answer replaces the upstream's (e.g. a cached body for a 304): its own status decides.
      m_noResponseBody = m_req.forwarded.method == "HEAD" || m_heldHead.status == 204 || m_heldHead.status == 304;
      Response answered = verdict.response;
      answered.body.size = answered.body.captured.size();
      m_flow.response = std::move(answered);
      break;
    }
  }
  m_clientChunked = false;
  writeClientHead(m_heldHead, m_heldBody.size());
  if (!m_noResponseBody) {
    queueBody(m_heldBody);
    queueBodyEnd();
  }
  co_return co_await flushToClient();
}

// Handles the parser's events of the last feed(); returns false once the response is complete.
bool Exchange::processEvents(Step& step) {
  auto& parser = *m_up->parser;
  for (const auto& ev : parser.events()) {
    switch (ev.type) {
      case http::Http1Parser::Event::Type::Head:
        if (parser.response().status == 101 && !m_req.upgrade.empty()) {
          // The upstream took up the client's Upgrade (RFC 9110 7.8): pass the 101 on with the
          // Upgrade/Connection fields the hop-by-hop rule would drop; what follows is not HTTP.
          onSwitchingProtocols(parser.response());
          step = Step::Ok;
          return false;
        }
        if (parser.response().status < 200) {
          // Interim responses are relayed as they come (RFC 9110 15.2).
          m_out.addOwned(http::writeResponseHead(parser.response()));
        } else {
          onFinalHead(parser.response());
        }
        break;
      case http::Http1Parser::Event::Type::Body:
        if (ev.data.empty()) break;
        captureBody(m_flow.response->body, ev.data, m_config, parser.contentLength().value_or(0));
        if (m_holding) {
          m_heldBody.append(ev.data.data(), ev.data.size());
          if (m_heldBody.size() > kMaxHeldBody) {
            // Too large to hold: the interceptors are skipped and the response streams on as is.
            m_holding = false;
            m_flow.tags.emplace_back("too-large-to-hold");
            writeClientHead(m_heldHead, std::nullopt);
            queueBody(m_heldBody);
          }
        } else {
          queueBody(ev.data);
        }
        break;
      case http::Http1Parser::Event::Type::Complete:
        if (!m_flow.response) break;  // end of an interim response
        if (!m_holding) queueBodyEnd();
        m_responseDone = true;
        step = Step::Ok;
        return false;
    }
  }
  return true;
}

// Queues response body bytes for the client: through the transform when there is one, framed as
// chunks when the client gets a chunked body. Views into `data` must stay valid until the flush.
void Exchange::queueBody(std::string_view data) {
  std::string transformed;
  if (m_transform) {
    transformed = m_transform->feed(data);
    data = transformed;
  }
  if (data.empty()) return;
  if (m_clientChunked) m_out.addOwned(http::chunkPrefix(data.size()));
  if (m_transform) {
    m_out.addOwned(std::move(transformed));
  } else {
    m_out.add(data);
  }
  if (m_clientChunked) m_out.add(http::kChunkSuffix);
}

// The body is complete: the transform's tail, then the last chunk.
void Exchange::queueBodyEnd() {
  if (m_transform) {
    std::string tail = m_transform->finish(m_flow);
    m_transform.reset();
    if (!tail.empty()) {
      if (m_clientChunked) m_out.addOwned(http::chunkPrefix(tail.size()));
      m_out.addOwned(std::move(tail));
      if (m_clientChunked) m_out.add(http::kChunkSuffix);
    }
  }
  if (m_clientChunked) m_out.add(http::kLastChunk);
}

asio::awaitable<bool> Exchange::flushToClient() {
  if (m_out.empty()) co_return true;
  if (m_req.target.shaper) co_await pace(m_req.target.shaper.get(), PaceDirection::Download, m_out.bytes());
  auto written = co_await m_down.writeToClient(m_out.buffers());
  m_flow.bytesToClient += written.bytes;
  m_out.clear();
  co_return !written.ec;
}

asio::awaitable<Exchange::Step> Exchange::readResponse() {
  auto& buf = m_up->buffer;
  auto& parser = *m_up->parser;
  Step step = Step::Ok;
  for (;;) {
    while (m_begin < m_end) {
      size_t n = parser.feed(std::string_view(buf.data() + m_begin, m_end - m_begin));
      m_begin += n;
      if (parser.hasError()) {
        m_upstreamErrorKind = ErrorKind::UpstreamProtocol;
        m_upstreamError = "bad response from " + m_req.target.authority() + ": " + parser.error().reason;
        co_return Step::UpstreamFailed;
      }
      if (!processEvents(step)) {
        if (m_switching) {
          if (!co_await flushToClient()) co_return Step::ClientGone;
          std::string rest(buf.data() + m_begin, m_end - m_begin);
          m_begin = m_end;
          co_await m_down.relayUpgraded(*m_up->stream, std::move(rest), m_flow);
          m_flow.timing.end = nowMicros();
          co_return Step::Ok;
        }
        if (m_holding && !co_await releaseHeld()) co_return m_flow.error ? Step::Ok : Step::ClientGone;
        if (!co_await flushToClient()) co_return Step::ClientGone;
        m_flow.timing.end = nowMicros();
        co_return Step::Ok;
      }
      if (n == 0) break;
    }
    IoResult r;
    // Reverse mode may set a per-pool response timeout on the target.
    const auto responseTimeout = m_req.target.responseTimeout.value_or(m_config.timeouts.upstreamResponse);
    if (buf.size() >= kLargeBufferBytes && !m_out.empty()) {
      // Bulk body: write what was parsed to the client while the next piece is read from the
      // upstream into the spare buffer (the queued views point into the current one).
      using namespace asio::experimental::awaitable_operators;
      if (m_spare.size() != buf.size()) m_spare.resize(buf.size());
      m_up->deadline->arm(m_config.timeouts.io);
      auto [wrote, read] = co_await (flushToClient() && m_up->stream->readSome(asio::buffer(m_spare.data(), m_spare.size())));
      m_up->deadline->disarm();
      if (!wrote) co_return Step::ClientGone;
      std::swap(m_up->buffer, m_spare);  // swaps heap blocks: buf now holds what was just read
      m_begin = m_end = 0;
      r = read;
    } else {
      // Everything parsed is queued: send it before the buffer is reused.
      if (!co_await flushToClient()) co_return Step::ClientGone;
      m_begin = m_end = 0;
      // A large body streams with fewer, bigger reads; small exchanges keep the small buffer.
      if (m_flow.response && buf.size() < kLargeBufferBytes && m_flow.response->body.size >= kLargeBufferBytes) {
        buf.resize(kLargeBufferBytes);
      }
      m_up->deadline->arm(m_anyResponseByte ? m_config.timeouts.io : responseTimeout);
      r = co_await m_up->stream->readSome(asio::buffer(buf.data(), buf.size()));
      m_up->deadline->disarm();
    }
    if (r.ec) {
      if (m_up->deadline->expired()) {
        m_upstreamErrorKind = ErrorKind::UpstreamTimeout;
        auto limit = m_anyResponseByte ? m_config.timeouts.io : responseTimeout;
        m_upstreamError = "upstream " + m_req.target.authority() + " did not answer within " +
                          std::to_string(limit.count()) + " ms";
        co_return Step::UpstreamFailed;
      }
      if (r.ec == asio::error::eof) {
        bool clean = parser.feedEof();
        if (clean && !processEvents(step)) {
          if (m_holding && !co_await releaseHeld()) co_return m_flow.error ? Step::Ok : Step::ClientGone;
          if (!co_await flushToClient()) co_return Step::ClientGone;
          m_flow.timing.end = nowMicros();
          co_return Step::Ok;
        }
        m_upstreamErrorKind = ErrorKind::UpstreamProtocol;
        m_upstreamError = m_anyResponseByte
                              ? "upstream " + m_req.target.authority() + " closed the connection mid-response"
                              : "upstream " + m_req.target.authority() + " closed the connection without a response";
        co_return Step::UpstreamFailed;
      }
      m_upstreamErrorKind = ErrorKind::UpstreamProtocol;
      m_upstreamError = "reading the response from " + m_req.target.authority() + " failed: " + r.ec.message();
      co_return Step::UpstreamFailed;
    }
    if (!m_anyResponseByte) {
      m_anyResponseByte = true;
      m_flow.timing.responseStart = nowMicros();
    }
    m_end = r.bytes;
  }
}

}  // namespace

asio::awaitable<ExchangeOutcome> runExchange(ConnectionContext& ctx, Flow& flow, ExchangeRequest& request,
                                             Downstream& downstream) {
  Exchange exchange(ctx, flow, request, downstream);
  co_return co_await exchange.run();
}

}  // namespace ps::engine::net
