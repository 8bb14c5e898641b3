#pragma once
// UpstreamPool: connections to upstreams, kept alive and reused per origin (scheme://host:port).
// One pool per engine thread, used only from that thread, so it needs no lock. Connecting resolves
// the name asynchronously and bounds DNS + TCP (+ TLS) by Timeouts::connect.
#include <asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/core/config.h"
#include "engine/core/flow.h"
#include "engine/http/http1_parser.h"
#include "engine/net/deadline.h"
#include "engine/net/hooks.h"
#include "engine/net/stream.h"

namespace ps::engine::net {

struct UpstreamConnection {
  std::unique_ptr<Stream> stream;
  std::unique_ptr<Deadline> deadline;                  // watches stream
  std::string key;                                     // pool key
  std::string address;                                 // the peer connected to, "127.0.0.1:8081"
  std::vector<char> buffer;                            // response read buffer, reused across exchanges
  std::unique_ptr<http::Http1Parser> parser;           // response parser, reused
  uint64_t exchanges = 0;                              // completed exchanges on this connection
  std::chrono::steady_clock::time_point releasedAt{};  // when it last went back to the pool
};
using UpstreamPtr = std::unique_ptr<UpstreamConnection>;

struct AcquireResult {
  UpstreamPtr connection;  // null on failure
  bool reused = false;
  ErrorKind errorKind = ErrorKind::None;
  std::string error;              // "cannot resolve nonexistent.invalid:80: Host not found"
  bool proxyUnreachable = false;  // through an upstream proxy: the proxy itself could not be reached
  int64_t dnsDone = 0, connectDone = 0, tlsDone = 0;
};

class UpstreamPool {
 public:
  explicit UpstreamPool(asio::any_io_executor executor) : m_executor(std::move(executor)) {}
  UpstreamPool(const UpstreamPool&) = delete;
  UpstreamPool& operator=(const UpstreamPool&) = delete;

  // An idle pooled connection to the target when one is still usable, else a new one.
  // A pooled connection to target that is still usable, or null: the synchronous half of acquire()
  // (no coroutine frame for the common case of a warm pool).
  UpstreamPtr takeIdle(const UpstreamTarget& target);
  asio::awaitable<AcquireResult> acquire(const UpstreamTarget& target, const EngineConfig& config,
                                         const EngineHooks& hooks, bool allowReuse = true);
  // Returns a connection whose last exchange completed cleanly; it is closed after
  // Timeouts::upstreamIdle unused, or at once when the origin already holds maxIdleUpstreamPerOrigin.
  void release(UpstreamPtr connection, const EngineConfig& config);
  void closeAll();
  size_t idleCount() const;

 private:
  asio::any_io_executor m_executor;
  std::unordered_map<std::string, std::vector<UpstreamPtr>> m_idle;
  std::string m_keyScratch;  // takeIdle()'s key, built in place: no allocation per request
};

}  // namespace ps::engine::net
