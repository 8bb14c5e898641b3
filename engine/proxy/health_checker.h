#pragma once
// HealthChecker: active health checks for every backend of every pool whose check is enabled. Each
// backend gets a timer coroutine: GET <path> over a fresh connection (Connection: close), bounded by
// the check's timeout, then a wait of one interval. The status line decides (expectStatus, or any
// 2xx/3xx when it is 0). Results go to the Balancer, which publishes the state changes.
//
// It runs on its own small thread and io_context so that checks keep their rhythm whatever the
// proxy's workers are doing, and so the router owns its whole lifetime.
// https backends are checked at the TCP level only (the TLS client context is not available here).
#include <memory>
#include <thread>
#include <vector>

namespace asio {
class io_context;
}

namespace ps::engine {

class Balancer;

class HealthChecker {
 public:
  explicit HealthChecker(const std::vector<Balancer*>& balancers);
  ~HealthChecker();  // stops the checks and joins the thread
  HealthChecker(const HealthChecker&) = delete;
  HealthChecker& operator=(const HealthChecker&) = delete;

 private:
  std::unique_ptr<asio::io_context> m_io;
  std::thread m_thread;
};

}  // namespace ps::engine
