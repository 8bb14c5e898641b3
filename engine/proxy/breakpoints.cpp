#include "engine/proxy/breakpoints.h"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

#include <asio/experimental/awaitable_operators.hpp>
#include <asio/experimental/channel.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>

#include "engine/http/message_writer.h"
#include "engine/net/connection_context.h"
#include "engine/proxy/forward_proxy.h"

namespace ps::engine::proxy {

// ---- registry -------------------------------------------------------------------------------------

Result<void> BreakpointRegistry::setRules(std::vector<BreakpointRule> rules) {
  std::vector<Compiled> compiled;
  for (auto& rule : rules) {
    auto parsed = parseFilter(rule.expression);
    if (!parsed.ok()) {
      return Error{"breakpoint rule " + std::to_string(rule.id) + " '" + rule.expression + "': " + parsed.error.message +
                   " at character " + std::to_string(parsed.error.position + 1)};
    }
    compiled.push_back({std::move(rule), *parsed.filter});
  }
  std::lock_guard lock(m_mutex);
  m_rules = std::move(compiled);
  return {};
}

std::vector<BreakpointRule> BreakpointRegistry::rules() const {
  std::lock_guard lock(m_mutex);
  std::vector<BreakpointRule> out;
  for (const auto& c : m_rules) out.push_back(c.rule);
  return out;
}

void BreakpointRegistry::setEnabled(bool enabled) {
  std::lock_guard lock(m_mutex);
  m_enabled = enabled;
}
bool BreakpointRegistry::enabled() const {
  std::lock_guard lock(m_mutex);
  return m_enabled;
}
void BreakpointRegistry::breakOnNextRequest() {
  std::lock_guard lock(m_mutex);
  m_nextRequest = true;
}
void BreakpointRegistry::setPauseTimeout(std::chrono::milliseconds timeout) {
  std::lock_guard lock(m_mutex);
  m_timeout = timeout;
}
std::chrono::milliseconds BreakpointRegistry::pauseTimeout() const {
  std::lock_guard lock(m_mutex);
  return m_timeout;
}

bool BreakpointRegistry::anyRuleFor(BreakStage stage) const {
  std::lock_guard lock(m_mutex);
  if (!m_enabled || m_closing) return false;
  if (stage == BreakStage::Request && m_nextRequest) return true;
  for (const auto& c : m_rules) {
    if (c.rule.enabled && (c.rule.stage == stage || c.rule.stage == BreakStage::Both)) return true;
  }
  return false;
}

bool BreakpointRegistry::shouldPause(const Flow& flow, BreakStage stage) {
  std::lock_guard lock(m_mutex);
  if (!m_enabled || m_closing || flow.kind != FlowKind::Http) return false;
  if (stage == BreakStage::Request && m_nextRequest) {
    m_nextRequest = false;
    return true;
  }
  for (const auto& c : m_rules) {
    if (!c.rule.enabled || (c.rule.stage != stage && c.rule.stage != BreakStage::Both)) continue;
    if (c.filter.matches(flow)) return true;
  }
  return false;
}

void BreakpointRegistry::addPaused(const PausedFlow& info, Resolver resolver) {
  std::lock_guard lock(m_mutex);
  m_paused[info.flowId] = {info, std::move(resolver)};
}

void BreakpointRegistry::removePaused(uint64_t flowId) {
  std::lock_guard lock(m_mutex);
  m_paused.erase(flowId);
}

bool BreakpointRegistry::resolve(uint64_t flowId, Decision decision) {
  Resolver resolver;
  {
    std::lock_guard lock(m_mutex);
    auto it = m_paused.find(flowId);
    if (it == m_paused.end()) return false;
    resolver = it->second.second;
    m_paused.erase(it);
  }
  resolver(std::move(decision));  // posts to the flow's thread; never runs the flow inline
  return true;
}

std::vector<PausedFlow> BreakpointRegistry::paused() const {
  std::lock_guard lock(m_mutex);
  std::vector<PausedFlow> out;
  for (const auto& [id, entry] : m_paused) out.push_back(entry.first);
  std::sort(out.begin(), out.end(), [](const PausedFlow& a, const PausedFlow& b) { return a.flowId < b.flowId; });
  return out;
}

void BreakpointRegistry::killAll() {
  std::vector<Resolver> resolvers;
  {
    std::lock_guard lock(m_mutex);
    m_closing = true;
    for (auto& [id, entry] : m_paused) resolvers.push_back(std::move(entry.second));
    m_paused.clear();
  }
  for (auto& r : resolvers) {
    Decision kill;
    kill.kind = Decision::Kind::Abort;
    kill.closeConnection = true;
    kill.reason = "Proxyscope shut down while the flow was paused";
    r(std::move(kill));
  }
}

void BreakpointRegistry::reopen() {
  std::lock_guard lock(m_mutex);
  m_closing = false;
}

bool BreakpointRegistry::closing() const {
  std::lock_guard lock(m_mutex);
  return m_closing;
}

// ---- editing --------------------------------------------------------------------------------------

Result<void> applyEditedRequest(const Request& edited, http::RequestHead& forwarded, net::UpstreamTarget& target,
                                std::string* body) {
  forwarded.method = edited.method;
  std::string url = edited.url();
  // The editor shows the URL; when it changed, the target follows it (scheme, host, port, path).
  if (!edited.host.empty()) {
    auto uri = parseAbsoluteUri(url);
    if (!uri.ok()) return Error{"edited URL " + url + ": " + uri.error().message};
    bool moved = uri->host != target.host || uri->port != target.port || uri->scheme != target.scheme;
    if (moved) {
      target.scheme = uri->scheme;
      target.host = uri->host;
      target.port = uri->port;
      target.tls = uri->scheme == "https";
    }
    forwarded.target = uri->path;
  }
  Headers headers = edited.headers;
  http::stripHopByHop(headers);
  forwarded.headers = std::move(headers);
  if (body != nullptr) *body = edited.body.captured;
  return {};
}

// ---- the interceptor ------------------------------------------------------------------------------

namespace {

using Channel = asio::experimental::channel<void(asio::error_code, Decision)>;

// Completes when the client closes its side. Data the client sends meanwhile (a pipelined request)
// stays in the socket; watching then stops, since readability no longer tells a close apart.
asio::awaitable<void> clientClosed(net::tcp::socket* client) {
  auto executor = co_await asio::this_coro::executor;
  if (client != nullptr && client->is_open()) {
    for (;;) {
      auto [ec] = co_await client->async_wait(net::tcp::socket::wait_read, net::kUseTuple);
      if (ec) co_return;  // closed under us (shutdown): treat as gone
      char byte;
      ssize_t n = ::recv(client->native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
      if (n == 0) co_return;
      if (n > 0) break;
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) co_return;
    }
  }
  asio::steady_timer never(executor, asio::steady_timer::time_point::max());
  co_await never.async_wait(net::kUseTuple);
}

}  // namespace

asio::awaitable<Decision> BreakpointInterceptor::pause(Flow& flow, BreakStage stage, net::tcp::socket* client) {
  using namespace asio::experimental::awaitable_operators;
  auto executor = co_await asio::this_coro::executor;
  auto channel = std::make_shared<Channel>(executor, 1);
  auto timeout = m_registry->pauseTimeout();

  if (!flow.hasTag("breakpoint")) flow.tags.emplace_back("breakpoint");
  auto snapshot = std::make_shared<const Flow>(flow);
  PausedFlow info;
  info.flowId = flow.id;
  info.stage = stage;
  info.pausedAt = nowMicros();
  info.deadline = timeout.count() > 0 ? info.pausedAt + timeout.count() * 1000 : 0;
  info.snapshot = snapshot;
  m_registry->addPaused(info, [channel, executor](Decision d) {
    asio::post(executor, [channel, d = std::move(d)]() mutable { channel->try_send(asio::error_code{}, std::move(d)); });
  });
  net::publishFlowEvent(m_hub, FlowEventType::Paused, snapshot, toString(stage));

  asio::steady_timer timer(executor);
  if (timeout.count() > 0) {
    timer.expires_after(timeout);
  } else {
    timer.expires_at(asio::steady_timer::time_point::max());
  }
  auto outcome = co_await (channel->async_receive(net::kUseTuple) || timer.async_wait(net::kUseTuple) || clientClosed(client));
  m_registry->removePaused(flow.id);

  Decision decision;
  if (outcome.index() == 0) {
    auto [ec, d] = std::get<0>(std::move(outcome));
    decision = ec ? Decision{} : std::move(d);
  } else if (outcome.index() == 1) {
    flow.tags.emplace_back("auto-continued");
  } else {
    decision.kind = Decision::Kind::Abort;
    decision.closeConnection = true;
    decision.reason = "client disconnected while the flow was paused";
  }
  net::publishSnapshot(m_hub, FlowEventType::Resumed, flow);
  co_return decision;
}

bool BreakpointInterceptor::wantsRequestBody(const Flow& flow) {
  // The editor needs the whole body; only when this flow will pause.
  return m_registry->anyRuleFor(BreakStage::Request) && flow.kind == FlowKind::Http;
}

namespace {
net::StageVerdict verdictFor(Decision& d) {
  net::StageVerdict v;
  switch (d.kind) {
    case Decision::Kind::Continue:
    case Decision::Kind::ContinueEdited:
      break;
    case Decision::Kind::Respond:
      v.kind = net::StageVerdict::Kind::Respond;
      v.response = d.response.value_or(Response{});
      if (v.response.status == 0) v.response.status = 200;
      break;
    case Decision::Kind::Abort:
      v.kind = net::StageVerdict::Kind::Abort;
      v.closeConnection = d.closeConnection;
      v.reason = d.reason.empty() ? "aborted at a breakpoint" : d.reason;
      v.errorKind = ErrorKind::Killed;
      break;
  }
  return v;
}
}  // namespace

asio::awaitable<net::StageVerdict> BreakpointInterceptor::onRequest(Flow& flow, http::RequestHead& forwarded,
                                                                    net::UpstreamTarget& target, std::string* body,
                                                                    net::tcp::socket* client) {
  if (body != nullptr) {
    flow.request.body.captured = *body;
    flow.request.body.size = body->size();
  }
  if (!m_registry->shouldPause(flow, BreakStage::Request)) co_return net::StageVerdict::proceed();
  Decision d = co_await pause(flow, BreakStage::Request, client);
  if (d.kind == Decision::Kind::ContinueEdited && d.request) {
    flow.originalRequest = flow.request;
    if (auto applied = applyEditedRequest(*d.request, forwarded, target, body); !applied.ok()) {
      net::StageVerdict v;
      v.kind = net::StageVerdict::Kind::Abort;
      v.reason = applied.error().message;
      v.errorKind = ErrorKind::ClientProtocol;
      co_return v;
    }
    flow.request.method = d.request->method;
    flow.request.scheme = target.scheme;
    flow.request.host = target.host;
    flow.request.port = target.port;
    flow.request.path = forwarded.target;
    flow.request.headers = d.request->headers;
    flow.request.body = d.request->body;
    flow.request.body.size = flow.request.body.captured.size();
    flow.tags.emplace_back("edited");
  }
  co_return verdictFor(d);
}

bool BreakpointInterceptor::wantsResponse(const Flow& flow) {
  return m_registry->anyRuleFor(BreakStage::Response) && m_registry->shouldPause(flow, BreakStage::Response);
}

asio::awaitable<net::StageVerdict> BreakpointInterceptor::onResponse(Flow& flow, http::ResponseHead& head, std::string& body,
                                                                     net::tcp::socket* client) {
  if (flow.response) {
    flow.response->body.captured = body;
    flow.response->body.size = body.size();
  }
  Decision d = co_await pause(flow, BreakStage::Response, client);
  if (d.kind == Decision::Kind::ContinueEdited && d.response) {
    if (flow.response) flow.originalResponse = *flow.response;
    head.status = d.response->status;
    head.reason = d.response->reason;
    head.headers = d.response->headers;
    body = d.response->body.captured;
    Response edited = *d.response;
    edited.body.size = edited.body.captured.size();
    flow.response = std::move(edited);
    flow.tags.emplace_back("edited");
  }
  co_return verdictFor(d);
}

}  // namespace ps::engine::proxy
