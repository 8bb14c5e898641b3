#include "tests/support/test_origin.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <openssl/evp.h>
#include <fcntl.h>
#include <sys/socket.h>

#include <algorithm>
#include <asio/ip/tcp.hpp>
#include <asio/ssl.hpp>
#include <asio/write.hpp>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>

namespace ps::test {

// Sec-WebSocket-Accept (RFC 6455 4.2.2): base64(SHA-1(key + the fixed GUID)).
static std::string webSocketAccept(const std::string& key) {
  std::string input = key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[20];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  unsigned char out[32];
  int n = EVP_EncodeBlock(out, digest, 20);
  return std::string(reinterpret_cast<char*>(out), static_cast<size_t>(n));
}

namespace {

using asio::ip::tcp;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string queryParam(const std::string& target, const std::string& name) {
  size_t q = target.find('?');
  if (q == std::string::npos) return {};
  std::string query = "&" + target.substr(q + 1);
  size_t at = query.find("&" + name + "=");
  if (at == std::string::npos) return {};
  size_t start = at + name.size() + 2;
  return query.substr(start, query.find('&', start) - start);
}

std::string jsonEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", c);
      out += esc;
    } else {
      out += c;
    }
  }
  return out;
}

class Sha256 {
 public:
  Sha256() : m_ctx(EVP_MD_CTX_new()) { EVP_DigestInit_ex(m_ctx, EVP_sha256(), nullptr); }
  ~Sha256() { EVP_MD_CTX_free(m_ctx); }
  void update(const char* data, size_t n) { EVP_DigestUpdate(m_ctx, data, n); }
  std::string hex() {
    unsigned char md[32];
    unsigned int len = 0;
    EVP_DigestFinal_ex(m_ctx, md, &len);
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < len; ++i) {
      out += digits[md[i] >> 4];
      out += digits[md[i] & 15];
    }
    return out;
  }

 private:
  EVP_MD_CTX* m_ctx;
};

}  // namespace

std::string OriginRequest::header(const std::string& name) const {
  for (const auto& [n, v] : headers) {
    if (lower(n) == lower(name)) return v;
  }
  return {};
}

std::string originText(uint64_t size) {
  std::string out;
  out.reserve(size + 64);
  for (uint64_t line = 0; out.size() < size; ++line) out += "line " + std::to_string(line) + ": the quick brown fox\n";
  out.resize(size);
  return out;
}

std::string seededBytes(uint64_t size, uint64_t seed) {
  std::string out(size, '\0');
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  for (uint64_t i = 0; i < size; i += 8) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    std::memcpy(out.data() + i, &x, std::min<uint64_t>(8, size - i));
  }
  return out;
}

std::string sha256Hex(const std::string& data) {
  Sha256 h;
  h.update(data.data(), data.size());
  return h.hex();
}

