#include "engine/net/client_connection.h"

#include <cstring>

#include "engine/http/message_writer.h"
#include "engine/net/deadline.h"
#include "engine/net/exchange.h"
#include "engine/net/tunnel.h"

namespace ps::engine::net {

namespace {

constexpr size_t kClientBufferBytes = 64 * 1024;

class ClientConnection final : public Downstream {
 public:
  ClientConnection(ConnectionContext ctx, std::unique_ptr<Stream> client, ClientInfo info, std::string initial)
      : m_ctx(std::move(ctx)),
        m_config(*m_ctx.config),
        m_client(std::move(client)),
        m_info(std::move(info)),
        m_deadline(m_client->socket().get_executor(), m_client.get()),
        m_registration(m_ctx.worker, m_client.get()),
        m_parser(http::Http1Parser::Kind::Request,
                 http::ParserLimits{m_config.limits.maxRequestLine, m_config.limits.maxHeaderBytes,
                                    m_config.limits.maxHeaderCount}) {
    // The buffer must hold a whole head at the limits, plus room to read.
    m_buffer.resize(std::max(kClientBufferBytes, m_config.limits.maxHeaderBytes + m_config.limits.maxRequestLine + 4096));
    std::memcpy(m_buffer.data(), initial.data(), std::min(initial.size(), m_buffer.size()));
    m_end = std::min(initial.size(), m_buffer.size());
  }

  asio::awaitable<void> run();

  asio::awaitable<BodyPiece> readRequestBody() override;
  asio::awaitable<IoResult> writeToClient(std::span<const asio::const_buffer> buffers) override;
  tcp::socket* clientSocket() override { return m_client ? &m_client->socket() : nullptr; }
  asio::awaitable<void> relayUpgraded(Stream& upstream, std::string upstreamBytes, Flow& flow) override;

 private:
  enum class HeadStatus { Ok, Closed, Failed };
  asio::awaitable<HeadStatus> readHead();
  asio::awaitable<IoResult> readMore(std::chrono::milliseconds timeout);
  asio::awaitable<void> reject(int status, const std::string& reason, ErrorKind kind, Flow flow);
  asio::awaitable<bool> handleRequest();
  enum class StageOutcome { Proceed, Answered, Closed };
  asio::awaitable<StageOutcome> requestStage(Flow& flow, ExchangeRequest& request, UpstreamTarget& target,
                                             std::optional<std::string>& body, bool& keepAlive);
  bool settleMessage();
  Flow newFlow() const;
  void initFlow(Flow& flow) const;
  void finish(Flow&& flow);
  void finish(std::shared_ptr<Flow> flow);

  ConnectionContext m_ctx;
  const EngineConfig& m_config;
  std::unique_ptr<Stream> m_client;
  ClientInfo m_info;
  Deadline m_deadline;
  StreamRegistration m_registration;
  http::Http1Parser m_parser;
  std::vector<char> m_buffer;
  size_t m_begin = 0, m_end = 0;
  int64_t m_requestStart = 0;
  // Body events of the last feed() not yet handed out.
  std::vector<std::string_view> m_bodyQueue;
  size_t m_bodyIndex = 0;
  bool m_bodyComplete = false;
  uint64_t m_flowBytesFromClient = 0;
  LateStarted::Handle m_lateStarted;  // the current request's flow, while its Started waits
};

// A request body held whole by the request stage (and perhaps edited) is sent from memory.
class BufferedDownstream final : public Downstream {
 public:
  BufferedDownstream(Downstream& client, const std::string& body) : m_client(client), m_body(body) {}
  asio::awaitable<BodyPiece> readRequestBody() override {
    BodyPiece piece;
    piece.data = m_given ? std::string_view() : std::string_view(m_body);
    piece.done = true;
    m_given = true;
    co_return piece;
  }
  asio::awaitable<IoResult> writeToClient(std::span<const asio::const_buffer> buffers) override {
    return m_client.writeToClient(buffers);
  }
  tcp::socket* clientSocket() override { return m_client.clientSocket(); }

