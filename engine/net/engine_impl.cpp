// EngineImpl: the real Engine. One io_context per worker thread: the listener accepts on worker 0
// and hands each socket round-robin to a worker, where its connection coroutine, its upstream
// connections (the worker's pool) and its timers all live. So a connection never needs a strand,
// and pools need no lock. The io_context says so to Asio (ASIO_CONCURRENCY_HINT_UNSAFE_IO): a
// socket's reactor state is only touched by its own thread, so its per-operation mutex is dropped
// (~14 lock/unlock pairs a proxied request). The scheduler (posts from the API's threads) and
// descriptor registration (worker 0 accepts sockets for the others) keep their locks.
#include <asio/co_spawn.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "engine/net/client_connection.h"
#include "engine/net/connection_context.h"
#include "engine/net/engine.h"
#include "engine/net/stream.h"
#include "engine/net/replay.h"
#include "engine/net/upstream_pool.h"
#include "engine/proxy/forward_proxy.h"
#include "engine/proxy/reverse_proxy.h"
#include "engine/policy/cache_persistence.h"
#include "engine/policy/cache_purge.h"
#include "engine/policy/policy_interceptor.h"
#include "engine/proxy/breakpoints.h"
#include "engine/sysproxy/launched_apps.h"
#include "engine/tls/certificate_authority.h"
#include "engine/core/allocator_maintenance.h"
#include "engine/core/thread_name.h"

namespace ps::engine {

namespace {

using net::tcp;

struct Worker {
  std::unique_ptr<asio::io_context> io = std::make_unique<asio::io_context>(ASIO_CONCURRENCY_HINT_UNSAFE_IO);
  std::unique_ptr<net::UpstreamPool> pool = std::make_unique<net::UpstreamPool>(io->get_executor());
  std::unique_ptr<net::WorkerServices> services;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard;
  std::thread thread;
};

class EngineImpl final : public Engine {
 public:
  explicit EngineImpl(std::shared_ptr<const EngineConfig> config)
      : m_config(std::move(config)) {
    m_cache = std::make_shared<HttpCache>(m_config->policies ? m_config->policies->cache.maxBytes
                                                             : CachePolicyConfig{}.maxBytes);
  }
  ~EngineImpl() override {
    stop();
    if (m_cachePersistence) m_cachePersistence->stopSaving();  // the last save
  }

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

  // Reverse mode (engine/proxy/reverse_proxy.h).
  std::vector<BackendStats> backendStats() const override;
  Result<void> adminBackend(const std::string& pool, const std::string& backend, BackendAdminAction action,
                            unsigned weight) override;
  Result<void> setBreakpoints(std::vector<BreakpointRule> rules) override { return m_breakpoints->setRules(std::move(rules)); }
  std::vector<BreakpointRule> breakpoints() const override { return m_breakpoints->rules(); }
  void setBreakpointsEnabled(bool enabled) override { m_breakpoints->setEnabled(enabled); }
  void breakOnNextRequest() override { m_breakpoints->breakOnNextRequest(); }
  void setPauseTimeout(std::chrono::milliseconds timeout) override { m_breakpoints->setPauseTimeout(timeout); }
  bool resolve(uint64_t flowId, Decision decision) override { return m_breakpoints->resolve(flowId, std::move(decision)); }
  std::vector<PausedFlow> pausedFlows() const override { return m_breakpoints->paused(); }
  std::vector<PolicyCounter> policyCounters() const override;
  size_t purgeCache() override;
  Result<size_t> purgeCacheMatching(const std::string& filter) override;
  Result<size_t> attachCacheSession(const std::string& sessionPath) override;
  void registerLaunchedApp(int pid, const std::string& name) override { m_launched->add(pid, name); }
  void unregisterLaunchedApp(int pid) override { m_launched->remove(pid); }
  Result<uint64_t> replay(const Request& request, uint64_t replayOf) override;
  Result<std::vector<uint64_t>> repeat(const Request& request, uint64_t replayOf, RepeatOptions options) override;

 private:
  // The engine's own interceptors come after the mode's (policies first, breakpoints last).
  Result<net::EngineHooks> hooksFor(const EngineConfig& config);
  // Counters of the running generation (policies and the forward router's upstream proxies).
  std::vector<PolicyCounter> liveCountersLocked() const;

