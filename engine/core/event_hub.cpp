#include "engine/core/event_hub.h"

#include <algorithm>

namespace ps::engine {

const char* toString(FlowEventType type) {
  switch (type) {
    case FlowEventType::Started: return "started";
    case FlowEventType::RequestDone: return "request-done";
    case FlowEventType::ResponseHeaders: return "response-headers";
    case FlowEventType::ResponseDone: return "response-done";
    case FlowEventType::WebSocketMessage: return "websocket-message";
    case FlowEventType::Paused: return "paused";
    case FlowEventType::Resumed: return "resumed";
    case FlowEventType::Error: return "error";
    case FlowEventType::Finished: return "finished";
    case FlowEventType::BackendHealth: return "backend-health";
  }
  return "unknown";
}

EventHub::Sink* EventHub::find(SinkId id) {
  auto it = std::find_if(m_sinks.begin(), m_sinks.end(), [id](const Sink& s) { return s.id == id; });
  return it == m_sinks.end() ? nullptr : &*it;
}

const EventHub::Sink* EventHub::find(SinkId id) const {
  auto it = std::find_if(m_sinks.begin(), m_sinks.end(), [id](const Sink& s) { return s.id == id; });
  return it == m_sinks.end() ? nullptr : &*it;
}

EventHub::SinkId EventHub::addSink(SinkOptions options) {
  std::lock_guard lock(m_mutex);
  Sink sink;
  sink.id = m_nextId++;
  sink.options = std::move(options);
  m_sinks.push_back(std::move(sink));
  updateWanted();
  return m_sinks.back().id;
}

void EventHub::updateWanted() {
  uint32_t wanted = 0;
  bool late = false;
  for (const auto& sink : m_sinks) {
    const bool lateStarted = sink.options.lateStarted && (sink.options.types & eventBit(FlowEventType::Started)) != 0;
    wanted |= lateStarted ? sink.options.types & ~eventBit(FlowEventType::Started) : sink.options.types;
    late = late || lateStarted;
  }
  m_wanted.store(wanted, std::memory_order_relaxed);
  m_wantsLateStarted.store(late && (wanted & eventBit(FlowEventType::Started)) == 0, std::memory_order_relaxed);
}

void EventHub::removeSink(SinkId id) {
  std::lock_guard lock(m_mutex);
  m_sinks.erase(std::remove_if(m_sinks.begin(), m_sinks.end(), [id](const Sink& s) { return s.id == id; }), m_sinks.end());
  updateWanted();
}

void EventHub::publish(FlowEvent event) {
  // Notify functions run outside the lock; at most a few sinks exist, so a small fixed array.
  std::function<void()> toNotify[8];
  size_t notifyCount = 0;
  bool becameNonEmpty = false;
  {
    std::lock_guard lock(m_mutex);
    ++m_published;
    for (auto& sink : m_sinks) {
      if ((sink.options.types & eventBit(event.type)) == 0) continue;
      if (sink.options.capacity != 0 && sink.queue.size() >= sink.options.capacity) {
        ++sink.dropped;
        continue;
      }
      bool wasEmpty = sink.queue.empty();
      becameNonEmpty = becameNonEmpty || wasEmpty;
      sink.queue.push_back(event);
      if (wasEmpty && sink.options.notify && notifyCount < std::size(toNotify)) {
        toNotify[notifyCount++] = sink.options.notify;
      }
    }
  }
  // A drainWait() caller sleeps only on an empty queue, so only a sink's empty → non-empty step can
  // wake it: the common case (a consumer that is behind) costs no futex call per event.
  if (becameNonEmpty) m_cv.notify_all();
  for (size_t i = 0; i < notifyCount; ++i) toNotify[i]();
}

size_t EventHub::drain(SinkId id, std::vector<FlowEvent>& out, size_t max) {
  std::lock_guard lock(m_mutex);
  Sink* sink = find(id);
  if (sink == nullptr) return 0;
  size_t n = std::min(max, sink->queue.size());
  for (size_t i = 0; i < n; ++i) {
    out.push_back(std::move(sink->queue.front()));
    sink->queue.pop_front();
  }
  return n;
}

size_t EventHub::drainWait(SinkId id, std::vector<FlowEvent>& out, size_t max, std::chrono::milliseconds timeout) {
  {
    std::unique_lock lock(m_mutex);
    uint64_t generation = m_wakeGeneration;
    m_cv.wait_for(lock, timeout, [&] {
      const Sink* sink = find(id);
      return sink == nullptr || !sink->queue.empty() || generation != m_wakeGeneration;
    });
  }
  return drain(id, out, max);
}

void EventHub::wakeAll() {
  {
    std::lock_guard lock(m_mutex);
    ++m_wakeGeneration;
  }
  m_cv.notify_all();
}

uint64_t EventHub::dropped(SinkId id) const {
  std::lock_guard lock(m_mutex);
  const Sink* sink = find(id);
  return sink == nullptr ? 0 : sink->dropped;
}

size_t EventHub::pending(SinkId id) const {
  std::lock_guard lock(m_mutex);
  const Sink* sink = find(id);
  return sink == nullptr ? 0 : sink->queue.size();
}

uint64_t EventHub::published() const {
  std::lock_guard lock(m_mutex);
  return m_published;
}

}  // namespace ps::engine
