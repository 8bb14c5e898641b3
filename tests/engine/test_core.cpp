// Core value types: Headers keep case/order/duplicates; EventHub never blocks and counts drops.
#include <QtTest>

#include <thread>

#include "engine/core/config.h"
#include "engine/core/event_hub.h"
#include "engine/core/headers.h"
#include "engine/core/thread_name.h"

using namespace ps::engine;

class TestCore : public QObject {
  Q_OBJECT
 private slots:
  void headersKeepCaseOrderAndDuplicates() {
    Headers h;
    h.add("X-One", "1");
    h.add("set-cookie", "a=1");
    h.add("Set-Cookie", "b=2");
    QCOMPARE(h.size(), size_t(3));
    QCOMPARE(h.fields()[1].name, std::string("set-cookie"));
    QCOMPARE(h.getAll("SET-COOKIE").size(), size_t(2));
    QCOMPARE(std::string(*h.get("x-one")), std::string("1"));
    QVERIFY(!h.get("missing").has_value());
    h.set("set-cookie", "c=3");
    QCOMPARE(h.size(), size_t(2));
    QCOMPARE(h.fields()[1].name, std::string("set-cookie"));
    QCOMPARE(h.fields()[1].value, std::string("c=3"));
    QCOMPARE(h.remove("X-ONE"), size_t(1));
    QCOMPARE(h.size(), size_t(1));
  }

#ifdef __linux__
  // The engine's threads carry names (top -H, perf); a name past 15 characters is cut, not dropped.
  void threadNamesAreSetAndCut() {
    std::string shortName, longName;
    std::thread([&] {
      char buf[32] = {};
      setCurrentThreadName("ps-store");
      pthread_getname_np(pthread_self(), buf, sizeof buf);
      shortName = buf;
      setCurrentThreadName("ps-a-name-longer-than-fifteen");
      pthread_getname_np(pthread_self(), buf, sizeof buf);
      longName = buf;
    }).join();
    QCOMPARE(shortName, std::string("ps-store"));
    QCOMPARE(longName, std::string("ps-a-name-longe"));
  }
#endif

  void headersTokenLists() {
    Headers h{{"Connection", "keep-alive, X-Custom"}, {"connection", " Upgrade "}};
    QVERIFY(h.hasToken("connection", "x-custom"));
    QVERIFY(h.hasToken("Connection", "upgrade"));
    QVERIFY(!h.hasToken("Connection", "close"));
  }

  void parseEndpoints() {
    auto a = parseEndpoint("127.0.0.1:8080");
    QVERIFY(a.ok());
    QCOMPARE(a->host, std::string("127.0.0.1"));
    QCOMPARE(a->port, uint16_t(8080));
    auto b = parseEndpoint("[::1]:0");
    QVERIFY(b.ok());
    QCOMPARE(b->host, std::string("::1"));
    QCOMPARE(b->toString(), std::string("[::1]:0"));
    auto c = parseEndpoint("9000");
    QVERIFY(c.ok());
    QCOMPARE(c->host, std::string("127.0.0.1"));
    QVERIFY(!parseEndpoint("localhost:http").ok());
    QVERIFY(!parseEndpoint("localhost:70000").ok());
    QVERIFY(!parseEndpoint("[::1]8080").ok());
  }

  void requestUrl() {
    Request r;
    r.scheme = "http";
    r.host = "example.test";
    r.port = 80;
    r.path = "/a?b=c";
    QCOMPARE(r.url(), std::string("http://example.test/a?b=c"));
    r.port = 8080;
    QCOMPARE(r.url(), std::string("http://example.test:8080/a?b=c"));
    r.host = "::1";
    QCOMPARE(r.url(), std::string("http://[::1]:8080/a?b=c"));
  }