 private:
  Downstream& m_client;
  const std::string& m_body;
  bool m_given = false;
};

// The largest request body held whole for a breakpoint or a rule (413 beyond it).
constexpr size_t kMaxHeldRequestBody = 64 * 1024 * 1024;

Flow ClientConnection::newFlow() const {
  Flow flow;
  initFlow(flow);
  return flow;
}

void ClientConnection::initFlow(Flow& flow) const {
  flow.id = nextFlowId();
  flow.connectionId = m_info.connectionId;
  flow.mode = m_config.mode;
  flow.clientAddress = m_info.clientAddress;
  flow.timing.start = m_requestStart != 0 ? m_requestStart : nowMicros();
  if (m_info.secure) flow.tags.emplace_back("intercepted");
  if (!m_info.app.empty()) flow.tags.push_back("app:" + m_info.app);
}

void ClientConnection::finish(Flow&& flow) { finish(std::make_shared<Flow>(std::move(flow))); }

// The final snapshot is the flow itself: the request's flow lives in a shared_ptr from the start,
// so publishing it moves nothing.
void ClientConnection::finish(std::shared_ptr<Flow> holder) {
  m_lateStarted.reset();  // finished: no Started snapshot after this
  Flow& flow = *holder;
  auto& counters = m_ctx.worker.counters;
  if (flow.timing.end == 0) flow.timing.end = nowMicros();
  counters.flowsFinished.fetch_add(1, std::memory_order_relaxed);
  counters.bytesFromClients.fetch_add(flow.bytesFromClient, std::memory_order_relaxed);
  counters.bytesToClients.fetch_add(flow.bytesToClient, std::memory_order_relaxed);
  bool failed = flow.error.has_value();
  if (failed) counters.flowsFailed.fetch_add(1, std::memory_order_relaxed);
  std::shared_ptr<const Flow> snapshot = std::move(holder);
  if (failed) publishFlowEvent(m_ctx.worker.hub, FlowEventType::Error, snapshot, snapshot->error->message);
  publishFlowEvent(m_ctx.worker.hub, FlowEventType::Finished, snapshot);
}

asio::awaitable<IoResult> ClientConnection::readMore(std::chrono::milliseconds timeout) {
  if (m_begin > 0) {  // compact: unparsed bytes to the front
    std::memmove(m_buffer.data(), m_buffer.data() + m_begin, m_end - m_begin);
    m_end -= m_begin;
    m_begin = 0;
  }
  if (m_end == m_buffer.size()) co_return IoResult{asio::error::no_buffer_space, 0};
  m_deadline.arm(timeout);
  auto r = co_await m_client->readSome(asio::buffer(m_buffer.data() + m_end, m_buffer.size() - m_end));
  m_deadline.disarm();
  m_end += r.bytes;
  m_flowBytesFromClient += r.bytes;
  co_return r;
}

asio::awaitable<IoResult> ClientConnection::writeToClient(std::span<const asio::const_buffer> buffers) {
  m_deadline.arm(m_config.timeouts.io);
  auto r = co_await m_client->writeAll(buffers);
  m_deadline.disarm();
  co_return r;
}

asio::awaitable<ClientConnection::HeadStatus> ClientConnection::readHead() {
  m_requestStart = m_begin < m_end ? nowMicros() : 0;
  for (;;) {
    // Feed while the parser makes progress (it stops after each Head and Complete event). Never
    // feed an empty buffer: the parser needs none to finish a message.
    while (m_begin < m_end) {
      size_t n = m_parser.feed(std::string_view(m_buffer.data() + m_begin, m_end - m_begin));
      m_begin += n;
      if (m_parser.hasError()) co_return HeadStatus::Failed;
      for (const auto& ev : m_parser.events()) {
        if (ev.type == http::Http1Parser::Event::Type::Head) co_return HeadStatus::Ok;
      }
      if (n == 0 && m_parser.events().empty()) break;
    }
    bool started = m_parser.inMessage() || m_begin < m_end;
    auto r = co_await readMore(started ? m_config.timeouts.clientHeaders : m_config.timeouts.clientIdle);
    if (r.ec) co_return HeadStatus::Closed;
    if (m_requestStart == 0) m_requestStart = nowMicros();
  }
}

// After an exchange that did not read the request body (none was announced): lets the parser reach
// the message's end. False when body bytes remain unread, so the connection cannot be reused.
bool ClientConnection::settleMessage() {
  while (m_parser.inMessage() && !m_parser.hasError() && m_begin < m_end) {
    size_t n = m_parser.feed(std::string_view(m_buffer.data() + m_begin, m_end - m_begin));
    m_begin += n;
    bool progressed = n > 0 || !m_parser.events().empty();
    for (const auto& ev : m_parser.events()) {
      if (ev.type == http::Http1Parser::Event::Type::Body) return false;
      if (ev.type == http::Http1Parser::Event::Type::Complete) return true;
    }
    if (!progressed) return false;
  }
  return !m_parser.hasError() && !m_parser.inMessage();
}

asio::awaitable<BodyPiece> ClientConnection::readRequestBody() {
  for (;;) {
    if (m_bodyIndex < m_bodyQueue.size()) {
      BodyPiece piece;
      piece.data = m_bodyQueue[m_bodyIndex++];
      piece.done = m_bodyComplete && m_bodyIndex == m_bodyQueue.size();
      co_return piece;
    }
    if (m_bodyComplete) co_return BodyPiece::end();
    m_bodyQueue.clear();
    m_bodyIndex = 0;
    size_t n = 0;
    if (m_begin < m_end) {
      n = m_parser.feed(std::string_view(m_buffer.data() + m_begin, m_end - m_begin));
      m_begin += n;
      // events() belong to this feed only; without a feed they are stale.
      for (const auto& ev : m_parser.events()) {
        if (ev.type == http::Http1Parser::Event::Type::Body && !ev.data.empty()) m_bodyQueue.push_back(ev.data);
        if (ev.type == http::Http1Parser::Event::Type::Complete) m_bodyComplete = true;
      }
    }
    if (m_parser.hasError()) {
      BodyPiece piece;
      piece.failed = true;
      piece.errorKind = ErrorKind::ClientProtocol;
      piece.error = "malformed request body: " + m_parser.error().reason;
      co_return piece;
    }
    if (n > 0 || m_bodyComplete || !m_bodyQueue.empty()) continue;
    // Body views handed out earlier are consumed by now, so the buffer may be compacted.
    auto r = co_await readMore(m_config.timeouts.io);
    if (r.ec) {
      BodyPiece piece;
      piece.failed = true;
      piece.errorKind = m_deadline.expired() ? ErrorKind::ClientTimeout : ErrorKind::ClientDisconnected;
      piece.error = m_deadline.expired()
                        ? "client sent no body bytes for " + std::to_string(m_config.timeouts.io.count()) + " ms"
                        : "client closed the connection mid-body (" + r.ec.message() + ")";
      co_return piece;
    }
  }
}

asio::awaitable<void> ClientConnection::reject(int status, const std::string& reason, ErrorKind kind, Flow flow) {
  flow.error = FlowError{kind, reason};
  Response response;
  response.status = status;
  response.reason = std::string(http::reasonPhrase(status));
  response.body.captured = reason + "\n";
  response.body.size = response.body.captured.size();
  std::string bytes = http::simpleResponse(status, response.body.captured, true);
  flow.response = std::move(response);
  m_ctx.worker.counters.flowsStarted.fetch_add(1, std::memory_order_relaxed);
  publishSnapshot(m_ctx.worker.hub, FlowEventType::Started, flow);
  const asio::const_buffer bytesBuffer = asio::buffer(bytes);
  auto r = co_await writeToClient(oneBuffer(bytesBuffer));
  flow.bytesToClient += r.bytes;
  flow.bytesFromClient += m_flowBytesFromClient;
  finish(std::move(flow));
}

asio::awaitable<void> ClientConnection::relayUpgraded(Stream& upstream, std::string upstreamBytes, Flow& flow) {
  // Bytes the client sent after its request head (early frames) go upstream first.
  std::string early(m_buffer.data() + m_begin, m_end - m_begin);
  m_begin = m_end;
  if (!early.empty()) {
    m_deadline.arm(m_config.timeouts.io);
    auto w = co_await upstream.writeAll(asio::buffer(early));
    m_deadline.disarm();
    if (w.ec) co_return;
  }
  if (!upstreamBytes.empty()) {
    const asio::const_buffer first = asio::buffer(upstreamBytes);
    auto w = co_await writeToClient(oneBuffer(first));
    flow.bytesToClient += w.bytes;
    if (w.ec) co_return;
  }
  uint64_t up = 0, down = 0;
  bool idleExpired = false;
  co_await relayBothWays(*m_client, upstream, m_config.timeouts.tunnelIdle, up, down, idleExpired);
  m_flowBytesFromClient += up;
  flow.bytesToClient += down;
  if (idleExpired) {
    flow.error = FlowError{ErrorKind::ClientTimeout,
                           "upgraded connection idle for " + std::to_string(m_config.timeouts.tunnelIdle.count()) + " ms"};
  }
}

// The request stage: every interceptor (policies, then breakpoints) sees the request before it goes
// upstream, with its whole body when one of them asks for it. They may edit it, answer it, or abort.
asio::awaitable<ClientConnection::StageOutcome> ClientConnection::requestStage(Flow& flow, ExchangeRequest& request,
                                                                                UpstreamTarget& target,
                                                                                std::optional<std::string>& body,
                                                                                bool& keepAlive) {
  const auto& interceptors = m_ctx.hooks->interceptors;
  bool wantBody = false;
  for (const auto& i : interceptors) wantBody = i->wantsRequestBody(flow) || wantBody;
  if (wantBody) {
    body.emplace();
    while (request.hasBody) {
      BodyPiece piece = co_await readRequestBody();
      if (piece.failed) {
        flow.error = FlowError{piece.errorKind, piece.error};
        co_return StageOutcome::Closed;
      }
      body->append(piece.data.data(), piece.data.size());
      if (body->size() > kMaxHeldRequestBody) {
        flow.error = FlowError{ErrorKind::ClientProtocol, "request body too large to hold for a breakpoint or rule"};
        std::string bytes = http::simpleResponse(413, flow.error->message + "\n", true);
        const asio::const_buffer buffer = asio::buffer(bytes);
        auto r = co_await writeToClient(oneBuffer(buffer));
        flow.bytesToClient += r.bytes;
        co_return StageOutcome::Closed;
      }
      if (piece.done) break;
    }
  }
  for (const auto& i : interceptors) {
    StageVerdict verdict = co_await i->onRequest(flow, request.forwarded, target, body ? &*body : nullptr, clientSocket());
    if (verdict.kind == StageVerdict::Kind::Continue) continue;
    if (verdict.kind == StageVerdict::Kind::Abort) {
      flow.error = FlowError{verdict.errorKind, verdict.reason};
      if (!verdict.closeConnection) {
        Response response;
        response.status = 502;
        response.reason = std::string(http::reasonPhrase(502));
        response.body.captured = verdict.reason + "\n";
        response.body.size = response.body.captured.size();
        std::string bytes = http::simpleResponse(502, response.body.captured, true);
        flow.response = std::move(response);
        const asio::const_buffer buffer = asio::buffer(bytes);
        auto r = co_await writeToClient(oneBuffer(buffer));
        flow.bytesToClient += r.bytes;
      }
      co_return StageOutcome::Closed;
    }
    // Respond: the upstream is never contacted.
    Response& response = verdict.response;
    http::ResponseHead head;
    head.status = response.status;
    head.reason = response.reason.empty() ? std::string(http::reasonPhrase(response.status)) : response.reason;
    head.headers = response.headers;
    http::stripHopByHop(head.headers);
    head.headers.remove("Content-Length");
    head.headers.add("Content-Length", std::to_string(response.body.captured.size()));
    // A body that was announced but not read leaves the connection unusable.
    bool keep = keepAlive && (!request.hasBody || body.has_value());
    if (!keep) head.headers.add("Connection", "close");
    std::string bytes = http::writeResponseHead(head);
    if (request.forwarded.method != "HEAD") bytes += response.body.captured;
    response.body.size = response.body.captured.size();
    flow.response = std::move(response);
    flow.timing.responseStart = flow.timing.responseHeaders = nowMicros();
    const asio::const_buffer buffer = asio::buffer(bytes);
    auto r = co_await writeToClient(oneBuffer(buffer));
    flow.bytesToClient += r.bytes;
    keepAlive = keep && !r.ec;
    co_return StageOutcome::Answered;
  }
  if (body) {
    // The held (perhaps edited) body goes upstream with a Content-Length (RFC 9112 6.2).
    request.forwarded.headers.remove("Content-Length");
    request.forwarded.headers.remove("Transfer-Encoding");
    if (!body->empty() || request.hasBody) request.forwarded.headers.add("Content-Length", std::to_string(body->size()));
    request.hasBody = !body->empty();
    request.bodyChunked = false;
    request.expectContinue = false;
  }
  co_return StageOutcome::Proceed;
}

// One request: returns true when the connection may carry another.
asio::awaitable<bool> ClientConnection::handleRequest() {
  HeadStatus status = co_await readHead();
  if (status == HeadStatus::Closed) {
    if (m_parser.inMessage() || m_begin < m_end) {
      // A started head that never completed: a client error worth a flow only when it timed out.
      if (m_deadline.expired()) {
        co_await reject(408, "request head not received within " + std::to_string(m_config.timeouts.clientHeaders.count()) + " ms",
                        ErrorKind::ClientTimeout, newFlow());
      }
    }
    co_return false;
  }
  if (status == HeadStatus::Failed) {
    Flow flow = newFlow();
    co_await reject(m_parser.error().status, m_parser.error().reason, ErrorKind::ClientProtocol, std::move(flow));
    co_return false;  // framing can no longer be trusted
  }

  const http::RequestHead& head = m_parser.request();
  auto holder = std::make_shared<Flow>();
  Flow& flow = *holder;
  initFlow(flow);
  flow.timing.requestHeaders = nowMicros();
  flow.request.method = head.method;
  flow.request.target = head.target;
  flow.request.versionMajor = head.versionMajor;
  flow.request.versionMinor = head.versionMinor;
  flow.request.headers = head.headers;
  m_bodyQueue.clear();
  m_bodyIndex = 0;
  m_bodyComplete = false;

  if (head.method == "CONNECT") {
    RouteResult route = m_ctx.hooks->router->routeConnect(head, flow.request, m_info);
    if (!route.target) {
      co_await reject(route.status, route.body, route.errorKind == ErrorKind::None ? ErrorKind::ClientProtocol : route.errorKind,
                      std::move(flow));
      co_return false;
    }
    flow.kind = FlowKind::Tunnel;
    std::string pending(m_buffer.data() + m_begin, m_end - m_begin);
    m_begin = m_end = 0;
    m_registration.reset(nullptr);  // the tunnel registers what it owns
    flow.bytesFromClient = m_flowBytesFromClient - pending.size();
    co_await runTunnel(m_ctx, m_client, m_info, flow, *route.target, std::move(pending));
    m_deadline.retarget(m_client.get());  // the interceptor may have taken the stream
    finish(std::move(holder));
    co_return false;
  }

  ExchangeRequest request;
  // Room for the fields routing adds (forwarding headers, Upgrade) before the copy: the copy keeps
  // the capacity, so adding them does not move every field to a bigger vector.
  request.forwarded.headers.fields().reserve(head.headers.size() + 6);
  request.forwarded = head;
  // A protocol switch the client asks for (WebSocket) is passed on: Upgrade and Connection are
  // hop-by-hop, so they are put back on the forwarded copy (RFC 9110 7.8).
  if (head.headers.hasToken("Connection", "upgrade") && head.headers.has("Upgrade") && head.method == "GET") {
    request.upgrade = std::string(*head.headers.get("Upgrade"));
  }
  http::stripHopByHop(request.forwarded.headers);
  if (!request.upgrade.empty()) {
    request.forwarded.headers.add("Connection", "Upgrade");
    request.forwarded.headers.add("Upgrade", request.upgrade);
  }
  RouteResult route = m_ctx.hooks->router->route(request.forwarded, flow.request, m_info);
  bool hasBody = m_parser.chunked() || m_parser.contentLength().value_or(0) > 0;
  bool keepAlive = m_parser.keepAlive() && !m_ctx.worker.stopping;

  m_ctx.worker.counters.flowsStarted.fetch_add(1, std::memory_order_relaxed);
  if (!route.target) {
    // The proxy answers itself (bad target, info page, ...).
    Response response;
    response.status = route.status;
    response.reason = std::string(http::reasonPhrase(route.status));
    response.body.captured = route.body;
    response.body.size = route.body.size();
    bool keep = keepAlive && !hasBody && !route.closeConnection && route.errorKind == ErrorKind::None;
    std::string bytes = http::simpleResponse(route.status, route.body, !keep);
    flow.response = std::move(response);
    if (route.errorKind != ErrorKind::None) flow.error = FlowError{route.errorKind, route.body};
    publishSnapshot(m_ctx.worker.hub, FlowEventType::Started, flow);
    const asio::const_buffer bytesBuffer = asio::buffer(bytes);
    auto r = co_await writeToClient(oneBuffer(bytesBuffer));
    flow.bytesToClient += r.bytes;
    flow.bytesFromClient = m_flowBytesFromClient;
    m_flowBytesFromClient = 0;
    finish(std::move(holder));
    co_return keep && !r.ec;
  }

  flow.backend = route.target->backend;
  if (m_ctx.worker.hub.wants(FlowEventType::Started)) {
    publishSnapshot(m_ctx.worker.hub, FlowEventType::Started, flow);
  } else if (m_ctx.worker.hub.wantsLateStarted()) {
    m_lateStarted = m_ctx.worker.lateStarted.add(holder, std::chrono::steady_clock::now());
  }
  request.target = std::move(*route.target);
  request.hasBody = hasBody;
  request.bodyChunked = m_parser.chunked();
  request.expectContinue = hasBody && head.versionMinor >= 1 && head.headers.hasToken("Expect", "100-continue");
  request.clientKeepAlive = keepAlive;
  request.clientVersionMinor = head.versionMajor == 1 ? head.versionMinor : 1;

  std::optional<std::string> heldBody;
  if (!m_ctx.hooks->interceptors.empty()) {
    StageOutcome stage = co_await requestStage(flow, request, request.target, heldBody, keepAlive);
    if (stage != StageOutcome::Proceed) {
      bool clean = stage == StageOutcome::Answered && keepAlive && (hasBody ? !m_parser.inMessage() : settleMessage());
      flow.bytesFromClient = m_flowBytesFromClient;
      m_flowBytesFromClient = m_end - m_begin;
      flow.bytesFromClient -= std::min(flow.bytesFromClient, m_flowBytesFromClient);
      finish(std::move(holder));
      co_return clean;
    }
  }
  static const std::string kNoBody;
  if (heldBody) flow.request.body = Body{};  // the exchange records what it sends
  BufferedDownstream held(*this, heldBody ? *heldBody : kNoBody);
  Downstream& downstream = heldBody ? static_cast<Downstream&>(held) : static_cast<Downstream&>(*this);
  ExchangeOutcome outcome = co_await runExchange(m_ctx, flow, request, downstream);
  if (outcome.upgraded) {
    // The connection carried the switched protocol to its end.
    m_begin = m_end = 0;
    flow.bytesFromClient = m_flowBytesFromClient;
    m_flowBytesFromClient = 0;
    finish(std::move(holder));
    co_return false;
  }
  // Upgrade refused (no 101): the connection stays HTTP/1.1 (RFC 9110 7.8).
  if (m_parser.upgrade() && !m_parser.inMessage()) m_parser.continueAfterUpgrade();
  // A request whose body was not read to its end leaves the stream unusable.
  bool clean = outcome.keepClient && (hasBody ? !m_parser.inMessage() : settleMessage());
  flow.bytesFromClient = m_flowBytesFromClient;
  m_flowBytesFromClient = m_end - m_begin;  // pipelined bytes belong to the next flow
  flow.bytesFromClient -= std::min(flow.bytesFromClient, m_flowBytesFromClient);
  finish(std::move(holder));
  co_return clean;
}

asio::awaitable<void> ClientConnection::run() {
  auto& counters = m_ctx.worker.counters;
  counters.connectionsOpen.fetch_add(1, std::memory_order_relaxed);
  while (!m_ctx.worker.stopping && co_await handleRequest()) {
  }
  if (m_client) {
    co_await m_client->shutdownSend();
    m_client->close();
  }
  counters.connectionsOpen.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace

asio::awaitable<void> serveHttp(ConnectionContext ctx, std::unique_ptr<Stream> client, ClientInfo info,
                                std::string initialBytes) {
  ClientConnection connection(std::move(ctx), std::move(client), std::move(info), std::move(initialBytes));
  co_await connection.run();
}

}  // namespace ps::engine::net
