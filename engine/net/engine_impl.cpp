// EngineImpl: the real Engine. One io_context per worker thread (concurrency hint 1, no locking):
// the listener accepts on worker 0 and hands each socket round-robin to a worker, where its
// connection coroutine, its upstream connections (the worker's pool) and its timers all live. So a
// connection never needs a strand, and pools need no lock.
#include <asio/co_spawn.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <atomic>
#include <mutex>
#include <thread>

#include "engine/net/client_connection.h"
#include "engine/net/connection_context.h"
#include "engine/net/engine.h"
#include "engine/net/stream.h"
#include "engine/net/upstream_pool.h"

namespace ps::engine {

namespace {

using net::tcp;

struct Worker {
  std::unique_ptr<asio::io_context> io = std::make_unique<asio::io_context>(1);
  std::unique_ptr<net::UpstreamPool> pool = std::make_unique<net::UpstreamPool>(io->get_executor());
  std::unique_ptr<net::WorkerServices> services;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard;
  std::thread thread;
};

class EngineImpl final : public Engine {
 public:
  explicit EngineImpl(std::shared_ptr<const EngineConfig> config) : m_config(std::move(config)) {}
  ~EngineImpl() override { stop(); }

  Result<Endpoint> start() override;
  void stop() override;
  bool running() const override { return m_running.load(); }
  Endpoint listenAddress() const override {
    std::lock_guard lock(m_mutex);
    return m_bound;
  }
  EventHub& events() override { return m_hub; }
  EngineStats stats() const override;
  std::shared_ptr<const EngineConfig> config() const override {
    std::lock_guard lock(m_mutex);
    return m_config;
  }
  void setConfig(std::shared_ptr<const EngineConfig> config) override;

 private:
  asio::awaitable<void> acceptLoop();
  net::ConnectionContext contextFor(Worker& worker);

  mutable std::mutex m_mutex;
  std::mutex m_lifecycle;  // serialises start() / stop()
  std::shared_ptr<const EngineConfig> m_config;
  std::shared_ptr<const net::EngineHooks> m_hooks;
  EventHub m_hub;
  net::EngineCounters m_counters;
  std::vector<std::unique_ptr<Worker>> m_workers;
  std::unique_ptr<tcp::acceptor> m_acceptor;
  std::atomic<bool> m_running{false};
  std::atomic<bool> m_stopping{false};
  size_t m_nextWorker = 0;
  Endpoint m_bound;
};

Result<Endpoint> EngineImpl::start() {
  std::lock_guard life(m_lifecycle);
  if (m_running) return Error{"the engine is already running"};
  auto config = this->config();
  auto hooks = net::makeEngineHooks(*config);
  if (!hooks) return hooks.error();
  {
    std::lock_guard lock(m_mutex);
    m_hooks = std::make_shared<const net::EngineHooks>(std::move(hooks.value()));
  }
  unsigned threads = config->threads != 0 ? config->threads : std::max(1u, std::thread::hardware_concurrency());
  m_workers.clear();
  for (unsigned i = 0; i < threads; ++i) {
    auto worker = std::make_unique<Worker>();
    worker->services = std::make_unique<net::WorkerServices>(*worker->io, *worker->pool, m_hub, m_counters);
    worker->guard.emplace(worker->io->get_executor());
    m_workers.push_back(std::move(worker));
  }

  // Bind: literal addresses directly, names through a (blocking, start-up only) resolve.
  std::error_code ec;
  tcp::endpoint endpoint;
  auto address = asio::ip::make_address(config->listen.host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, config->listen.port);
  } else {
    tcp::resolver resolver(*m_workers[0]->io);
    auto results = resolver.resolve(config->listen.host, std::to_string(config->listen.port), ec);
    if (ec || results.empty()) {
      m_workers.clear();
      return Error{"cannot resolve listen address " + config->listen.toString() + ": " + ec.message()};
    }
    endpoint = results.begin()->endpoint();
  }
  auto acceptor = std::make_unique<tcp::acceptor>(*m_workers[0]->io);
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) ::fcntl(acceptor->native_handle(), F_SETFD, FD_CLOEXEC);
  if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    m_workers.clear();
    return Error{"cannot listen on " + config->listen.toString() + ": " + ec.message()};
  }
  auto local = acceptor->local_endpoint(ec);
  {
    std::lock_guard lock(m_mutex);
    m_bound = Endpoint{local.address().to_string(), local.port()};
  }
  m_acceptor = std::move(acceptor);
  m_stopping = false;
  asio::co_spawn(*m_workers[0]->io, acceptLoop(), [](std::exception_ptr) {});
  for (auto& worker : m_workers) {
    asio::io_context& io = *worker->io;
    worker->thread = std::thread([&io] { io.run(); });
  }
  m_running = true;
  return listenAddress();
}