  void hubDeliversInOrderAndNotifiesOnce() {
    EventHub hub;
    int notified = 0;
    auto sink = hub.addSink({0, [&] { ++notified; }});
    for (uint64_t i = 1; i <= 100; ++i) hub.publish({FlowEventType::Started, i, nullptr, {}});
    QCOMPARE(notified, 1);  // only on empty → non-empty
    std::vector<FlowEvent> out;
    QCOMPARE(hub.drain(sink, out, 60), size_t(60));
    QCOMPARE(hub.drain(sink, out, 60), size_t(40));
    for (uint64_t i = 0; i < 100; ++i) QCOMPARE(out[i].flowId, i + 1);
    hub.publish({FlowEventType::Finished, 101, nullptr, {}});
    QCOMPARE(notified, 2);
  }

  void boundedSinkDropsAndCountsButUnboundedKeepsAll() {
    EventHub hub;
    auto ui = hub.addSink({10, {}});
    auto store = hub.addSink({0, {}});
    for (uint64_t i = 0; i < 25; ++i) hub.publish({FlowEventType::Started, i, nullptr, {}});
    QCOMPARE(hub.pending(ui), size_t(10));
    QCOMPARE(hub.dropped(ui), uint64_t(15));
    QCOMPARE(hub.pending(store), size_t(25));
    QCOMPARE(hub.dropped(store), uint64_t(0));
  }

  void drainWaitWakesOnPublishFromAnotherThread() {
    EventHub hub;
    auto sink = hub.addSink({});
    std::thread producer([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      hub.publish({FlowEventType::Finished, 7, nullptr, {}});
    });
    std::vector<FlowEvent> out;
    size_t n = hub.drainWait(sink, out, 10, std::chrono::seconds(10));
    producer.join();
    QCOMPARE(n, size_t(1));
    QCOMPARE(out[0].flowId, uint64_t(7));
  }

  void sinksReceiveOnlyTheTypesTheyAskFor() {
    EventHub hub;
    QVERIFY(!hub.wants(FlowEventType::Started));  // no sink yet: nothing is wanted
    EventHub::SinkOptions printer;
    printer.types = eventBit(FlowEventType::Finished);
    auto finishedOnly = hub.addSink(printer);
    QVERIFY(hub.wants(FlowEventType::Finished));
    QVERIFY(!hub.wants(FlowEventType::Started));
    QVERIFY(!hub.wants(FlowEventType::ResponseHeaders));
    hub.publish({FlowEventType::Started, 1, nullptr, {}});
    hub.publish({FlowEventType::Finished, 1, nullptr, {}});
    QCOMPARE(hub.pending(finishedOnly), size_t(1));
    auto everything = hub.addSink({});
    QVERIFY(hub.wants(FlowEventType::Started));
    hub.publish({FlowEventType::Started, 2, nullptr, {}});
    QCOMPARE(hub.pending(everything), size_t(1));
    QCOMPARE(hub.pending(finishedOnly), size_t(1));
    hub.removeSink(everything);
    QVERIFY(!hub.wants(FlowEventType::Started));
  }

  void drainWaitWakesWhenItsOwnQueueFillsWhileOthersAreBehind() {
    // The condition variable is signalled only on an empty → non-empty step; a sink that is behind
    // (never empty) must not keep a waiting one from waking.
    EventHub hub;
    auto behind = hub.addSink({});
    hub.publish({FlowEventType::Finished, 1, nullptr, {}});
    EventHub::SinkOptions waiterOptions;
    waiterOptions.types = eventBit(FlowEventType::Error);
    auto waiter = hub.addSink(waiterOptions);
    std::thread producer([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      hub.publish({FlowEventType::Finished, 2, nullptr, {}});  // not for the waiter
      hub.publish({FlowEventType::Error, 3, nullptr, {}});
    });
    std::vector<FlowEvent> out;
    size_t n = hub.drainWait(waiter, out, 10, std::chrono::seconds(10));
    producer.join();
    QCOMPARE(n, size_t(1));
    QCOMPARE(out[0].flowId, uint64_t(3));
    QCOMPARE(hub.pending(behind), size_t(3));  // it takes every type
  }
};

QTEST_APPLESS_MAIN(TestCore)
#include "test_core.moc"
