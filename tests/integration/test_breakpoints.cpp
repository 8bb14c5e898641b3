// Breakpoints through the real engine: real curl clients and the in-test origin. Pause at the
// request stage and continue edited; pause at the response stage and edit; answer without the
// origin; abort; auto-continue; a client leaving while paused; 50 paused flows while others flow;
// shutdown with paused flows.
#include <QtTest>

#include <future>
#include <thread>

#include "tests/support/proxy_harness.h"
#include "tests/support/test_origin.h"

using namespace ps::engine;
using namespace ps::test;
using namespace std::chrono_literals;

namespace {

// Waits (with a deadline) until `n` flows are paused; returns them.
std::vector<PausedFlow> waitPaused(Engine& engine, size_t n, std::chrono::milliseconds timeout = 10s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto paused = engine.pausedFlows();
    if (paused.size() >= n || std::chrono::steady_clock::now() > deadline) return paused;
    std::this_thread::sleep_for(10ms);
  }
}

BreakpointRule rule(uint64_t id, std::string expr, BreakStage stage) {
  BreakpointRule r;
  r.id = id;
  r.expression = std::move(expr);
  r.stage = stage;
  return r;
}

FlowPtr finishedWithId(ProxyHarness& proxy, uint64_t id, size_t expected) {
  for (const auto& f : proxy.finishedFlows(expected)) {
    if (f->id == id) return f;
  }
  return nullptr;
}

}  // namespace

class TestBreakpoints : public QObject {
  Q_OBJECT
 private slots:
  void invalidRuleIsRefusedWithItsPosition() {
    ProxyHarness proxy;
    auto r = proxy.engine().setBreakpoints({rule(7, "host:example status:>=", BreakStage::Request)});
    QVERIFY(!r.ok());
    QVERIFY2(r.error().message.find("rule 7") != std::string::npos, r.error().message.c_str());
    QVERIFY2(r.error().message.find("character") != std::string::npos, r.error().message.c_str());
    QVERIFY(proxy.engine().breakpoints().empty());
  }

  void requestStageContinueEdited() {
    TestOrigin origin;
    ProxyHarness proxy;
    QVERIFY(proxy.engine().setBreakpoints({rule(1, "path:/echo", BreakStage::Request)}).ok());
    auto client = std::async(std::launch::async, [&] {
      return proxy.curl({"-X", "POST", "--data-binary", "original", QString::fromStdString(origin.url("/echo"))});
    });
    auto paused = waitPaused(proxy.engine(), 1);
    QCOMPARE(paused.size(), size_t(1));
    QCOMPARE(paused[0].stage, BreakStage::Request);
    QCOMPARE(paused[0].snapshot->request.body.captured, std::string("original"));
    QVERIFY(paused[0].deadline > paused[0].pausedAt);
    QCOMPARE(origin.requests().size(), size_t(0));  // the origin has not been contacted

    Decision d;
    d.kind = Decision::Kind::ContinueEdited;
    Request edited = paused[0].snapshot->request;
    edited.method = "PUT";
    edited.headers.add("X-Edited", "yes");
    edited.body.captured = "edited body!";
    d.request = edited;
    QVERIFY(proxy.engine().resolve(paused[0].flowId, d));
    QVERIFY(!proxy.engine().resolve(paused[0].flowId, d));  // only once

    ProcessResult out = client.get();
    QCOMPARE(out.exitCode, 0);
    QVERIFY2(out.out.contains("\"method\":\"PUT\""), out.out.constData());
    QVERIFY2(out.out.contains("\"X-Edited\",\"yes\""), out.out.constData());
    QVERIFY2(out.out.contains("\"bodyLength\":12"), out.out.constData());
    QVERIFY(out.out.contains(QByteArray::fromStdString(sha256Hex("edited body!"))));
    auto reqs = origin.requests();
    QCOMPARE(reqs.size(), size_t(1));
    QCOMPARE(reqs[0].method, std::string("PUT"));
    QCOMPARE(reqs[0].header("Content-Length"), std::string("12"));

    FlowPtr flow = finishedWithId(proxy, paused[0].flowId, 1);
    QVERIFY(flow);
    QVERIFY(flow->originalRequest.has_value());
    QCOMPARE(flow->originalRequest->method, std::string("POST"));
    QCOMPARE(flow->originalRequest->body.captured, std::string("original"));
    QCOMPARE(flow->request.method, std::string("PUT"));
    QCOMPARE(flow->request.body.captured, std::string("edited body!"));
    QVERIFY(flow->hasTag("breakpoint"));
    QVERIFY(flow->hasTag("edited"));
    bool sawPaused = false, sawResumed = false;
    for (const auto& e : proxy.allEvents()) {
      sawPaused = sawPaused || (e.type == FlowEventType::Paused && e.flowId == flow->id);
      sawResumed = sawResumed || (e.type == FlowEventType::Resumed && e.flowId == flow->id);
    }
    QVERIFY(sawPaused && sawResumed);
  }