  asio::awaitable<void> acceptLoop();
  // About once a second on each worker: the allocator hook (allocator_maintenance.h), if any.
  static asio::awaitable<void> allocatorMaintenanceLoop(asio::io_context& io);
  // Publishes the Started snapshots of flows that outlast EventHub::kLateStartedDelay (LateStarted).
  static asio::awaitable<void> lateStartedLoop(asio::io_context& io, net::WorkerServices& services);
  // A connection's first step on its worker: the launched-app lookup (only while apps are
  // registered; it reads /proc, so it runs here rather than on the accept loop), then HTTP or TLS.
  static asio::awaitable<void> serveAccepted(net::ConnectionContext ctx, std::unique_ptr<net::Stream> stream,
                                             net::ClientInfo info, std::shared_ptr<LaunchedApps> launched,
                                             Endpoint peer, Endpoint local);
  static asio::awaitable<void> serveTls(net::ConnectionContext ctx, std::unique_ptr<net::Stream> stream,
                                        net::ClientInfo info);
  net::ConnectionContext contextFor(Worker& worker);
  std::shared_ptr<const net::EngineHooks> currentHooks() const {
    std::lock_guard lock(m_mutex);
    return m_hooks;
  }
  proxy::ReverseRouter* reverseRouter(std::shared_ptr<const net::EngineHooks>& keep) const;

  mutable std::mutex m_mutex;
  std::shared_ptr<PolicyInterceptor> m_policies;  // the current config's, for counters and purges
  // Shared by every generation of the policies, so a config swap keeps what was cached (item 5).
  std::shared_ptr<HttpCache> m_cache;
  std::unique_ptr<CachePersistence> m_cachePersistence;
  // Counts of the generations a config swap replaced, added to the live ones (counters never reset).
  std::map<std::string, uint64_t> m_counterCarry;
  std::mutex m_lifecycle;  // serialises start() / stop()
  std::shared_ptr<const EngineConfig> m_config;
  std::shared_ptr<const net::EngineHooks> m_hooks;
  EventHub m_hub;
  std::shared_ptr<LaunchedApps> m_launched = std::make_shared<LaunchedApps>();
  std::shared_ptr<proxy::BreakpointRegistry> m_breakpoints = std::make_shared<proxy::BreakpointRegistry>();
  net::EngineCounters m_counters;
  std::vector<std::unique_ptr<Worker>> m_workers;
  std::unique_ptr<tcp::acceptor> m_acceptor;
  std::atomic<bool> m_running{false};
  std::atomic<bool> m_stopping{false};
  size_t m_nextWorker = 0;            // accept loop only
  std::atomic<size_t> m_nextReplayWorker{0};
  Endpoint m_bound;
};

Result<Endpoint> EngineImpl::start() {
  std::lock_guard life(m_lifecycle);
  if (m_running) return Error{"the engine is already running"};
  auto config = this->config();
  m_breakpoints->reopen();
  // Launches announced by other Proxyscope processes sharing the data directory (launched_apps.h).
  m_launched->setAnnounceDir((config->dataDir.empty() ? tls::defaultDataDirectory() : config->dataDir) + "/launched");
  auto hooks = hooksFor(*config);
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
    asio::co_spawn(*worker->io, lateStartedLoop(*worker->io, *worker->services), [](std::exception_ptr) {});
  }
  if (allocatorMaintenance() != nullptr) {
    for (auto& worker : m_workers) {
      asio::co_spawn(*worker->io, allocatorMaintenanceLoop(*worker->io), [](std::exception_ptr) {});
    }
  }
  for (size_t i = 0; i < m_workers.size(); ++i) {
    asio::io_context& io = *m_workers[i]->io;
    m_workers[i]->thread = std::thread([&io, i] {
      setCurrentThreadName(("ps-worker-" + std::to_string(i)).c_str());
      io.run();
    });
  }
  m_running = true;
  return listenAddress();
}

net::ConnectionContext EngineImpl::contextFor(Worker& worker) {
  std::lock_guard lock(m_mutex);
  return net::ConnectionContext{*worker.services, m_config, m_hooks};
}

asio::awaitable<void> EngineImpl::lateStartedLoop(asio::io_context& io, net::WorkerServices& services) {
  asio::steady_timer timer(io);
  const auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(EventHub::kLateStartedDelay);
  for (;;) {
    timer.expires_after(delay / 2);  // a lasting flow is in the store within 1.5x the delay
    auto [ec] = co_await timer.async_wait(net::kUseTuple);
    if (ec) co_return;  // the engine stops
    services.lateStarted.sweep(services.hub, std::chrono::steady_clock::now(), delay);
  }
}

asio::awaitable<void> EngineImpl::allocatorMaintenanceLoop(asio::io_context& io) {
  asio::steady_timer timer(io);
  for (;;) {
    timer.expires_after(std::chrono::seconds(1));
    auto [ec] = co_await timer.async_wait(net::kUseTuple);
    if (ec) co_return;  // the engine stops
    if (auto hook = allocatorMaintenance()) hook();
  }
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
    auto local = socket.local_endpoint(ignored);
    Endpoint peerEndpoint{peer.address().to_string(), peer.port()};
    info.clientAddress = peerEndpoint.toString();
    auto stream = std::make_unique<net::TcpStream>(std::move(socket));
    auto ctx = contextFor(worker);
    if (m_launched->active()) {
      asio::co_spawn(*worker.io,
                     serveAccepted(std::move(ctx), std::move(stream), std::move(info), m_launched, std::move(peerEndpoint),
                                   Endpoint{local.address().to_string(), local.port()}),
                     [](std::exception_ptr) {});
      continue;
    }
    if (ctx.hooks->listenerTls) {  // reverse mode: TLS termination on the listener
      asio::co_spawn(*worker.io, serveTls(std::move(ctx), std::move(stream), std::move(info)), [](std::exception_ptr) {});
      continue;
    }
    asio::co_spawn(*worker.io, net::serveHttp(std::move(ctx), std::move(stream), std::move(info)),
                   [](std::exception_ptr) {});  // exceptions stop here; the connection is gone
  }
}

