#pragma once
// Deadline: a watchdog for one stream. arm(d) before a wait on the peer; if the wait has not been
// disarmed/re-armed when the time passes, the stream is closed (its pending operation then fails)
// and expired() turns true so the caller can tell a timeout from a peer error.
//
// Arming only stores a time point; the timer is re-armed only when it fires early, so a deadline per
// read/write costs next to nothing on the hot path (asio's own timeout examples use this pattern).
#include <asio/any_io_executor.hpp>
#include <chrono>
#include <functional>
#include <memory>

namespace ps::engine::net {

class Stream;

class Deadline {
 public:
  using Clock = std::chrono::steady_clock;
  Deadline(asio::any_io_executor executor, Stream* target);
  // On expiry calls onExpire instead (e.g. to close both ends of a tunnel).
  Deadline(asio::any_io_executor executor, std::function<void()> onExpire);
  ~Deadline();
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;

  void arm(std::chrono::milliseconds timeout);
  void disarm();
  bool expired() const;
  // Points the watchdog at another stream (e.g. after a TLS wrapper replaced the plain one).
  void retarget(Stream* target);

 private:
  struct State;
  std::shared_ptr<State> m_state;
};

}  // namespace ps::engine::net
