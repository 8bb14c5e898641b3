#pragma once
// TestOrigin: a scripted HTTP/1.1 origin server for integration tests, on 127.0.0.1 port 0, running
// on its own threads (blocking sockets, one thread per connection) so tests may block on clients.
// It parses requests with its own small code (independent of the engine's parser).
//
// Routes (query parameters in brackets):
//   /hello                 "hello world\n"
//   /ws                    WebSocket (RFC 6455) echo: 101, then every frame echoed until a close
//   /echo                  JSON: method, target, headers ([[name, value], ...]), bodyLength, bodySha256
//   /echo-body             the request body as the response body (Content-Length)
//   /chunked[?n=N]         N chunks "chunk i\n", chunked
//   /big?size=N[&seed=S]   N bytes from a seeded generator, Content-Length
//   /big-chunked?size=N    the same, chunked (64 KiB chunks)
//   /close-delimited       body "until close" without framing, then closes
//   /delay?ms=N            waits N ms, then "delayed\n"
//   /silent                reads the request and never answers (until the test ends)
//   /close-mid             announces 1000 bytes, sends 10, closes
//   /hello-then-close      a complete keep-alive answer (no Connection: close), then closes
//   /bad                   a malformed status line
//   /early-hints           103 Early Hints, then 200
//   /text?size=N[&type=T&ce=C&chunked=1] N bytes of repetitive text, Content-Type T (text/plain),
//                          Content-Encoding C if given (the body is not encoded), chunked if asked
//   /status?code=N         that status (204 and 304 without a body)
//   /cacheable[?cc=CC&vary=H] Cache-Control CC (default max-age=60), ETag "v1" (If-None-Match → 304),
//                          Vary H; the body "cacheable #N[ H=value]" (N = requests seen so far)
// HEAD gets the GET head without a body. "Expect: 100-continue" gets "100 Continue" first.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace ps::test {

struct OriginRequest {
  int connection = 0;  // 1-based index of the connection it came on
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  uint64_t bodyLength = 0;
  std::string header(const std::string& name) const;  // first value, case-insensitive; "" if none
};

class TestOrigin {
 public:
  // certFile/keyFile given: the origin speaks TLS (for CONNECT tests).
  explicit TestOrigin(std::string certFile = {}, std::string keyFile = {});
  ~TestOrigin();
  TestOrigin(const TestOrigin&) = delete;
  TestOrigin& operator=(const TestOrigin&) = delete;

  uint16_t port() const;
  std::string authority() const;             // "127.0.0.1:PORT"
  std::string url(const std::string& path) const;  // "http://127.0.0.1:PORT/path"
  int connections() const;
  std::vector<OriginRequest> requests() const;
  void clear();

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// The deterministic bytes /big serves: byte i of a stream seeded with seed.
std::string seededBytes(uint64_t size, uint64_t seed);
std::string sha256Hex(const std::string& data);
// The body /text serves.
std::string originText(uint64_t size);

}  // namespace ps::test
