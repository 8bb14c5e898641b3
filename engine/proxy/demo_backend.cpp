#include "engine/proxy/demo_backend.h"

#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <atomic>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "engine/core/headers.h"
#include "engine/core/thread_name.h"

namespace ps::engine {

namespace {

using asio::ip::tcp;
constexpr auto kTuple = asio::experimental::as_tuple(asio::use_awaitable);
constexpr std::chrono::seconds kIdle{30};

std::string queryValue(std::string_view target, std::string_view key) {
  size_t q = target.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    size_t eq = pair.find('=');
    if (pair.substr(0, eq) == key && eq != std::string_view::npos) return std::string(pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    query = query.substr(amp + 1);
  }
  return {};
}

}  // namespace

struct DemoBackends::Impl {
  struct Server {
    std::string name;
    uint16_t port = 0;
    std::unique_ptr<tcp::acceptor> acceptor;
    std::set<std::shared_ptr<tcp::socket>> open;
    std::atomic<uint64_t> requests{0};
  };

  asio::io_context io{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard;
  std::thread thread;
  DemoBackendOptions options;
  std::vector<std::unique_ptr<Server>> servers;
  std::mutex randomMutex;
  std::mt19937 random{12345};

  // Runs fn on the io thread and waits for it (start-up and admin calls only).
  template <class F>
  auto onIo(F fn) {
    std::packaged_task<decltype(fn())()> task(std::move(fn));
    auto result = task.get_future();
    asio::post(io, [&task] { task(); });
    return result.get();
  }

  Result<void> listen(Server& s) {
    auto acceptor = std::make_unique<tcp::acceptor>(io);
    std::error_code ec;
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), s.port);
    acceptor->open(ep.protocol(), ec);
    if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor->bind(ep, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return Error{"demo backend " + s.name + ": cannot listen on 127.0.0.1:" + std::to_string(s.port) + ": " + ec.message()};
    s.port = acceptor->local_endpoint().port();
    s.acceptor = std::move(acceptor);
    asio::co_spawn(io, acceptLoop(s, s.acceptor.get()), [](std::exception_ptr) {});
    return {};
  }

  asio::awaitable<void> acceptLoop(Server& s, tcp::acceptor* acceptor) {
    for (;;) {
      auto [ec, socket] = co_await acceptor->async_accept(kTuple);
      if (ec) co_return;  // closed by stop()
      auto shared = std::make_shared<tcp::socket>(std::move(socket));
      s.open.insert(shared);
      asio::co_spawn(io, session(s, shared), [](std::exception_ptr) {});
    }
  }

  bool fail() {
    if (options.failureRate <= 0) return false;
    std::lock_guard lock(randomMutex);
    return std::uniform_real_distribution<double>(0, 1)(random) < options.failureRate;
  }