struct TestOrigin::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::unique_ptr<asio::ssl::context> tls;
  std::thread acceptThread;
  mutable std::mutex mutex;
  std::vector<std::thread> sessions;
  std::vector<int> openFds;
  std::vector<OriginRequest> log;
  int connections = 0;
  std::atomic<bool> stopping{false};

  void acceptLoop() {
    for (;;) {
      std::error_code ec;
      tcp::socket socket(io);
      acceptor.accept(socket, ec);
      if (ec || stopping) return;
      ::fcntl(socket.native_handle(), F_SETFD, FD_CLOEXEC);  // curl children must not inherit it
      std::lock_guard lock(mutex);
      int index = ++connections;
      openFds.push_back(socket.native_handle());
      sessions.emplace_back([this, index, s = std::move(socket)]() mutable { serveSocket(std::move(s), index); });
    }
  }

  void serveSocket(tcp::socket socket, int index) {
    int fd = socket.native_handle();
    if (tls) {
      asio::ssl::stream<tcp::socket> stream(std::move(socket), *tls);
      std::error_code ec;
      stream.handshake(asio::ssl::stream_base::server, ec);
      if (!ec) serve(stream, index);
    } else {
      serve(socket, index);
    }
    std::lock_guard lock(mutex);
    openFds.erase(std::remove(openFds.begin(), openFds.end(), fd), openFds.end());
  }

  template <class S>
  struct Session {
    Impl& origin;
    S& stream;
    int index;
    std::string buffer;

    std::vector<char> chunk = std::vector<char>(65536);  // on the heap: session threads have small stacks

    bool readMore() {
      std::error_code ec;
      size_t n = stream.read_some(asio::buffer(chunk), ec);
      if (ec || n == 0) return false;
      buffer.append(chunk.data(), n);
      return true;
    }
    bool send(const std::string& data) {
      std::error_code ec;
      asio::write(stream, asio::buffer(data), ec);
      return !ec;
    }
    // Reads exactly n body bytes (or fewer at EOF), feeding each piece to sink.
    template <class Sink>
    bool readBytes(uint64_t n, Sink&& sink) {
      while (n > 0) {
        if (buffer.empty() && !readMore()) return false;
        size_t take = static_cast<size_t>(std::min<uint64_t>(n, buffer.size()));
        sink(buffer.data(), take);
        buffer.erase(0, take);
        n -= take;
      }
      return true;
    }
    bool readLine(std::string& line) {
      size_t eol;
      while ((eol = buffer.find("\r\n")) == std::string::npos) {
        if (!readMore()) return false;
      }
      line = buffer.substr(0, eol);
      buffer.erase(0, eol + 2);
      return true;
    }

    void run() {
      for (;;) {
        size_t end;
        while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
          if (!readMore()) return;
        }
        std::string head = buffer.substr(0, end);
        buffer.erase(0, end + 4);
        OriginRequest req;
        req.connection = index;
        size_t lineEnd = head.find("\r\n");
        std::string requestLine = head.substr(0, lineEnd);
        size_t sp1 = requestLine.find(' '), sp2 = requestLine.rfind(' ');
        req.method = requestLine.substr(0, sp1);
        req.target = requestLine.substr(sp1 + 1, sp2 - sp1 - 1);
        size_t pos = lineEnd == std::string::npos ? head.size() : lineEnd + 2;
        while (pos < head.size()) {
          size_t next = head.find("\r\n", pos);
          if (next == std::string::npos) next = head.size();
          std::string field = head.substr(pos, next - pos);
          size_t colon = field.find(':');
          std::string value = field.substr(colon + 1);
          value.erase(0, value.find_first_not_of(' '));
          req.headers.emplace_back(field.substr(0, colon), value);
          pos = next + 2;
        }
        if (lower(req.header("Expect")) == "100-continue") send("HTTP/1.1 100 Continue\r\n\r\n");
        std::string path = req.target.substr(0, req.target.find('?'));
        bool keepBody = path == "/echo-body";
        std::string body;
        Sha256 sha;
        auto sink = [&](const char* p, size_t n) {
          sha.update(p, n);
          req.bodyLength += n;
          if (keepBody) body.append(p, n);
        };
        if (lower(req.header("Transfer-Encoding")).find("chunked") != std::string::npos) {
          for (;;) {
            std::string line;
            if (!readLine(line)) return;
            uint64_t size = std::stoull(line, nullptr, 16);
            if (size == 0) {
              while (readLine(line) && !line.empty()) {
              }
              break;
            }
            if (!readBytes(size, sink) || !readLine(line)) return;
          }
        } else if (auto cl = req.header("Content-Length"); !cl.empty()) {
          if (!readBytes(std::stoull(cl), sink)) return;
        }
        {
          std::lock_guard lock(origin.mutex);
          origin.log.push_back(req);
        }
        if (!respond(req, path, body, sha.hex())) return;
      }
    }

    // RFC 6455: the opening handshake, then every message echoed back (text stays text) until a
    // close frame, which is answered with a close. Returns false: the connection is done after it.
    bool webSocketEcho(const OriginRequest& req) {
      std::string key = req.header("Sec-WebSocket-Key");
      if (lower(req.header("Upgrade")) != "websocket" || key.empty()) {
        return send("HTTP/1.1 400 Bad Request\r\nContent-Length: 18\r\n\r\nnot a websocket!!\n");
      }
      std::string accept = webSocketAccept(key);
      if (!send("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                "Sec-WebSocket-Accept: " + accept + "\r\n\r\n")) {
        return false;
      }
      for (;;) {
        while (buffer.size() < 2) {
          if (!readMore()) return false;
        }
        unsigned char b0 = static_cast<unsigned char>(buffer[0]), b1 = static_cast<unsigned char>(buffer[1]);
        uint64_t len = b1 & 0x7f;
        size_t header = 2;
        if (len == 126) header = 4;
        if (len == 127) header = 10;
        bool masked = (b1 & 0x80) != 0;
        while (buffer.size() < header + (masked ? 4 : 0)) {
          if (!readMore()) return false;
        }
        if (len == 126) len = (static_cast<unsigned char>(buffer[2]) << 8) | static_cast<unsigned char>(buffer[3]);
        if (len == 127) {
          len = 0;
          for (int i = 0; i < 8; ++i) len = (len << 8) | static_cast<unsigned char>(buffer[2 + i]);
        }
        std::string mask = masked ? buffer.substr(header, 4) : std::string();
        buffer.erase(0, header + mask.size());
        std::string payload;
        if (!readBytes(len, [&](const char* p, size_t n) { payload.append(p, n); })) return false;
        for (size_t i = 0; i < payload.size() && masked; ++i) payload[i] = static_cast<char>(payload[i] ^ mask[i % 4]);
        unsigned opcode = b0 & 0x0f;
        std::string frame(1, static_cast<char>(0x80 | opcode));  // server frames are not masked
        if (payload.size() < 126) {
          frame += static_cast<char>(payload.size());
        } else {
          frame += static_cast<char>(126);
          frame += static_cast<char>((payload.size() >> 8) & 0xff);
          frame += static_cast<char>(payload.size() & 0xff);
        }
        if (!send(frame + payload) || opcode == 0x8) return false;
      }
    }

    bool respond(const OriginRequest& req, const std::string& path, const std::string& body, const std::string& sha) {
      bool head = req.method == "HEAD";
      auto simple = [&](int status, const std::string& reason, const std::string& content,
                        const std::string& extra = {}) {
        std::string out = "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\n" + extra;
        bool noBody = status == 204 || status == 304;
        if (!noBody) out += "Content-Length: " + std::to_string(content.size()) + "\r\n";
        out += "\r\n";
        if (!head && !noBody) out += content;
        return send(out);
      };
      if (path == "/hello") return simple(200, "OK", "hello world\n", "Content-Type: text/plain\r\nX-Origin: test\r\n");
      if (path == "/ws") return webSocketEcho(req);
      if (path == "/echo") {
        std::string json = "{\"method\":\"" + jsonEscape(req.method) + "\",\"target\":\"" + jsonEscape(req.target) +
                           "\",\"headers\":[";
        for (size_t i = 0; i < req.headers.size(); ++i) {
          if (i) json += ",";
          json += "[\"" + jsonEscape(req.headers[i].first) + "\",\"" + jsonEscape(req.headers[i].second) + "\"]";
        }
        json += "],\"bodyLength\":" + std::to_string(req.bodyLength) + ",\"bodySha256\":\"" + sha + "\"}";
        return simple(200, "OK", json, "Content-Type: application/json\r\n");
      }
      if (path == "/echo-body") return simple(200, "OK", body, "Content-Type: application/octet-stream\r\n");
      if (path == "/chunked" || path == "/big-chunked") {
        std::string out = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
        if (head) return send(out);
        if (!send(out)) return false;
        if (path == "/chunked") {
          int n = queryParam(req.target, "n").empty() ? 5 : std::stoi(queryParam(req.target, "n"));
          for (int i = 0; i < n; ++i) {
            std::string chunk = "chunk " + std::to_string(i) + "\n";
            char size[32];
            std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
            if (!send(size + chunk + "\r\n")) return false;
          }
        } else {
          std::string data = seededBytes(std::stoull(queryParam(req.target, "size")), 1);
          for (size_t off = 0; off < data.size(); off += 65536) {
            size_t n = std::min<size_t>(65536, data.size() - off);
            char size[32];
            std::snprintf(size, sizeof size, "%zx\r\n", n);
            if (!send(size + data.substr(off, n) + "\r\n")) return false;
          }
        }
        return send("0\r\n\r\n");
      }
      if (path == "/big") {
        std::string seed = queryParam(req.target, "seed");
        return simple(200, "OK", seededBytes(std::stoull(queryParam(req.target, "size")), seed.empty() ? 1 : std::stoull(seed)));
      }
      if (path == "/close-delimited") {
        send("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + std::string(head ? "" : "until the end\n"));
        return false;
      }
      if (path == "/delay") {
        std::this_thread::sleep_for(std::chrono::milliseconds(std::stoi(queryParam(req.target, "ms"))));
        return simple(200, "OK", "delayed\n");
      }
      if (path == "/silent") {
        while (readMore()) {
        }
        return false;
      }
      if (path == "/hello-then-close") {  // a whole keep-alive answer, then the connection is closed
        simple(200, "OK", "hello, then close\n", "Content-Type: text/plain\r\n");
        return false;
      }
      if (path == "/close-mid") {
        send("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789");
        return false;
      }
      if (path == "/bad") {
        send("HTTP/1.1 2x0 Bogus\r\nContent-Length: 0\r\n\r\n");
        return false;
      }
      if (path == "/early-hints") {
        if (!send("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n")) return false;
        return simple(200, "OK", "after hints\n");
      }
      if (path == "/status") {
        int code = std::stoi(queryParam(req.target, "code"));
        return simple(code, "Status", "status " + std::to_string(code) + "\n");
      }
      if (path == "/text") {
        // Compressible text (repetitive lines) of ?size bytes, Content-Type ?type (text/plain),
        // an optional Content-Encoding ?ce (the body is not really encoded), ?chunked=1 for chunks.
        std::string type = queryParam(req.target, "type");
        std::string ce = queryParam(req.target, "ce");
        std::string text = originText(std::stoull(queryParam(req.target, "size")));
        std::string extra = "Content-Type: " + (type.empty() ? std::string("text/plain") : type) + "\r\n";
        if (!ce.empty()) extra += "Content-Encoding: " + ce + "\r\n";
        if (queryParam(req.target, "chunked") != "1") return simple(200, "OK", text, extra);
        if (!send("HTTP/1.1 200 OK\r\n" + extra + "Transfer-Encoding: chunked\r\n\r\n")) return false;
        for (size_t off = 0; off < text.size() && !head; off += 10000) {
          size_t n = std::min<size_t>(10000, text.size() - off);
          char size[32];
          std::snprintf(size, sizeof size, "%zx\r\n", n);
          if (!send(size + text.substr(off, n) + "\r\n")) return false;
        }
        return send("0\r\n\r\n");
      }
      if (path == "/cacheable") {
        // Cache-Control from ?cc= (default max-age=60), a stable ETag; If-None-Match with that ETag
        // gets 304. The body names the request's count so a served copy is recognisable.
        std::string cc = queryParam(req.target, "cc");
        if (cc.empty()) cc = "max-age=60";
        std::string vary = queryParam(req.target, "vary");
        std::string extra = "Cache-Control: " + cc + "\r\nETag: \"v1\"\r\nContent-Type: text/plain\r\n";
        if (!vary.empty()) extra += "Vary: " + vary + "\r\n";
        if (req.header("If-None-Match") == "\"v1\"") return simple(304, "Not Modified", "", extra);
        size_t count = 0;
        {
          std::lock_guard lock(origin.mutex);
          count = origin.log.size() - 1;  // this request is already logged
        }
        std::string varied = vary.empty() ? "" : " " + vary + "=" + req.header(vary);
        return simple(200, "OK", "cacheable #" + std::to_string(count) + varied + "\n", extra);
      }
      return simple(404, "Not Found", "no route " + path + "\n");
    }
  };

  template <class S>
  void serve(S& stream, int index) {
    Session<S> session{*this, stream, index, {}, std::vector<char>(65536)};
    session.run();
  }
};

