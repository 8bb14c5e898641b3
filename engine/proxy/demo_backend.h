#pragma once
// DemoBackends (--demo-backends N): N tiny HTTP/1.1 servers on 127.0.0.1 (port 0), each naming
// itself in every response, so reverse mode works with zero set-up and tests have real origins.
//
// Every request gets 200 with a JSON body:
//   {"backend":"demo-1","port":41234,"method":"GET","path":"/x?y","headers":[["Host","..."],...]}
// plus "X-Demo-Backend: demo-1". Query parameters: delay=MS (answer late), status=N (answer N).
// Options add an artificial delay and a failure rate (that share of requests gets 500).
// Keep-alive, Content-Length request bodies (read and discarded). Runs on its own thread.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/config.h"
#include "engine/core/result.h"

namespace ps::engine {

struct DemoBackendOptions {
  std::chrono::milliseconds delay{0};
  double failureRate = 0.0;  // 0..1
  std::string namePrefix = "demo-";
};

class DemoBackends {
 public:
  DemoBackends();
  ~DemoBackends();
  DemoBackends(const DemoBackends&) = delete;
  DemoBackends& operator=(const DemoBackends&) = delete;

  // Starts n servers; returns their addresses (demo-1 first).
  Result<std::vector<Endpoint>> start(unsigned n, DemoBackendOptions options = {});
  // Stops server i (0-based): closes its listener and every open connection (a "killed" backend).
  void stop(size_t index);
  // Listens again on the same port (after stop()).
  Result<void> restart(size_t index);
  std::vector<std::string> urls() const;  // "http://127.0.0.1:PORT"
  std::vector<std::string> names() const;
  uint64_t requests(size_t index) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace ps::engine
