#pragma once
// FakeEngine: an Engine for UI tests and benchmarks. It binds nothing; start/stop/setConfig are
// recorded, and flows are published as scripted FlowEvents (from the calling thread or a streaming
// thread at a given rate).
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/net/engine.h"

namespace ps::test {

class FakeEngine : public engine::Engine {
 public:
  explicit FakeEngine(std::shared_ptr<const engine::EngineConfig> config = nullptr);
  ~FakeEngine() override;

  engine::Result<engine::Endpoint> start() override;
  void stop() override;
  bool running() const override { return m_running; }
  engine::Endpoint listenAddress() const override;
  engine::EventHub& events() override { return m_hub; }
  engine::EngineStats stats() const override;
  std::shared_ptr<const engine::EngineConfig> config() const override;
  void setConfig(std::shared_ptr<const engine::EngineConfig> config) override;

  // What the UI asked for, in order: "start", "stop", "config:forward@127.0.0.1:8080", ...
  std::vector<std::string> calls() const;
  void failNextStart(std::string message) { m_failStart = std::move(message); }

  // Publishes one event with a snapshot of flow.
  void publish(engine::FlowEventType type, const engine::Flow& flow);
  // Publishes a flow's whole life: Started, ResponseHeaders, ResponseDone, Finished (Error before
  // Finished when the flow has an error).
  void publishLifecycle(const engine::Flow& flow);

  // Streams count flows (sampleFlow(firstId + i)) at about flowsPerSecond from a thread;
  // waitStreaming() joins it.
  void startStreaming(uint64_t firstId, uint64_t count, double flowsPerSecond);
  void waitStreaming();
  uint64_t streamed() const { return m_streamed; }

 private:
  engine::EventHub m_hub;
  mutable std::mutex m_mutex;
  std::shared_ptr<const engine::EngineConfig> m_config;
  std::vector<std::string> m_calls;
  std::atomic<bool> m_running{false};
  std::atomic<bool> m_stopStreaming{false};
  std::atomic<uint64_t> m_streamed{0};
  std::string m_failStart;
  std::thread m_streamer;
};

// A plausible finished flow: varied hosts, methods, statuses and content types, with headers
// and a small captured body. Deterministic in id.
engine::Flow sampleFlow(uint64_t id);
// The same flow as it looks when only the request head is known.
engine::Flow startedPart(const engine::Flow& flow);

}  // namespace ps::test
