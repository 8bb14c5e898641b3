#include "tests/support/fake_engine.h"

#include <chrono>

namespace ps::test {

namespace eng = ps::engine;

FakeEngine::FakeEngine(std::shared_ptr<const eng::EngineConfig> config)
    : m_config(config ? std::move(config) : std::make_shared<eng::EngineConfig>()) {}

FakeEngine::~FakeEngine() {
  m_stopStreaming = true;
  waitStreaming();
}

eng::Result<eng::Endpoint> FakeEngine::start() {
  std::lock_guard lock(m_mutex);
  m_calls.emplace_back("start");
  if (!m_failStart.empty()) {
    std::string message = std::move(m_failStart);
    m_failStart.clear();
    return eng::Error{message};
  }
  if (m_running) return eng::Error{"already running"};
  m_running = true;
  return m_config->listen;
}

void FakeEngine::stop() {
  std::lock_guard lock(m_mutex);
  m_calls.emplace_back("stop");
  m_running = false;
}

eng::Endpoint FakeEngine::listenAddress() const {
  std::lock_guard lock(m_mutex);
  return m_config->listen;
}

eng::EngineStats FakeEngine::stats() const {
  eng::EngineStats s;
  s.flowsStarted = m_streamed;
  return s;
}

std::shared_ptr<const eng::EngineConfig> FakeEngine::config() const {
  std::lock_guard lock(m_mutex);
  return m_config;
}

void FakeEngine::setConfig(std::shared_ptr<const eng::EngineConfig> config) {
  std::lock_guard lock(m_mutex);
  m_calls.push_back(std::string("config:") + (config->mode == eng::ProxyMode::Reverse ? "reverse" : "forward") + "@" +
                    config->listen.toString());
  m_config = std::move(config);
}

std::vector<std::string> FakeEngine::calls() const {
  std::lock_guard lock(m_mutex);
  return m_calls;
}

void FakeEngine::publish(eng::FlowEventType type, const eng::Flow& flow) {
  eng::FlowEvent event;
  event.type = type;
  event.flowId = flow.id;
  event.flow = std::make_shared<const eng::Flow>(flow);
  m_hub.publish(std::move(event));
}

void FakeEngine::publishLifecycle(const eng::Flow& flow) {
  publish(eng::FlowEventType::Started, startedPart(flow));
  if (flow.response) {
    eng::Flow head = flow;
    head.response->body = {};
    head.timing.end = 0;
    head.error.reset();
    publish(eng::FlowEventType::ResponseHeaders, head);
  }
  if (flow.error) publish(eng::FlowEventType::Error, flow);
  publish(eng::FlowEventType::Finished, flow);
}

void FakeEngine::startStreaming(uint64_t firstId, uint64_t count, double flowsPerSecond) {
  waitStreaming();
  m_stopStreaming = false;
  m_streamer = std::thread([this, firstId, count, flowsPerSecond] {
    using Clock = std::chrono::steady_clock;
    const auto begin = Clock::now();
    for (uint64_t i = 0; i < count && !m_stopStreaming; ++i) {
      // Pace by schedule, not by sleeping a fixed step, so the rate holds on average.
      const auto due = begin + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(static_cast<double>(i) / flowsPerSecond));
      if (due > Clock::now()) std::this_thread::sleep_until(due);
      publishLifecycle(sampleFlow(firstId + i));
      ++m_streamed;
    }
  });
}

void FakeEngine::waitStreaming() {
  if (m_streamer.joinable()) m_streamer.join();
}

eng::Flow startedPart(const eng::Flow& flow) {
  eng::Flow started = flow;
  started.response.reset();
  started.error.reset();
  started.timing.end = 0;
  started.timing.responseStart = 0;
  started.timing.responseHeaders = 0;
  started.bytesToClient = 0;
  return started;
}

