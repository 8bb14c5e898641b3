#include "tests/support/proxy_harness.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace ps::test {

ProxyHarness::ProxyHarness(std::function<void(engine::EngineConfig&)> configure) {
  engine::EngineConfig config;
  config.listen = {"127.0.0.1", 0};
  config.threads = 2;
  if (configure) configure(config);
  m_engine = engine::Engine::create(std::make_shared<const engine::EngineConfig>(config));
  m_sink = m_engine->events().addSink({});
  auto started = m_engine->start();
  if (!started) throw std::runtime_error("engine did not start: " + started.error().message);
  m_port = started->port;
}

ProxyHarness::~ProxyHarness() { m_engine->stop(); }

std::string ProxyHarness::proxyUrl() const { return "http://127.0.0.1:" + std::to_string(m_port); }

ProcessResult ProxyHarness::curl(const QStringList& args, int timeoutMs) const {
  QStringList all{"-sS", "--max-time", QString::number(std::min(timeoutMs / 1000 - 1, 8)), "-x", QString::fromStdString(proxyUrl())};
  all += args;
  return run("curl", all, timeoutMs);
}

void ProxyHarness::collect(std::chrono::milliseconds wait) {
  std::vector<engine::FlowEvent> batch;
  m_engine->events().drainWait(m_sink, batch, 100000, wait);
  for (auto& e : batch) m_events.push_back(std::move(e));
}

std::vector<engine::FlowPtr> ProxyHarness::finishedFlows(size_t n, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    collect(std::chrono::milliseconds(0));
    std::vector<engine::FlowPtr> out;
    for (const auto& e : m_events) {
      if (e.type == engine::FlowEventType::Finished) out.push_back(e.flow);
    }
    if (out.size() >= n || std::chrono::steady_clock::now() >= deadline) return out;
    collect(std::chrono::milliseconds(50));
  }
}

std::vector<engine::FlowEvent> ProxyHarness::allEvents() {
  collect(std::chrono::milliseconds(0));
  return m_events;
}

std::string rawExchange(uint16_t port, const std::string& bytes, std::chrono::milliseconds timeout,
                        const std::function<bool(const std::string&)>& until, bool closeAfterWrite) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return out;
  }
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  if (closeAfterWrite) {
    ::close(fd);
    return out;
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[65536];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (until && until(out)) break;
  }
  ::close(fd);
  return out;
}

size_t countOf(const std::string& haystack, const std::string& needle) {
  size_t count = 0;
  for (size_t pos = haystack.find(needle); pos != std::string::npos; pos = haystack.find(needle, pos + needle.size())) {
    ++count;
  }
  return count;
}

}  // namespace ps::test
