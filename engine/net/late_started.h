#pragma once
// LateStarted: one worker's flows whose Started snapshot waits (EventHub::SinkOptions::lateStarted).
// When the only sink that takes Started is the session store, a Started snapshot only matters for a
// flow that lasts (a long download, a WebSocket: in the file while it runs); for the rest, a request
// answered in a millisecond, it was a copy of the flow that the store coalesced away with the
// Finished one. So the request registers its flow here instead, and the worker's sweep publishes a
// Started snapshot of each flow still registered after EventHub::kLateStartedDelay. Worker-thread
// only, like everything in WorkerServices.
#include <chrono>
#include <list>
#include <memory>

#include "engine/core/event_hub.h"
#include "engine/core/flow.h"

namespace ps::engine::net {

class LateStarted {
  struct Item {
    std::weak_ptr<Flow> flow;
    std::chrono::steady_clock::time_point since;
    bool published = false;
  };

 public:
  // Registration of one flow; unregisters when reset or destroyed (the flow finished or its
  // connection went away).
  class Handle {
   public:
    Handle() = default;
    ~Handle() { reset(); }
    Handle(Handle&& other) noexcept : m_owner(std::exchange(other.m_owner, nullptr)), m_it(other.m_it) {}
    Handle& operator=(Handle&& other) noexcept;
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    void reset();

   private:
    friend class LateStarted;
    Handle(LateStarted* owner, std::list<Item>::iterator it) : m_owner(owner), m_it(it) {}
    LateStarted* m_owner = nullptr;
    std::list<Item>::iterator m_it;
  };

  Handle add(const std::shared_ptr<Flow>& flow, std::chrono::steady_clock::time_point now);
  // Publishes a Started snapshot of every flow registered at least delay before now (once each).
  void sweep(EventHub& hub, std::chrono::steady_clock::time_point now, std::chrono::milliseconds delay);

 private:
  std::list<Item> m_waiting;    // in registration order: the oldest first
  std::list<Item> m_published;  // moved here by sweep() (splice keeps the handles' iterators valid)
};

}  // namespace ps::engine::net