net::ConnectionContext EngineImpl::contextFor(Worker& worker) {
  std::lock_guard lock(m_mutex);
  return net::ConnectionContext{*worker.services, m_config, m_hooks};
}

asio::awaitable<void> EngineImpl::acceptLoop() {
  for (;;) {
    Worker& worker = *m_workers[m_nextWorker++ % m_workers.size()];
    auto [ec, socket] = co_await m_acceptor->async_accept(*worker.io, net::kUseTuple);
    if (m_stopping || !m_acceptor->is_open()) co_return;
    if (ec) {
      // EMFILE and friends: back off briefly instead of spinning.
      asio::steady_timer pause(m_acceptor->get_executor(), std::chrono::milliseconds(50));
      co_await pause.async_wait(net::kUseTuple);
      continue;
    }
    m_counters.connectionsAccepted.fetch_add(1, std::memory_order_relaxed);
    std::error_code ignored;
    net::setCloseOnExec(socket);
    socket.set_option(tcp::no_delay(true), ignored);
    net::ClientInfo info;
    info.connectionId = net::nextConnectionId();
    auto peer = socket.remote_endpoint(ignored);
    info.clientAddress = Endpoint{peer.address().to_string(), peer.port()}.toString();
    auto stream = std::make_unique<net::TcpStream>(std::move(socket));
    asio::co_spawn(*worker.io, net::serveHttp(contextFor(worker), std::move(stream), std::move(info)),
                   [](std::exception_ptr) {});  // exceptions stop here; the connection is gone
  }
}

void EngineImpl::stop() {
  std::lock_guard life(m_lifecycle);
  if (!m_running) return;
  m_stopping = true;
  // Stop accepting, then close every connection on its own thread; their coroutines finish their
  // flows (as errors) and end.
  asio::post(*m_workers[0]->io, [this] {
    std::error_code ignored;
    m_acceptor->close(ignored);
  });
  for (auto& worker : m_workers) {
    net::WorkerServices* services = worker->services.get();
    asio::post(*worker->io, [services] {
      services->stopping = true;
      auto streams = services->openStreams;  // closing may unregister
      for (auto* stream : streams) stream->close();
      services->pool.closeAll();
    });
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (m_counters.connectionsOpen.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  for (auto& worker : m_workers) {
    worker->guard.reset();
    worker->io->stop();
  }
  for (auto& worker : m_workers) {
    if (worker->thread.joinable()) worker->thread.join();
  }
  m_acceptor.reset();
  // Destroy each io_context (and any coroutine frame still suspended on it) while the services the
  // frames refer to are alive; the pools are emptied first so no socket outlives its io_context.
  for (auto& worker : m_workers) {
    worker->pool->closeAll();
    worker->io.reset();
  }
  m_workers.clear();
  m_running = false;
  m_hub.wakeAll();
}

EngineStats EngineImpl::stats() const {
  EngineStats s;
  s.connectionsAccepted = m_counters.connectionsAccepted.load();
  s.connectionsOpen = m_counters.connectionsOpen.load();
  s.flowsStarted = m_counters.flowsStarted.load();
  s.flowsFinished = m_counters.flowsFinished.load();
  s.flowsFailed = m_counters.flowsFailed.load();
  s.bytesFromClients = m_counters.bytesFromClients.load();
  s.bytesToClients = m_counters.bytesToClients.load();
  return s;
}

void EngineImpl::setConfig(std::shared_ptr<const EngineConfig> config) {
  auto hooks = net::makeEngineHooks(*config);
  std::lock_guard lock(m_mutex);
  m_config = std::move(config);
  if (hooks) m_hooks = std::make_shared<const net::EngineHooks>(std::move(hooks.value()));
}

}  // namespace

std::unique_ptr<Engine> Engine::create(std::shared_ptr<const EngineConfig> config) {
  return std::make_unique<EngineImpl>(config ? std::move(config) : std::make_shared<const EngineConfig>());
}

}  // namespace ps::engine
