#pragma once
// EventHub: the engine publishes FlowEvents; each consumer (the store's writer, the UI bridge, the
// headless printer) owns a sink it drains in batches. publish() never blocks on a consumer.
//
// A sink is unbounded (the store: nothing is ever dropped) or bounded (the UI copy: when full the
// newest events are dropped and counted, and the count is visible to the user).
// On a sink's empty→non-empty transition its notify function is called on the publishing thread;
// it must only schedule a drain (e.g. a queued Qt call), never drain inline or block.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "engine/core/flow_event.h"

namespace ps::engine {

class EventHub {
 public:
  using SinkId = uint32_t;
  struct SinkOptions {
    size_t capacity = 0;           // 0 = unbounded
    std::function<void()> notify;  // optional
    uint32_t types = kAllFlowEventTypes;  // eventBit()s of the types this sink receives
    // Started only matters for flows that last (the store: a long download is in the file while it
    // runs). Unless another sink wants every Started, the engine publishes one only for a flow still
    // running after kLateStartedDelay; most flows end sooner and cost no Started snapshot at all.
    bool lateStarted = false;
  };
  static constexpr std::chrono::milliseconds kLateStartedDelay{100};

  SinkId addSink(SinkOptions options);
  void removeSink(SinkId id);

  void publish(FlowEvent event);
  // Whether any sink receives this type: publishers skip building a snapshot nobody reads.
  bool wants(FlowEventType type) const { return (m_wanted.load(std::memory_order_relaxed) & eventBit(type)) != 0; }
  // Whether a sink takes Started late (SinkOptions::lateStarted) and none takes it at once.
  bool wantsLateStarted() const { return m_wantsLateStarted.load(std::memory_order_relaxed); }

  // Moves up to max events into out (appending); returns how many were moved.
  size_t drain(SinkId id, std::vector<FlowEvent>& out, size_t max);
  // As drain(), but first waits up to timeout for at least one event (for consumer threads).
  size_t drainWait(SinkId id, std::vector<FlowEvent>& out, size_t max, std::chrono::milliseconds timeout);
  // Wakes every drainWait() caller (used at shutdown).
  void wakeAll();

  uint64_t dropped(SinkId id) const;
  size_t pending(SinkId id) const;
  uint64_t published() const;

 private:
  struct Sink {
    SinkId id = 0;
    SinkOptions options;
    std::deque<FlowEvent> queue;
    uint64_t dropped = 0;
  };
  Sink* find(SinkId id);
  void updateWanted();  // under m_mutex
  const Sink* find(SinkId id) const;

  mutable std::mutex m_mutex;
  std::condition_variable m_cv;
  std::vector<Sink> m_sinks;
  SinkId m_nextId = 1;
  uint64_t m_published = 0;
  uint64_t m_wakeGeneration = 0;
  std::atomic<uint32_t> m_wanted{0};  // types some sink takes as they happen
  std::atomic<bool> m_wantsLateStarted{false};
};

}  // namespace ps::engine