TestOrigin::TestOrigin(std::string certFile, std::string keyFile) : m_impl(std::make_unique<Impl>()) {
  if (!certFile.empty()) {
    m_impl->tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    m_impl->tls->use_certificate_chain_file(certFile);
    m_impl->tls->use_private_key_file(keyFile, asio::ssl::context::pem);
  }
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
  m_impl->acceptor.open(ep.protocol());
  ::fcntl(m_impl->acceptor.native_handle(), F_SETFD, FD_CLOEXEC);
  m_impl->acceptor.set_option(tcp::acceptor::reuse_address(true));
  m_impl->acceptor.bind(ep);
  m_impl->acceptor.listen();
  m_impl->acceptThread = std::thread([impl = m_impl.get()] { impl->acceptLoop(); });
}

TestOrigin::~TestOrigin() {
  m_impl->stopping = true;
  ::shutdown(m_impl->acceptor.native_handle(), SHUT_RDWR);
  m_impl->acceptThread.join();
  std::vector<std::thread> sessions;
  {
    std::lock_guard lock(m_impl->mutex);
    for (int fd : m_impl->openFds) ::shutdown(fd, SHUT_RDWR);
    sessions = std::move(m_impl->sessions);
  }
  for (auto& t : sessions) t.join();
}

uint16_t TestOrigin::port() const { return m_impl->acceptor.local_endpoint().port(); }
std::string TestOrigin::authority() const { return "127.0.0.1:" + std::to_string(port()); }
std::string TestOrigin::url(const std::string& path) const { return "http://" + authority() + path; }

int TestOrigin::connections() const {
  std::lock_guard lock(m_impl->mutex);
  return m_impl->connections;
}

std::vector<OriginRequest> TestOrigin::requests() const {
  std::lock_guard lock(m_impl->mutex);
  return m_impl->log;
}

void TestOrigin::clear() {
  std::lock_guard lock(m_impl->mutex);
  m_impl->log.clear();
}

}  // namespace ps::test
