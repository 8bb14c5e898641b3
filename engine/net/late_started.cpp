#include "engine/net/late_started.h"

#include "engine/net/connection_context.h"

namespace ps::engine::net {

LateStarted::Handle& LateStarted::Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    reset();
    m_owner = std::exchange(other.m_owner, nullptr);
    m_it = other.m_it;
  }
  return *this;
}

void LateStarted::Handle::reset() {
  if (m_owner == nullptr) return;
  (m_it->published ? m_owner->m_published : m_owner->m_waiting).erase(m_it);
  m_owner = nullptr;
}

LateStarted::Handle LateStarted::add(const std::shared_ptr<Flow>& flow, std::chrono::steady_clock::time_point now) {
  m_waiting.push_back(Item{flow, now, false});
  return Handle(this, std::prev(m_waiting.end()));
}

namespace {

// The flow as it runs, without the body bytes captured so far (up to the capture cap, 16 MiB each
// way by default): the Started row says that the flow runs; its bodies come with its Finished
// snapshot. The bytes are moved aside and back, not copied (the worker's thread owns the flow, and
// its coroutine is suspended while this runs).
void publishStartedHead(EventHub& hub, Flow& flow) {
  std::string requestBody = std::move(flow.request.body.captured);
  std::string responseBody = flow.response ? std::move(flow.response->body.captured) : std::string();
  flow.request.body.captured.clear();
  if (flow.response) flow.response->body.captured.clear();
  publishSnapshot(hub, FlowEventType::Started, flow);
  flow.request.body.captured = std::move(requestBody);
  if (flow.response) flow.response->body.captured = std::move(responseBody);
}

}  // namespace

void LateStarted::sweep(EventHub& hub, std::chrono::steady_clock::time_point now, std::chrono::milliseconds delay) {
  while (!m_waiting.empty() && m_waiting.front().since + delay <= now) {
    auto it = m_waiting.begin();
    it->published = true;
    m_published.splice(m_published.end(), m_waiting, it);
    if (auto flow = it->flow.lock()) publishStartedHead(hub, *flow);
  }
}

}  // namespace ps::engine::net