eng::Flow sampleFlow(uint64_t id) {
  static const char* const kHosts[] = {"api.example.com", "cdn.example.net", "www.example.org", "auth.example.com",
                                       "images.example.net", "telemetry.example.io"};
  static const char* const kPaths[] = {"/v1/users?page=2",     "/assets/app.3f9c2.js", "/",
                                       "/oauth/token",         "/img/logo.png",        "/collect",
                                       "/v1/orders/1842/items", "/styles/main.css"};
  static const char* const kTypes[] = {"application/json", "application/javascript", "text/html; charset=utf-8",
                                       "application/json", "image/png",              "text/plain",
                                       "application/json", "text/css"};
  static const int kStatuses[] = {200, 200, 200, 201, 304, 200, 404, 200, 302, 500, 200, 204};

  eng::Flow f;
  f.id = id;
  f.connectionId = id / 4 + 1;
  f.mode = eng::ProxyMode::Forward;
  f.kind = eng::FlowKind::Http;
  f.clientAddress = "127.0.0.1:" + std::to_string(40000 + id % 2000);
  const size_t k = id % std::size(kPaths);
  f.request.method = k == 3 || k == 5 ? "POST" : (id % 29 == 0 ? "PUT" : "GET");
  f.request.scheme = id % 3 == 0 ? "https" : "http";
  f.request.host = kHosts[id % std::size(kHosts)];
  f.request.port = f.request.scheme == "https" ? 443 : 80;
  f.request.path = kPaths[k];
  f.request.target = f.request.url();
  f.request.headers = {{"Host", f.request.host},
                       {"User-Agent", "curl/7.88.1"},
                       {"Accept", "*/*"},
                       {"X-Request-Id", "req-" + std::to_string(id)}};
  if (f.request.method != "GET") {
    f.request.body.captured = R"({"name":"proxyscope","items":[1,2,3]})";
    f.request.body.size = f.request.body.captured.size();
    f.request.headers.add("Content-Type", "application/json");
    f.request.headers.add("Content-Length", std::to_string(f.request.body.size));
  }
  f.serverAddress = "93.184.216." + std::to_string(id % 200 + 1) + ":" + std::to_string(f.request.port);

  const int64_t start = eng::nowMicros();
  const int64_t micros = 800 + static_cast<int64_t>((id * 7919) % 180'000);
  f.timing.start = start;
  f.timing.requestHeaders = start + 40;
  f.timing.connectDone = start + micros / 5;
  f.timing.requestSent = start + micros / 4;
  f.timing.responseStart = start + micros * 3 / 4;
  f.timing.responseHeaders = start + micros * 3 / 4 + 30;
  f.timing.end = start + micros;

  eng::Response r;
  r.status = kStatuses[id % std::size(kStatuses)];
  r.reason = r.status == 200 ? "OK" : r.status == 404 ? "Not Found" : r.status == 500 ? "Internal Server Error" : "";
  const std::string type = kTypes[k];
  r.headers = {{"Date", "Thu, 26 Nov 2026 23:59:00 GMT"}, {"Content-Type", type}, {"Server", "origin/1.0"}};
  if (type == "application/json") {
    r.body.captured = R"({"id":)" + std::to_string(id) + R"(,"ok":true,"items":[{"name":"a","n":1},{"name":"b","n":2}]})";
  } else if (type == "image/png") {
    static const char kPngHead[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x06\0\0\0";
    r.body.captured = std::string(kPngHead, sizeof kPngHead - 1);
  } else if (type.rfind("text/html", 0) == 0) {
    r.body.captured = "<!doctype html>\n<html><head><title>Example</title></head>\n<body><h1>Hello</h1></body></html>\n";
  } else {
    r.body.captured = "body of flow " + std::to_string(id) + "\n";
  }
  r.body.size = r.body.captured.size() + (id % 5 == 0 ? 20'000 + id % 100'000 : 0);
  r.headers.add("Content-Length", std::to_string(r.body.size));
  f.bytesFromClient = 120 + f.request.body.size;
  f.bytesToClient = 180 + r.body.size;
  if (r.status == 500 && (id / 12) % 2 == 1) {  // ids 21, 45, 69, ...: an unreachable origin
    f.error = eng::FlowError{eng::ErrorKind::UpstreamConnect, "connect to " + f.request.authority() + ": Connection refused"};
    r = eng::Response{};
    r.status = 502;
    r.reason = "Bad Gateway";
    r.headers = {{"Content-Type", "text/plain"}, {"Connection", "close"}};
    r.body.captured = "proxyscope: could not connect to " + f.request.authority() + ": Connection refused\n";
    r.body.size = r.body.captured.size();
    f.serverAddress.clear();
  }
  f.response = std::move(r);
  return f;
}

}  // namespace ps::test
