#include "engine/net/replay.h"

#include "engine/http/message_writer.h"
#include "engine/net/exchange.h"

namespace ps::engine::net {

namespace {

// The replay's "client": the body comes from memory and the answer is only counted (the exchange
// records the response on the flow).
class MemoryDownstream final : public Downstream {
 public:
  explicit MemoryDownstream(const std::string& body) : m_body(body) {}
  asio::awaitable<BodyPiece> readRequestBody() override {
    BodyPiece piece;
    piece.data = m_given ? std::string_view() : std::string_view(m_body);
    piece.done = true;
    m_given = true;
    co_return piece;
  }
  asio::awaitable<IoResult> writeToClient(std::span<const asio::const_buffer> buffers) override {
    size_t n = 0;
    for (const auto& b : buffers) n += b.size();
    co_return IoResult{{}, n};
  }

 private:
  const std::string& m_body;
  bool m_given = false;
};

}  // namespace

asio::awaitable<void> runReplay(ConnectionContext ctx, Request request, uint64_t replayOf, uint64_t flowId) {
  const EngineConfig& config = *ctx.config;
  Flow flow;
  flow.id = flowId;
  flow.mode = config.mode;
  flow.clientAddress = "replay";
  flow.replayOf = replayOf;
  flow.tags.emplace_back("replay");
  flow.timing.start = flow.timing.requestHeaders = nowMicros();

  ExchangeRequest exchange;
  http::RequestHead& head = exchange.forwarded;
  head.method = request.method;
  // Forward mode routes by the absolute URI; reverse mode by the path (and Host) like a live client.
  head.target = config.mode == ProxyMode::Forward ? request.url() : (request.path.empty() ? "/" : request.path);
  head.versionMajor = 1;
  head.versionMinor = 1;
  head.headers = request.headers;
  http::stripHopByHop(head.headers);
  const std::string& body = request.body.captured;
  // Content-Length follows the (perhaps edited) body, in place so the field order stays as captured.
  if (!body.empty() || head.headers.has("Content-Length") || request.method == "POST" || request.method == "PUT" ||
      request.method == "PATCH") {
    head.headers.set("Content-Length", std::to_string(body.size()));
  }
  if (!head.headers.has("Host")) head.headers.add("Host", request.authority());

  flow.request = request;
  flow.request.target = head.target;
  flow.request.body = Body{};  // the exchange records what it sends

  ClientInfo client;
  client.clientAddress = "replay";
  RouteResult route = ctx.hooks->router->route(head, flow.request, client);
  ctx.worker.counters.flowsStarted.fetch_add(1, std::memory_order_relaxed);
  if (!route.target) {
    flow.error = FlowError{route.errorKind == ErrorKind::None ? ErrorKind::ClientProtocol : route.errorKind, route.body};
  } else {
    flow.backend = route.target->backend;
    publishSnapshot(ctx.worker.hub, FlowEventType::Started, flow);
    exchange.target = *route.target;
    exchange.hasBody = !body.empty();
    exchange.clientKeepAlive = false;
    MemoryDownstream downstream(body);
    co_await runExchange(ctx, flow, exchange, downstream);
  }
  if (flow.timing.end == 0) flow.timing.end = nowMicros();
  ctx.worker.counters.flowsFinished.fetch_add(1, std::memory_order_relaxed);
  if (flow.error) ctx.worker.counters.flowsFailed.fetch_add(1, std::memory_order_relaxed);
  auto snapshot = std::make_shared<const Flow>(std::move(flow));
  if (snapshot->error) publishFlowEvent(ctx.worker.hub, FlowEventType::Error, snapshot, snapshot->error->message);
  publishFlowEvent(ctx.worker.hub, FlowEventType::Finished, snapshot);
}

}  // namespace ps::engine::net