  void responseStageEditedBodyHasTheRightLength() {
    TestOrigin origin;
    ProxyHarness proxy;
    QVERIFY(proxy.engine().setBreakpoints({rule(1, "path:/chunked", BreakStage::Response)}).ok());
    auto client = std::async(std::launch::async, [&] {
      return proxy.curl({"-i", QString::fromStdString(origin.url("/chunked?n=3"))});
    });
    auto paused = waitPaused(proxy.engine(), 1);
    QCOMPARE(paused.size(), size_t(1));
    QCOMPARE(paused[0].stage, BreakStage::Response);
    QVERIFY(paused[0].snapshot->response.has_value());
    QCOMPARE(paused[0].snapshot->response->body.captured, std::string("chunk 0\nchunk 1\nchunk 2\n"));
    Decision d;
    d.kind = Decision::Kind::ContinueEdited;
    Response edited = *paused[0].snapshot->response;
    edited.status = 201;
    edited.reason = "Created";
    edited.body.captured = "changed at the breakpoint\n";
    d.response = edited;
    QVERIFY(proxy.engine().resolve(paused[0].flowId, d));
    ProcessResult out = client.get();
    QCOMPARE(out.exitCode, 0);  // curl checks the framing: a wrong length would fail it
    QVERIFY2(out.out.startsWith("HTTP/1.1 201 Created"), out.out.constData());
    QVERIFY2(out.out.contains("Content-Length: 26"), out.out.constData());
    QVERIFY(!out.out.toLower().contains("transfer-encoding"));
    QVERIFY(out.out.endsWith("\r\n\r\nchanged at the breakpoint\n"));
    FlowPtr flow = finishedWithId(proxy, paused[0].flowId, 1);
    QVERIFY(flow && flow->originalResponse.has_value());
    QCOMPARE(flow->originalResponse->status, 200);
    QCOMPARE(flow->response->status, 201);
  }

  void respondWithNeverContactsTheOrigin() {
    TestOrigin origin;
    ProxyHarness proxy;
    QVERIFY(proxy.engine().setBreakpoints({rule(1, "", BreakStage::Request)}).ok());
    auto client = std::async(std::launch::async, [&] { return proxy.curl({"-i", QString::fromStdString(origin.url("/hello"))}); });
    auto paused = waitPaused(proxy.engine(), 1);
    QCOMPARE(paused.size(), size_t(1));
    Decision d;
    d.kind = Decision::Kind::Respond;
    Response r;
    r.status = 418;
    r.headers.add("Content-Type", "text/plain");
    r.body.captured = "answered by hand";
    d.response = r;
    QVERIFY(proxy.engine().resolve(paused[0].flowId, d));
    ProcessResult out = client.get();
    QCOMPARE(out.exitCode, 0);
    QVERIFY2(out.out.startsWith("HTTP/1.1 418"), out.out.constData());
    QVERIFY(out.out.endsWith("answered by hand"));
    QCOMPARE(origin.requests().size(), size_t(0));
    QCOMPARE(origin.connections(), 0);
  }

  void abortAnswers502OrCloses() {
    TestOrigin origin;
    ProxyHarness proxy;
    QVERIFY(proxy.engine().setBreakpoints({rule(1, "path:/hello", BreakStage::Request)}).ok());
    for (bool close : {false, true}) {
      auto client = std::async(std::launch::async, [&] { return proxy.curl({"-i", QString::fromStdString(origin.url("/hello"))}); });
      auto paused = waitPaused(proxy.engine(), 1);
      QCOMPARE(paused.size(), size_t(1));
      Decision d;
      d.kind = Decision::Kind::Abort;
      d.closeConnection = close;
      d.reason = "stopped by the tester";
      QVERIFY(proxy.engine().resolve(paused[0].flowId, d));
      ProcessResult out = client.get();
      if (close) {
        QCOMPARE(out.exitCode, 52);  // curl: empty reply from server
      } else {
        QVERIFY2(out.out.startsWith("HTTP/1.1 502"), out.out.constData());
        QVERIFY(out.out.contains("stopped by the tester"));
      }
      FlowPtr flow = finishedWithId(proxy, paused[0].flowId, close ? 2 : 1);
      QVERIFY(flow && flow->error);
      QCOMPARE(flow->error->kind, ErrorKind::Killed);
    }
    QCOMPARE(origin.requests().size(), size_t(0));
  }

  void timeoutContinuesByItself() {
    TestOrigin origin;
    ProxyHarness proxy;
    proxy.engine().setPauseTimeout(300ms);
    QVERIFY(proxy.engine().setBreakpoints({rule(1, "path:/hello", BreakStage::Both)}).ok());
    ProcessResult out = proxy.curl({QString::fromStdString(origin.url("/hello"))});
    QCOMPARE(out.exitCode, 0);
    QCOMPARE(out.out, QByteArray("hello world\n"));
    auto flows = proxy.finishedFlows(1);
    QCOMPARE(flows.size(), size_t(1));
    QVERIFY(flows[0]->hasTag("auto-continued"));
    QVERIFY(proxy.engine().pausedFlows().empty());
  }

