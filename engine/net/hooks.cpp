#include "engine/net/hooks.h"

#include <atomic>
#include <charconv>

#include "engine/net/connection_context.h"
#include "engine/net/engine.h"

namespace ps::engine::net {

namespace {

// host:port with an IPv6 host in brackets, appended to out (one string, no temporaries: the pool key
// is built for every request).
void appendAuthority(std::string& out, const std::string& host, uint16_t port) {
  const bool v6 = host.find(':') != std::string::npos;
  if (v6) out += '[';
  out += host;
  if (v6) out += ']';
  out += ':';
  char digits[8];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, port);
  (void)ec;
  out.append(digits, end);
}

}  // namespace

std::string UpstreamTarget::authority() const {
  std::string out;
  out.reserve(host.size() + 8);
  appendAuthority(out, host, port);
  return out;
}

std::string UpstreamProxy::authority() const {
  std::string out;
  out.reserve(host.size() + 8);
  appendAuthority(out, host, port);
  return out;
}

// A connection through a proxy is never handed to a request that goes direct, nor the reverse.
std::string UpstreamTarget::poolKey() const {
  std::string key;
  appendPoolKey(key);
  return key;
}

void UpstreamTarget::appendPoolKey(std::string& key) const {
  key.reserve(key.size() + scheme.size() + host.size() + 12 +
              (proxy ? proxy->name.size() + proxy->host.size() + 16 : 0));
  if (proxy) {
    key += "via ";
    key += proxy->name;
    key += '@';
    appendAuthority(key, proxy->host, proxy->port);
    key += '|';
  }
  key += scheme;
  key += "://";
  appendAuthority(key, host, port);
}

RouteResult RouteResult::to(UpstreamTarget target) {
  RouteResult r;
  r.target = std::move(target);
  return r;
}

RouteResult RouteResult::answer(int status, std::string body, ErrorKind kind, bool close) {
  RouteResult r;
  r.status = status;
  r.body = std::move(body);
  r.errorKind = kind;
  r.closeConnection = close;
  return r;
}

namespace {
std::atomic<uint64_t> g_nextFlowId{1};
std::atomic<uint64_t> g_nextConnectionId{1};
}  // namespace

// The public face of the counter (engine.h) for apps appending to a stored session.
void reserveFlowIdsBelowImpl(uint64_t next) {
  uint64_t current = g_nextFlowId.load(std::memory_order_relaxed);
  while (current < next && !g_nextFlowId.compare_exchange_weak(current, next, std::memory_order_relaxed)) {
  }
}

uint64_t nextFlowId() { return g_nextFlowId.fetch_add(1, std::memory_order_relaxed); }
uint64_t nextConnectionId() { return g_nextConnectionId.fetch_add(1, std::memory_order_relaxed); }

namespace {
// A late Started sink (LateStarted) still gets every Started published here: tunnels, replays and
// answers the proxy gives itself take this path, and a tunnel is the flow that lasts.
bool anyoneTakes(const EventHub& hub, FlowEventType type) {
  return hub.wants(type) || (type == FlowEventType::Started && hub.wantsLateStarted());
}
}  // namespace

void publishFlowEvent(EventHub& hub, FlowEventType type, const FlowPtr& snapshot, std::string detail) {
  if (!anyoneTakes(hub, type)) return;  // e.g. headless --quiet --no-session: no sink wants a flow
  FlowEvent event;
  event.type = type;
  event.flowId = snapshot->id;
  event.flow = snapshot;
  event.detail = std::move(detail);
  hub.publish(std::move(event));
}

void publishSnapshot(EventHub& hub, FlowEventType type, const Flow& flow) {
  if (!anyoneTakes(hub, type)) return;  // before the copy
  publishFlowEvent(hub, type, std::make_shared<const Flow>(flow));
}

}  // namespace ps::engine::net

namespace ps::engine {
void reserveFlowIdsBelow(uint64_t next) { net::reserveFlowIdsBelowImpl(next); }
}  // namespace ps::engine
