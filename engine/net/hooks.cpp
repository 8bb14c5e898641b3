#include "engine/net/hooks.h"

#include <atomic>

#include "engine/net/connection_context.h"
#include "engine/net/engine.h"

namespace ps::engine::net {

std::string UpstreamTarget::authority() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

std::string UpstreamProxy::authority() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

// A connection through a proxy is never handed to a request that goes direct, nor the reverse.
std::string UpstreamTarget::poolKey() const {
  std::string key = scheme + "://" + authority();
  if (proxy) key = "via " + proxy->name + "@" + proxy->authority() + "|" + key;
  return key;
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

void publishFlowEvent(EventHub& hub, FlowEventType type, const FlowPtr& snapshot, std::string detail) {
  FlowEvent event;
  event.type = type;
  event.flowId = snapshot->id;
  event.flow = snapshot;
  event.detail = std::move(detail);
  hub.publish(std::move(event));
}

void publishSnapshot(EventHub& hub, FlowEventType type, const Flow& flow) {
  if (!hub.wants(type)) return;
  publishFlowEvent(hub, type, std::make_shared<const Flow>(flow));
}

}  // namespace ps::engine::net

namespace ps::engine {
void reserveFlowIdsBelow(uint64_t next) { net::reserveFlowIdsBelowImpl(next); }
}  // namespace ps::engine
