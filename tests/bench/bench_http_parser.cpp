// Parse throughput of Http1Parser: a typical ~400-byte browser GET and a 1 KiB response, each
// parsed many times on one keep-alive parser (as a connection would), fed whole and in 64-byte
// pieces. Prints figures; asserts nothing about time.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

#include "engine/http/http1_parser.h"

using ps::engine::http::Http1Parser;

namespace {

std::string typicalGet() {
  std::string r =
      "GET http://example.com/static/app/main.js?v=20261127 HTTP/1.1\r\n"
      "Host: example.com\r\n"
      "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0\r\n"
      "Accept: */*\r\n"
      "Accept-Language: en-US,en;q=0.5\r\n"
      "Accept-Encoding: gzip, deflate, br\r\n"
      "Referer: http://example.com/index.html\r\n"
      "Cookie: session=0123456789abcdef; theme=dark\r\n"
      "Connection: keep-alive\r\n";
  // Pad with one more field to a round 400 bytes.
  const size_t fixed = r.size() + std::string_view("X-Pad: \r\n\r\n").size();
  r += "X-Pad: " + std::string(400 - fixed, 'p') + "\r\n\r\n";
  return r;
}

std::string response1k() {
  std::string r =
      "HTTP/1.1 200 OK\r\n"
      "Date: Fri, 27 Nov 2026 00:00:00 GMT\r\n"
      "Content-Type: text/html; charset=utf-8\r\n"
      "Content-Length: 1024\r\n"
      "Cache-Control: max-age=60\r\n"
      "Connection: keep-alive\r\n\r\n";
  r += std::string(1024, 'b');
  return r;
}

struct Figures {
  double seconds = 0;
  double cpuSeconds = 0;  // process CPU time: the figure that matters on a shared, busy machine
  size_t messages = 0;
  size_t bytes = 0;
  size_t bodyBytes = 0;
};

Figures parseMany(Http1Parser::Kind kind, const std::string& message, size_t piece, double minSeconds) {
  // A buffer of 64 pipelined copies, parsed over and over by one parser.
  std::string buf;
  for (int i = 0; i < 64; ++i) buf += message;
  Http1Parser p(kind);
  p.expectResponseTo("GET");
  Figures f;
  const auto start = std::chrono::steady_clock::now();
  const std::clock_t cpuStart = std::clock();
  for (;;) {
    for (size_t at = 0; at < buf.size();) {
      const size_t end = piece == 0 ? buf.size() : std::min(buf.size(), at + piece);
      std::string_view chunk(buf.data() + at, end - at);
      while (!chunk.empty()) {
        const size_t n = p.feed(chunk);
        for (const auto& e : p.events()) {
          if (e.type == Http1Parser::Event::Type::Body) f.bodyBytes += e.data.size();
          if (e.type == Http1Parser::Event::Type::Complete) ++f.messages;
        }
        if (p.hasError()) {
          std::fprintf(stderr, "parse error: %s\n", p.error().reason.c_str());
          return f;
        }
        if (n == 0 && p.events().empty()) break;  // only after an upgrade; never here
        chunk.remove_prefix(n);
      }
      at = end;
    }
    f.bytes += buf.size();
    f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    f.cpuSeconds = static_cast<double>(std::clock() - cpuStart) / CLOCKS_PER_SEC;
    if (f.seconds >= minSeconds) break;
  }
  return f;
}

void print(const char* name, const Figures& f) {
  const double cpu = f.cpuSeconds > 0 ? f.cpuSeconds : f.seconds;
  std::printf("%-36s %8.1f MB/s %10.0f msg/s per CPU second  (wall: %.0f msg/s; %zu messages)\n", name,
              f.bytes / cpu / 1e6, f.messages / cpu, f.messages / f.seconds, f.messages);
}

}  // namespace

int main() {
  const std::string get = typicalGet();
  const std::string resp = response1k();
  std::printf("Http1Parser throughput (one core; request %zu bytes, response %zu bytes)\n", get.size(), resp.size());
  print("GET 400 B, fed whole", parseMany(Http1Parser::Kind::Request, get, 0, 1.0));
  print("GET 400 B, fed in 64 B pieces", parseMany(Http1Parser::Kind::Request, get, 64, 1.0));
  print("response 1 KiB, fed whole", parseMany(Http1Parser::Kind::Response, resp, 0, 1.0));
  print("response 1 KiB, fed in 64 B pieces", parseMany(Http1Parser::Kind::Response, resp, 64, 1.0));
  return 0;
}
