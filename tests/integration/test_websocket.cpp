// WebSocket (RFC 6455) through both directions: the Upgrade passes to the origin/backend, the 101
// comes back with the handshake intact, frames are relayed both ways, and the flow is recorded as a
// WebSocket with bytes each way. A refused upgrade stays HTTP on the same connection.
#include <QtTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/proxy/reverse_config.h"
#include "tests/support/proxy_harness.h"
#include "tests/support/test_origin.h"

using namespace ps::engine;
using namespace ps::test;
using namespace std::chrono_literals;

namespace {

// A minimal blocking WebSocket client over one TCP connection, every read with a deadline.
class Client {
 public:
  explicit Client(uint16_t port) {
    m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    m_ok = ::connect(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Client() { ::close(m_fd); }
  bool ok() const { return m_ok; }
  bool send(const std::string& bytes) {
    return ::send(m_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
  }
  // Reads until `done(buffer)` or the deadline; returns what was read.
  std::string readUntil(const std::function<bool(const std::string&)>& done, std::chrono::milliseconds timeout = 10s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done(m_buffer)) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{m_fd, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char chunk[4096];
      ssize_t n = ::recv(m_fd, chunk, sizeof chunk, 0);
      if (n <= 0) break;
      m_buffer.append(chunk, static_cast<size_t>(n));
    }
    return m_buffer;
  }
  std::string take(size_t n) {
    std::string out = m_buffer.substr(0, n);
    m_buffer.erase(0, n);
    return out;
  }
  std::string& buffer() { return m_buffer; }

 private:
  int m_fd = -1;
  bool m_ok = false;
  std::string m_buffer;
};

// A client frame: FIN + opcode, masked (RFC 6455 5.3), payload < 126 bytes.
std::string maskedFrame(unsigned opcode, const std::string& payload) {
  const unsigned char mask[4] = {0x12, 0x34, 0x56, 0x78};
  std::string f;
  f += static_cast<char>(0x80 | opcode);
  f += static_cast<char>(0x80 | payload.size());
  for (unsigned char m : mask) f += static_cast<char>(m);
  for (size_t i = 0; i < payload.size(); ++i) f += static_cast<char>(payload[i] ^ mask[i % 4]);
  return f;
}

std::string handshake(const std::string& target, const std::string& host) {
  return "GET " + target + " HTTP/1.1\r\nHost: " + host +
         "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
         "Sec-WebSocket-Version: 13\r\n\r\n";
}

bool headComplete(const std::string& b) { return b.find("\r\n\r\n") != std::string::npos; }

// Runs the handshake and an echo of two messages; returns the 101 head.
QString echoSession(uint16_t proxyPort, const std::string& target, const std::string& host) {
  Client c(proxyPort);
  if (!c.ok()) return "connect failed";
  c.send(handshake(target, host));
  std::string head = c.readUntil(headComplete);
  size_t end = head.find("\r\n\r\n");
  if (end == std::string::npos) return QString::fromStdString("no 101: " + head);
  head = c.take(end + 4);
  for (const std::string msg : {"hello through the proxy", "second message"}) {
    c.send(maskedFrame(0x1, msg));
    std::string frame = c.readUntil([&](const std::string& b) { return b.size() >= 2 + msg.size(); });
    if (frame.size() < 2 + msg.size()) return QString::fromStdString("no echo for " + msg);
    std::string echoed = c.take(2 + msg.size());
    if (static_cast<unsigned char>(echoed[0]) != 0x81 || echoed.substr(2) != msg) return "wrong echo";
  }
  c.send(maskedFrame(0x8, ""));
  std::string close = c.readUntil([](const std::string& b) { return b.size() >= 2; });
  if (close.empty() || (static_cast<unsigned char>(close[0]) & 0x0f) != 0x8) return "no close frame";
  return QString::fromStdString(head);
}

}  // namespace

class TestWebSocket : public QObject {
  Q_OBJECT
 private slots:
  void forwardModeRelaysAWebSocket() {
    TestOrigin origin;
    ProxyHarness proxy;
    QString head = echoSession(proxy.port(), origin.url("/ws"), origin.authority());
    QVERIFY2(head.startsWith("HTTP/1.1 101"), qPrintable(head));
    // The accept value of RFC 6455's own example key: the handshake reached the origin intact.
    QVERIFY2(head.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), qPrintable(head));
    QVERIFY(head.contains("Upgrade: websocket"));
    auto flows = proxy.finishedFlows(1);
    QCOMPARE(flows.size(), size_t(1));
    QCOMPARE(flows[0]->kind, FlowKind::WebSocket);
    QCOMPARE(flows[0]->response->status, 101);
    QVERIFY(!flows[0]->error);
    QVERIFY(flows[0]->bytesFromClient > 2 * 23);
    QVERIFY(flows[0]->bytesToClient > 2 * 20);
    auto seen = origin.requests();
    QCOMPARE(seen.size(), size_t(1));
    QCOMPARE(seen[0].header("Upgrade"), std::string("websocket"));
  }

  void reverseModeRelaysAWebSocket() {
    TestOrigin origin;
    auto reverse = reverseConfigFromCommandLine({"http://" + origin.authority()}, "round-robin", {"127.0.0.1", 0});
    QVERIFY2(reverse.ok(), reverse.ok() ? "" : reverse.error().message.c_str());
    auto shared = std::make_shared<const ReverseConfig>(*reverse);
    ProxyHarness proxy([&](EngineConfig& c) {
      c.mode = ProxyMode::Reverse;
      c.reverse = shared;
    });
    QString head = echoSession(proxy.port(), "/ws", "127.0.0.1:" + std::to_string(proxy.port()));
    QVERIFY2(head.startsWith("HTTP/1.1 101"), qPrintable(head));
    QVERIFY(head.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
    auto flows = proxy.finishedFlows(1);
    QCOMPARE(flows.size(), size_t(1));
    QCOMPARE(flows[0]->kind, FlowKind::WebSocket);
    QVERIFY(!flows[0]->backend.empty());
  }

  void refusedUpgradeStaysHttp() {
    TestOrigin origin;
    ProxyHarness proxy;
    Client c(proxy.port());
    QVERIFY(c.ok());
    // /hello does not switch: a normal 200, then the same connection serves another request.
    c.send(handshake(origin.url("/hello"), origin.authority()));
    std::string first = c.readUntil([](const std::string& b) { return b.find("hello world\n") != std::string::npos; });
    QVERIFY2(first.rfind("HTTP/1.1 200", 0) == 0, first.c_str());
    c.take(first.size());
    c.send("GET " + origin.url("/hello") + " HTTP/1.1\r\nHost: " + origin.authority() + "\r\n\r\n");
    std::string second = c.readUntil([](const std::string& b) { return b.find("hello world\n") != std::string::npos; });
    QVERIFY2(second.rfind("HTTP/1.1 200", 0) == 0, second.c_str());
  }
};

QTEST_GUILESS_MAIN(TestWebSocket)
#include "test_websocket.moc"
