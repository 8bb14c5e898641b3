#include "engine/net/deadline.h"

#include <asio/steady_timer.hpp>

#include "engine/net/stream.h"

namespace ps::engine::net {

struct Deadline::State : std::enable_shared_from_this<Deadline::State> {
  explicit State(asio::any_io_executor executor) : timer(std::move(executor)) {}
  asio::steady_timer timer;
  Clock::time_point at = Clock::time_point::max();
  Stream* target = nullptr;
  std::function<void()> onExpire;
  bool alive = true;
  bool waiting = false;
  bool expired = false;

  void startWait() {
    waiting = true;
    timer.expires_at(at);
    timer.async_wait([self = shared_from_this()](std::error_code) { self->onTimer(); });
  }

  void onTimer() {
    waiting = false;
    if (!alive || at == Clock::time_point::max()) return;  // owner gone or disarmed
    if (Clock::now() >= at) {
      expired = true;
      at = Clock::time_point::max();
      if (onExpire) {
        onExpire();
      } else if (target != nullptr) {
        target->close();
      }
      return;
    }
    startWait();  // re-armed later since the timer was set: sleep again until the new point
  }
};

Deadline::Deadline(asio::any_io_executor executor, Stream* target)
    : m_state(std::make_shared<State>(std::move(executor))) {
  m_state->target = target;
}

Deadline::Deadline(asio::any_io_executor executor, std::function<void()> onExpire)
    : m_state(std::make_shared<State>(std::move(executor))) {
  m_state->onExpire = std::move(onExpire);
}

Deadline::~Deadline() {
  m_state->alive = false;
  m_state->target = nullptr;
  m_state->onExpire = nullptr;
  m_state->timer.cancel();
}

void Deadline::arm(std::chrono::milliseconds timeout) {
  auto& s = *m_state;
  s.at = Clock::now() + timeout;
  // A pending wait that fires earlier than the new point re-arms itself in onTimer(); one that
  // would fire later (or none) must be restarted.
  if (!s.waiting) {
    s.startWait();
  } else if (s.timer.expiry() > s.at) {
    s.timer.cancel();  // onTimer() runs with the new point and re-waits
  }
}

void Deadline::disarm() { m_state->at = Clock::time_point::max(); }

bool Deadline::expired() const { return m_state->expired; }

void Deadline::retarget(Stream* target) { m_state->target = target; }

}  // namespace ps::engine::net