  asio::awaitable<void> session(Server& s, std::shared_ptr<tcp::socket> socket) {
    std::string buffer;
    asio::steady_timer timer(io);
    for (;;) {
      size_t headEnd;
      while ((headEnd = buffer.find("\r\n\r\n")) == std::string::npos) {
        if (buffer.size() > 64 * 1024) co_return;
        char chunk[8192];
        // The idle deadline: a timer that closes the socket if nothing arrives.
        timer.expires_after(kIdle);
        timer.async_wait([socket](std::error_code ec) {
          if (!ec) socket->close(ec);
        });
        auto [ec, n] = co_await socket->async_read_some(asio::buffer(chunk), kTuple);
        timer.cancel();
        if (ec) {
          s.open.erase(socket);
          co_return;
        }
        buffer.append(chunk, n);
      }
      std::string head = buffer.substr(0, headEnd);
      buffer.erase(0, headEnd + 4);
      size_t lineEnd = head.find("\r\n");
      std::string line = head.substr(0, lineEnd);
      size_t sp1 = line.find(' ');
      size_t sp2 = line.find(' ', sp1 + 1);
      if (sp1 == std::string::npos || sp2 == std::string::npos) co_return;
      std::string method = line.substr(0, sp1);
      std::string target = line.substr(sp1 + 1, sp2 - sp1 - 1);
      Headers headers;
      size_t pos = lineEnd == std::string::npos ? head.size() : lineEnd + 2;
      while (pos < head.size()) {
        size_t end = head.find("\r\n", pos);
        if (end == std::string::npos) end = head.size();
        std::string field = head.substr(pos, end - pos);
        size_t colon = field.find(':');
        if (colon != std::string::npos) {
          std::string value = field.substr(colon + 1);
          while (!value.empty() && value.front() == ' ') value.erase(0, 1);
          headers.add(field.substr(0, colon), value);
        }
        pos = end + 2;
      }
      // Discard a Content-Length body.
      uint64_t length = headers.get("Content-Length") ? std::stoull(std::string(*headers.get("Content-Length"))) : 0;
      while (buffer.size() < length) {
        char chunk[8192];
        auto [ec, n] = co_await socket->async_read_some(asio::buffer(chunk), kTuple);
        if (ec) {
          s.open.erase(socket);
          co_return;
        }
        buffer.append(chunk, n);
      }
      buffer.erase(0, length);
      s.requests.fetch_add(1, std::memory_order_relaxed);

      auto delay = options.delay;
      if (std::string d = queryValue(target, "delay"); !d.empty()) delay = std::chrono::milliseconds(std::stoll(d));
      if (delay.count() > 0) {
        timer.expires_after(delay);
        co_await timer.async_wait(kTuple);
      }
      int status = fail() ? 500 : 200;
      if (std::string st = queryValue(target, "status"); !st.empty()) status = std::stoi(st);
      nlohmann::json body;
      body["backend"] = s.name;
      body["port"] = s.port;
      body["method"] = method;
      body["path"] = target;
      body["status"] = status;
      nlohmann::json fields = nlohmann::json::array();
      for (const HeaderField& f : headers) fields.push_back({f.name, f.value});
      body["headers"] = fields;
      std::string text = body.dump() + "\n";
      bool close = headers.hasToken("Connection", "close");
      std::string response = "HTTP/1.1 " + std::to_string(status) + (status == 200 ? " OK" : " Demo") +
                             "\r\nContent-Type: application/json\r\nServer: proxyscope-demo\r\nX-Demo-Backend: " + s.name +
                             "\r\nContent-Length: " + std::to_string(method == "HEAD" ? 0 : text.size()) +
                             (close ? "\r\nConnection: close" : "") + "\r\n\r\n";
      if (method != "HEAD") response += text;
      auto [wec, unused] = co_await asio::async_write(*socket, asio::buffer(response), kTuple);
      if (wec || close) {
        std::error_code ignored;
        socket->shutdown(tcp::socket::shutdown_send, ignored);
        s.open.erase(socket);
        co_return;
      }
    }
  }
};

DemoBackends::DemoBackends() : m_impl(std::make_unique<Impl>()) {
  m_impl->guard.emplace(m_impl->io.get_executor());
  m_impl->thread = std::thread([io = &m_impl->io] {
    setCurrentThreadName("ps-demo-backend");
    io->run();
  });
}

DemoBackends::~DemoBackends() {
  for (size_t i = 0; i < m_impl->servers.size(); ++i) stop(i);
  m_impl->guard.reset();
  m_impl->io.stop();
  if (m_impl->thread.joinable()) m_impl->thread.join();
}

Result<std::vector<Endpoint>> DemoBackends::start(unsigned n, DemoBackendOptions options) {
  m_impl->options = std::move(options);
  return m_impl->onIo([this, n]() -> Result<std::vector<Endpoint>> {
    std::vector<Endpoint> out;
    for (unsigned i = 0; i < n; ++i) {
      auto s = std::make_unique<Impl::Server>();
      s->name = m_impl->options.namePrefix + std::to_string(m_impl->servers.size() + 1);
      auto r = m_impl->listen(*s);
      if (!r) return r.error();
      out.push_back(Endpoint{"127.0.0.1", s->port});
      m_impl->servers.push_back(std::move(s));
    }
    return out;
  });
}

void DemoBackends::stop(size_t index) {
  m_impl->onIo([this, index] {
    auto& s = *m_impl->servers.at(index);
    std::error_code ignored;
    if (s.acceptor) s.acceptor->close(ignored);
    s.acceptor.reset();
    for (const auto& socket : s.open) socket->close(ignored);
    s.open.clear();
    return 0;
  });
}

Result<void> DemoBackends::restart(size_t index) {
  return m_impl->onIo([this, index]() -> Result<void> {
    auto& s = *m_impl->servers.at(index);
    if (s.acceptor) return {};
    return m_impl->listen(s);
  });
}

std::vector<std::string> DemoBackends::urls() const {
  std::vector<std::string> out;
  for (const auto& s : m_impl->servers) out.push_back("http://127.0.0.1:" + std::to_string(s->port));
  return out;
}

std::vector<std::string> DemoBackends::names() const {
  std::vector<std::string> out;
  for (const auto& s : m_impl->servers) out.push_back(s->name);
  return out;
}

uint64_t DemoBackends::requests(size_t index) const { return m_impl->servers.at(index)->requests.load(); }

}  // namespace ps::engine
