#pragma once
// ProxyHarness: the engine in-process on 127.0.0.1 port 0 plus a sink collecting finished flows,
// and helpers the integration tests share (curl through the proxy, raw socket exchanges).
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <QStringList>

#include "engine/core/config.h"
#include "engine/core/event_hub.h"
#include "engine/net/engine.h"
#include "tests/support/test_support.h"

namespace ps::test {

class ProxyHarness {
 public:
  explicit ProxyHarness(std::function<void(engine::EngineConfig&)> configure = {});
  ~ProxyHarness();

  engine::Engine& engine() { return *m_engine; }
  uint16_t port() const { return m_port; }
  std::string proxyUrl() const;  // "http://127.0.0.1:PORT"

  // curl -sS --max-time N -x proxy <args>
  ProcessResult curl(const QStringList& args, int timeoutMs = 30000) const;

  // Waits (with a deadline) until at least n Finished events arrived; returns every finished flow.
  std::vector<engine::FlowPtr> finishedFlows(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Every event seen so far (all types), in order.
  std::vector<engine::FlowEvent> allEvents();

 private:
  void collect(std::chrono::milliseconds wait);
  std::unique_ptr<engine::Engine> m_engine;
  engine::EventHub::SinkId m_sink = 0;
  uint16_t m_port = 0;
  std::vector<engine::FlowEvent> m_events;
};

// Connects to 127.0.0.1:port, writes `bytes`, reads until the peer closes, `until` returns true on
// what was read, or the deadline passes. Optionally closes right after writing (closeAfterWrite).
std::string rawExchange(uint16_t port, const std::string& bytes, std::chrono::milliseconds timeout,
                        const std::function<bool(const std::string&)>& until = {}, bool closeAfterWrite = false);

// Counts non-overlapping occurrences of needle in haystack.
size_t countOf(const std::string& haystack, const std::string& needle);

}  // namespace ps::test