void EngineImpl::stop() {
  std::lock_guard life(m_lifecycle);
  if (!m_running) return;
  m_stopping = true;
  // Paused flows are resolved as killed first, so their coroutines can end like every other.
  m_breakpoints->killAll();
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
  if (m_cachePersistence) m_cachePersistence->saveSoon();
  m_hub.wakeAll();
}

Result<uint64_t> EngineImpl::replay(const Request& request, uint64_t replayOf) {
  auto ids = repeat(request, replayOf, RepeatOptions{});
  if (!ids) return ids.error();
  return ids->front();
}

Result<std::vector<uint64_t>> EngineImpl::repeat(const Request& request, uint64_t replayOf, RepeatOptions options) {
  std::lock_guard life(m_lifecycle);
  if (!m_running) return Error{"start the proxy to replay requests"};
  if (request.method.empty() || request.host.empty()) return Error{"a replay needs a method and a URL with a host"};
  unsigned count = std::max(1u, options.count);
  unsigned lanes = std::clamp(options.concurrency, 1u, count);
  std::vector<uint64_t> ids;
  for (unsigned i = 0; i < count; ++i) ids.push_back(net::nextFlowId());
  // Each lane runs its share one after another on its own worker; lanes spread over the workers.
  for (unsigned lane = 0; lane < lanes; ++lane) {
    std::vector<uint64_t> mine;
    for (unsigned i = lane; i < count; i += lanes) mine.push_back(ids[i]);
    Worker& worker = *m_workers[m_nextReplayWorker.fetch_add(1) % m_workers.size()];
    auto ctx = contextFor(worker);
    auto delay = options.delay;
    asio::co_spawn(
        *worker.io,
        [ctx, request, replayOf, mine, delay]() -> asio::awaitable<void> {
          for (size_t i = 0; i < mine.size(); ++i) {
            if (ctx.worker.stopping) co_return;
            if (i > 0 && delay.count() > 0) {
              asio::steady_timer wait(ctx.worker.io, delay);
              co_await wait.async_wait(net::kUseTuple);
            }
            co_await net::runReplay(ctx, request, replayOf, mine[i]);
          }
        },
        [](std::exception_ptr) {});
  }
  return ids;
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
  auto hooks = hooksFor(*config);
  std::lock_guard lock(m_mutex);
  m_config = std::move(config);
  if (hooks) m_hooks = std::make_shared<const net::EngineHooks>(std::move(hooks.value()));
}

// Reverse mode: the TLS handshake (registered so stop() can close it), then HTTP on the decrypted
// stream. A failed handshake ends the connection without a flow.
asio::awaitable<void> EngineImpl::serveTls(net::ConnectionContext ctx, std::unique_ptr<net::Stream> stream,
                                           net::ClientInfo info) {
  net::Stream* raw = stream.get();
  auto registration = std::make_unique<net::StreamRegistration>(ctx.worker, raw);
  auto secured = co_await ctx.hooks->listenerTls(std::move(stream), ctx.config->timeouts.clientHeaders);
  registration.reset();
  if (!secured) co_return;
  info.secure = true;
  co_await net::serveHttp(std::move(ctx), std::move(secured.value()), std::move(info));
}

asio::awaitable<void> EngineImpl::serveAccepted(net::ConnectionContext ctx, std::unique_ptr<net::Stream> stream,
                                                net::ClientInfo info, std::shared_ptr<LaunchedApps> launched,
                                                Endpoint peer, Endpoint local) {
  info.app = launched->appForConnection(peer, local);
  if (ctx.hooks->listenerTls) {
    co_await serveTls(std::move(ctx), std::move(stream), std::move(info));
  } else {
    co_await net::serveHttp(std::move(ctx), std::move(stream), std::move(info));
  }
}

// --- Reverse mode: per-backend statistics and admin actions (the router owns the balancers) ---

