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

void LateStarted::sweep(EventHub& hub, std::chrono::steady_clock::time_point now, std::chrono::milliseconds delay) {
  while (!m_waiting.empty() && m_waiting.front().since + delay <= now) {
    auto it = m_waiting.begin();
    it->published = true;
    m_published.splice(m_published.end(), m_waiting, it);
    if (auto flow = it->flow.lock()) publishSnapshot(hub, FlowEventType::Started, *flow);
  }
}

}  // namespace ps::engine::net