  void clientDisconnectEndsThePausedFlow() {
    TestOrigin origin;
    ProxyHarness proxy;
    QVERIFY(proxy.engine().setBreakpoints({rule(1, "path:/hello", BreakStage::Request)}).ok());
    std::string request = "GET " + origin.url("/hello") + " HTTP/1.1\r\nHost: " + origin.authority() + "\r\n\r\n";
    std::thread client([&] {
      // Sends the request, waits until it is paused, then hangs up.
      rawExchange(proxy.port(), request, 2s, [&](const std::string&) { return false; });
    });
    auto paused = waitPaused(proxy.engine(), 1);
    QCOMPARE(paused.size(), size_t(1));
    client.join();  // rawExchange gave up after 2 s and closed the socket
    auto flows = proxy.finishedFlows(1);
    QCOMPARE(flows.size(), size_t(1));
    QVERIFY(flows[0]->error);
    QCOMPARE(flows[0]->error->kind, ErrorKind::Killed);
    QVERIFY2(flows[0]->error->message.find("client disconnected") != std::string::npos, flows[0]->error->message.c_str());
    QVERIFY(proxy.engine().pausedFlows().empty());
    QCOMPARE(origin.requests().size(), size_t(0));
  }

  void fiftyPausedWhileOtherTrafficFlows() {
    TestOrigin origin;
    ProxyHarness proxy;
    QVERIFY(proxy.engine().setBreakpoints({rule(1, "path:/hello", BreakStage::Request)}).ok());
    std::vector<std::future<std::string>> clients;
    std::string request = "GET " + origin.url("/hello") + " HTTP/1.1\r\nHost: " + origin.authority() + "\r\nConnection: close\r\n\r\n";
    for (int i = 0; i < 50; ++i) {
      clients.push_back(std::async(std::launch::async, [&] { return rawExchange(proxy.port(), request, 30s); }));
    }
    auto paused = waitPaused(proxy.engine(), 50, 20s);
    QCOMPARE(paused.size(), size_t(50));
    // Other flows are not held up.
    for (int i = 0; i < 5; ++i) {
      ProcessResult other = proxy.curl({QString::fromStdString(origin.url("/echo"))});
      QCOMPARE(other.exitCode, 0);
      QVERIFY(other.out.contains("\"method\":\"GET\""));
    }
    for (const auto& p : paused) QVERIFY(proxy.engine().resolve(p.flowId, Decision{}));
    for (auto& c : clients) {
      std::string reply = c.get();
      QVERIFY2(reply.rfind("HTTP/1.1 200", 0) == 0, reply.c_str());
      QVERIFY(reply.find("hello world\n") != std::string::npos);
    }
    QCOMPARE(origin.requests().size(), size_t(55));
  }

  void breakOnNextRequestOnlyOnce() {
    TestOrigin origin;
    ProxyHarness proxy;
    proxy.engine().breakOnNextRequest();
    auto first = std::async(std::launch::async, [&] { return proxy.curl({QString::fromStdString(origin.url("/hello"))}); });
    auto paused = waitPaused(proxy.engine(), 1);
    QCOMPARE(paused.size(), size_t(1));
    ProcessResult second = proxy.curl({QString::fromStdString(origin.url("/echo"))});
    QCOMPARE(second.exitCode, 0);  // not paused
    QVERIFY(proxy.engine().resolve(paused[0].flowId, Decision{}));
    QCOMPARE(first.get().out, QByteArray("hello world\n"));
  }

  void disabledSwitchPausesNothing() {
    TestOrigin origin;
    ProxyHarness proxy;
    QVERIFY(proxy.engine().setBreakpoints({rule(1, "", BreakStage::Both)}).ok());
    proxy.engine().setBreakpointsEnabled(false);
    ProcessResult out = proxy.curl({QString::fromStdString(origin.url("/hello"))});
    QCOMPARE(out.exitCode, 0);
    QCOMPARE(out.out, QByteArray("hello world\n"));
  }

  void shutdownResolvesPausedFlows() {
    TestOrigin origin;
    auto proxy = std::make_unique<ProxyHarness>();
    QVERIFY(proxy->engine().setBreakpoints({rule(1, "path:/hello", BreakStage::Request)}).ok());
    auto client = std::async(std::launch::async, [&] { return proxy->curl({QString::fromStdString(origin.url("/hello"))}); });
    auto paused = waitPaused(proxy->engine(), 1);
    QCOMPARE(paused.size(), size_t(1));
    auto started = std::chrono::steady_clock::now();
    proxy->engine().stop();
    QVERIFY(std::chrono::steady_clock::now() - started < 10s);  // deadline, not a timing figure
    ProcessResult out = client.get();
    QVERIFY(out.exitCode != 0);  // the connection was closed
    auto flows = proxy->finishedFlows(1, 2s);
    QCOMPARE(flows.size(), size_t(1));
    QVERIFY(flows[0]->error);
    QCOMPARE(flows[0]->error->kind, ErrorKind::Killed);
    QVERIFY(proxy->engine().pausedFlows().empty());
  }
};

QTEST_GUILESS_MAIN(TestBreakpoints)
#include "test_breakpoints.moc"