proxy::ReverseRouter* EngineImpl::reverseRouter(std::shared_ptr<const net::EngineHooks>& keep) const {
  keep = currentHooks();
  return keep ? dynamic_cast<proxy::ReverseRouter*>(keep->router.get()) : nullptr;
}

std::vector<BackendStats> EngineImpl::backendStats() const {
  std::shared_ptr<const net::EngineHooks> keep;
  auto* router = reverseRouter(keep);
  return router != nullptr ? router->stats() : std::vector<BackendStats>{};
}

Result<void> EngineImpl::adminBackend(const std::string& pool, const std::string& backend, BackendAdminAction action,
                                      unsigned weight) {
  std::shared_ptr<const net::EngineHooks> keep;
  auto* router = reverseRouter(keep);
  if (router == nullptr) return Error{"backend admin needs reverse mode"};
  return router->admin(pool, backend, action, weight);
}

// --- Policies: one cache and one set of counters across config generations ---

Result<net::EngineHooks> EngineImpl::hooksFor(const EngineConfig& config) {
  auto hooks = net::makeEngineHooks(config, &m_hub, currentHooks().get());
  if (!hooks) return hooks;
  std::shared_ptr<PolicyInterceptor> policies;
  if (config.policies) {
    m_cache->setMaxBytes(config.policies->cache.maxBytes);
    policies = std::make_shared<PolicyInterceptor>(config.policies, m_cache);
    hooks->interceptors.push_back(policies);
  }
  hooks->interceptors.push_back(std::make_shared<proxy::BreakpointInterceptor>(m_breakpoints, m_hub));
  std::lock_guard lock(m_mutex);
  // The generation being replaced hands its counts over (gauges excepted): switching a policy off
  // and on, or changing a setting, must not make the Policies panel start from zero.
  for (const auto& c : liveCountersLocked()) {
    if (c.name != "cache.entries") m_counterCarry[c.name] += c.value;
  }
  m_policies = std::move(policies);
  return hooks;
}

std::vector<PolicyCounter> EngineImpl::liveCountersLocked() const {
  auto counters = m_policies ? m_policies->counters() : std::vector<PolicyCounter>{};
  // Upstream proxies are chosen by the forward router, which keeps their counters.
  const auto* forward = m_hooks ? dynamic_cast<const proxy::ForwardRouter*>(m_hooks->router.get()) : nullptr;
  if (forward && forward->upstreamProxies()) {
    for (auto& c : forward->upstreamProxies()->counters()) counters.push_back(std::move(c));
  }
  return counters;
}

std::vector<PolicyCounter> EngineImpl::policyCounters() const {
  std::lock_guard lock(m_mutex);
  auto counters = liveCountersLocked();
  std::map<std::string, uint64_t> carried = m_counterCarry;
  for (auto& c : counters) {
    if (auto it = carried.find(c.name); it != carried.end()) {
      c.value += it->second;
      carried.erase(it);
    }
  }
  for (const auto& [name, value] : carried) counters.push_back({name, value});  // e.g. a proxy no longer configured
  bool hasEntries = std::any_of(counters.begin(), counters.end(), [](const PolicyCounter& c) { return c.name == "cache.entries"; });
  if (!hasEntries) counters.push_back({"cache.entries", m_cache->entries()});  // kept while the policies are off
  return counters;
}

size_t EngineImpl::purgeCache() {
  size_t removed = m_cache->purge();
  std::lock_guard lock(m_mutex);
  if (m_cachePersistence) m_cachePersistence->saveSoon();
  return removed;
}

Result<size_t> EngineImpl::purgeCacheMatching(const std::string& filter) {
  auto removed = engine::purgeCacheMatching(*m_cache, filter);
  std::lock_guard lock(m_mutex);
  if (removed && m_cachePersistence) m_cachePersistence->saveSoon();
  return removed;
}

Result<size_t> EngineImpl::attachCacheSession(const std::string& sessionPath) {
  std::lock_guard life(m_lifecycle);
  std::unique_ptr<CachePersistence> previous;
  {
    std::lock_guard lock(m_mutex);
    previous = std::move(m_cachePersistence);
  }
  previous.reset();  // its last save, outside the lock
  auto persistence = CachePersistence::open(sessionPath);
  if (!persistence) return persistence.error();
  auto loaded = (*persistence)->load(*m_cache);
  if (!loaded) return loaded.error();
  (*persistence)->startSaving(m_cache);
  std::lock_guard lock(m_mutex);
  m_cachePersistence = std::move(*persistence);
  return loaded;
}

}  // namespace

std::unique_ptr<Engine> Engine::create(std::shared_ptr<const EngineConfig> config) {
  return std::make_unique<EngineImpl>(config ? std::move(config) : std::make_shared<const EngineConfig>());
}

}  // namespace ps::engine
