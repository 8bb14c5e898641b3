#include "engine/proxy/health_checker.h"

#include <asio/co_spawn.hpp>
#include <asio/connect.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read_until.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "engine/proxy/balancer.h"
#include "engine/core/thread_name.h"

namespace ps::engine {

namespace {

using asio::ip::tcp;
constexpr auto kTuple = asio::experimental::as_tuple(asio::use_awaitable);

// One probe: empty string when it passed, else why it failed.
asio::awaitable<std::string> probe(const BackendConfig& backend, const HealthCheckConfig& check) {
  using namespace asio::experimental::awaitable_operators;
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer deadline(executor);
  deadline.expires_after(check.timeout);
  tcp::resolver resolver(executor);
  tcp::socket socket(executor);
  std::string port = std::to_string(backend.port);
  auto resolved = co_await (resolver.async_resolve(backend.host, port, kTuple) || deadline.async_wait(kTuple));
  if (resolved.index() == 1) co_return "no answer within " + std::to_string(check.timeout.count()) + " ms (resolving)";
  auto [rec, endpoints] = std::get<0>(resolved);
  if (rec) co_return "cannot resolve " + backend.host + ": " + rec.message();
  auto connected = co_await (asio::async_connect(socket, endpoints, kTuple) || deadline.async_wait(kTuple));
  if (connected.index() == 1) co_return "no connection within " + std::to_string(check.timeout.count()) + " ms";
  if (auto [cec, unused] = std::get<0>(connected); cec) co_return "connect: " + cec.message();
  if (backend.scheme == "https") co_return "";  // TCP-level check only (see header)
  std::string authority = backend.host.find(':') != std::string::npos ? "[" + backend.host + "]" : backend.host;
  std::string request = "GET " + check.path + " HTTP/1.1\r\nHost: " + authority + ":" + port +
                        "\r\nUser-Agent: proxyscope-health-check\r\nConnection: close\r\n\r\n";
  auto written = co_await (asio::async_write(socket, asio::buffer(request), kTuple) || deadline.async_wait(kTuple));
  if (written.index() == 1) co_return "request not sent within " + std::to_string(check.timeout.count()) + " ms";
  if (auto [wec, unused] = std::get<0>(written); wec) co_return "sending the check: " + wec.message();
  std::string response;
  auto read = co_await (asio::async_read_until(socket, asio::dynamic_buffer(response, 4096), "\r\n", kTuple) ||
                        deadline.async_wait(kTuple));
  if (read.index() == 1) co_return "no status line within " + std::to_string(check.timeout.count()) + " ms";
  if (auto [rec2, unused] = std::get<0>(read); rec2) co_return "reading the status line: " + rec2.message();
  // "HTTP/1.1 200 OK"
  int status = 0;
  if (response.size() >= 12 && response.starts_with("HTTP/1.")) status = std::atoi(response.c_str() + 9);
  if (status == 0) co_return "not an HTTP response";
  bool ok = check.expectStatus == 0 ? (status >= 200 && status < 400) : status == check.expectStatus;
  if (!ok) co_return "status " + std::to_string(status) + " from " + check.path;
  co_return "";
}

asio::awaitable<void> checkLoop(Balancer& balancer, std::shared_ptr<Backend> backend) {
  const HealthCheckConfig& check = balancer.config().health;
  asio::steady_timer pause(co_await asio::this_coro::executor);
  for (;;) {
    std::string failure = co_await probe(backend->config(), check);
    if (failure.empty()) {
      balancer.checkPassed(*backend);
    } else {
      balancer.checkFailed(*backend, failure);
    }
    pause.expires_after(check.interval);
    auto [ec] = co_await pause.async_wait(kTuple);
    if (ec) co_return;
  }
}

}  // namespace

HealthChecker::HealthChecker(const std::vector<Balancer*>& balancers) : m_io(std::make_unique<asio::io_context>(1)) {
  bool any = false;
  for (Balancer* balancer : balancers) {
    if (!balancer->config().health.enabled) continue;
    for (const auto& backend : balancer->backends()) {
      asio::co_spawn(*m_io, checkLoop(*balancer, backend), [](std::exception_ptr) {});
      any = true;
    }
  }
  if (any) {
    m_thread = std::thread([io = m_io.get()] {
      setCurrentThreadName("ps-health");
      io->run();
    });
  }
}

HealthChecker::~HealthChecker() {
  m_io->stop();
  if (m_thread.joinable()) m_thread.join();
}

}  // namespace ps::engine
