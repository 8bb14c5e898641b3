// Balancer: each strategy's distribution over 300 picks, passive ejection and return, active checks,
// admin actions, stickiness, and concurrent use.
#include <QtTest>

#include <map>
#include <thread>

#include "engine/proxy/balancer.h"

using namespace ps::engine;

namespace {

PoolConfig pool(BalanceStrategy strategy, std::vector<unsigned> weights = {1, 1, 1}) {
  PoolConfig p;
  p.name = "p";
  p.strategy = strategy;
  for (size_t i = 0; i < weights.size(); ++i) {
    BackendConfig b;
    b.name = "b" + std::to_string(i + 1);
    b.url = "http://127.0.0.1:" + std::to_string(3001 + i);
    b.host = "127.0.0.1";
    b.port = static_cast<uint16_t>(3001 + i);
    b.weight = weights[i];
    p.backends.push_back(b);
  }
  return p;
}

// Picks n times (each attempt finished at once) and counts per backend name.
std::map<std::string, int> distribution(Balancer& balancer, int n, std::string_view client = "10.0.0.1:1000") {
  std::map<std::string, int> counts;
  for (int i = 0; i < n; ++i) {
    auto pick = balancer.pick(PickRequest{client, {}, {}});
    if (!pick) {
      ++counts["<none>"];
      continue;
    }
    ++counts[pick->backend->name()];
    balancer.finish(*pick->backend, AttemptOutcome::Success, 1000);
  }
  return counts;
}

}  // namespace

class TestBalancer : public QObject {
  Q_OBJECT

 private slots:
  void roundRobinIsEven() {
    Balancer b(pool(BalanceStrategy::RoundRobin));
    auto d = distribution(b, 300);
    QCOMPARE(d["b1"], 100);
    QCOMPARE(d["b2"], 100);
    QCOMPARE(d["b3"], 100);
  }

  void weightedIsProportionalAndSmooth() {
    Balancer b(pool(BalanceStrategy::WeightedRoundRobin, {3, 2, 1}));
    auto d = distribution(b, 300);
    QCOMPARE(d["b1"], 150);
    QCOMPARE(d["b2"], 100);
    QCOMPARE(d["b3"], 50);
    // nginx's documented sequence for weights 5,1,1: a a b a c a a (interleaved, not bunched).
    Balancer s(pool(BalanceStrategy::WeightedRoundRobin, {5, 1, 1}));
    std::string seq;
    for (int i = 0; i < 7; ++i) {
      auto p = s.pick({});
      seq += p->backend->name().substr(1);
      s.finish(*p->backend, AttemptOutcome::Success, 10);
    }
    QCOMPARE(seq, std::string("1121311"));
  }

  void leastConnectionsPrefersIdle() {
    Balancer b(pool(BalanceStrategy::LeastConnections));
    auto d = distribution(b, 300);  // sequential: all idle, ties shared evenly
    QCOMPARE(d["b1"], 100);
    QCOMPARE(d["b2"], 100);
    QCOMPARE(d["b3"], 100);
    // Hold two attempts on b1 and one on b2: the next picks go to the idle b3, then balance out.
    auto h1 = b.pick({});
    auto h2 = b.pick({});
    auto h3 = b.pick({});
    QVERIFY(h1 && h2 && h3);
    std::vector<std::shared_ptr<Backend>> held{h1->backend, h2->backend, h3->backend};
    // The three went to three different backends (each was least loaded in turn).
    QVERIFY(held[0] != held[1] && held[1] != held[2] && held[0] != held[2]);
    auto extra = b.pick({});  // now each has 1 → any; hold it so one backend has 2
    held.push_back(extra->backend);
    for (int i = 0; i < 30; ++i) {
      auto p = b.pick({});
      QVERIFY(p->backend != extra->backend);  // the one with 2 active is never least loaded
      b.finish(*p->backend, AttemptOutcome::Success, 10);
    }
    for (auto& h : held) b.finish(*h, AttemptOutcome::Success, 10);
    for (const auto& s : b.stats()) QCOMPARE(s.active, uint64_t(0));
  }

  void leastConnectionsHonoursWeight() {
    Balancer b(pool(BalanceStrategy::LeastConnections, {2, 1, 1}));
    // Keep every pick open: the load per weight stays even, so b1 holds twice as many.
    std::vector<std::shared_ptr<Backend>> open;
    for (int i = 0; i < 300; ++i) open.push_back(b.pick({})->backend);
    std::map<std::string, int> d;
    for (auto& o : open) ++d[o->name()];
    QCOMPARE(d["b1"], 150);
    QCOMPARE(d["b2"], 75);
    QCOMPARE(d["b3"], 75);
    for (auto& o : open) b.finish(*o, AttemptOutcome::Success, 10);
  }

  void powerOfTwoChoices() {
    Balancer b(pool(BalanceStrategy::PowerOfTwo), {}, nullptr, 42);
    auto d = distribution(b, 300);
    // All idle: uniform random; each gets a fair share (bounds ~5 standard deviations wide).
    for (const char* n : {"b1", "b2", "b3"}) QVERIFY2(d[n] > 60 && d[n] < 140, n);
    // Load b1: it loses every comparison, so it is never chosen while loaded.
    std::vector<std::shared_ptr<Backend>> load;
    auto b1 = b.find("b1");
    for (int i = 0; i < 5; ++i) b1->attemptStarted();
    auto loaded = distribution(b, 300);
    QCOMPARE(loaded["b1"], 0);
    QCOMPARE(loaded["b2"] + loaded["b3"], 300);
    for (int i = 0; i < 5; ++i) b.finish(*b1, AttemptOutcome::Success, 10);
  }

  void ipHashIsStablePerClient() {
    Balancer b(pool(BalanceStrategy::IpHash));
    std::map<std::string, std::string> owner;
    std::map<std::string, int> total;
    for (int round = 0; round < 10; ++round) {
      for (int c = 0; c < 30; ++c) {
        std::string client = "10.0.0." + std::to_string(c + 1) + ":" + std::to_string(40000 + round);
        auto p = b.pick(PickRequest{client, {}, {}});
        std::string ip = std::string(Balancer::clientIp(client));
        if (round == 0) owner[ip] = p->backend->name();
        QCOMPARE(p->backend->name(), owner[ip]);  // same client (any port) → same backend
        ++total[p->backend->name()];
        b.finish(*p->backend, AttemptOutcome::Success, 10);
      }
    }
    QCOMPARE(total.size(), size_t(3));  // 30 clients spread over all three
    // Rendezvous hashing: disabling b2 moves only b2's clients.
    QVERIFY(b.admin("b2", BackendAdminAction::Disable).ok());
    for (const auto& [ip, name] : owner) {
      auto p = b.pick(PickRequest{ip + ":1", {}, {}});
      if (name != "b2") QCOMPARE(p->backend->name(), name);
      QVERIFY(p->backend->name() != "b2");
      b.finish(*p->backend, AttemptOutcome::Success, 10);
    }
    QCOMPARE(Balancer::clientIp("[2001:db8::1]:443"), std::string_view("2001:db8::1"));
    QCOMPARE(Balancer::clientIp("2001:db8::1"), std::string_view("2001:db8::1"));
  }

  void cookieIsSticky() {
    Balancer b(pool(BalanceStrategy::Cookie));
    auto first = b.pick({});
    QVERIFY(first->setCookie);
    QCOMPARE(b.setCookieValue(*first->backend), "PSBACKEND=" + first->backend->name() + "; Path=/; HttpOnly");
    b.finish(*first->backend, AttemptOutcome::Success, 10);
    std::string cookie = "theme=dark; PSBACKEND=" + first->backend->name() + "; x=1";
    for (int i = 0; i < 300; ++i) {
      auto p = b.pick(PickRequest{"1.2.3.4:5", cookie, {}});
      QCOMPARE(p->backend, first->backend);
      QVERIFY(!p->setCookie);
      b.finish(*p->backend, AttemptOutcome::Success, 10);
    }
    // Draining keeps sticky sessions; disabling moves them (with a new cookie).
    QVERIFY(b.admin(first->backend->name(), BackendAdminAction::Drain).ok());
    QCOMPARE(b.pick(PickRequest{"", cookie, {}})->backend, first->backend);
    b.finish(*first->backend, AttemptOutcome::Success, 10);
    auto fresh = b.pick({});
    QVERIFY(fresh->backend != first->backend);  // no new sessions on a draining backend
    b.finish(*fresh->backend, AttemptOutcome::Success, 10);
    QVERIFY(b.admin(first->backend->name(), BackendAdminAction::Disable).ok());
    auto moved = b.pick(PickRequest{"", cookie, {}});
    QVERIFY(moved->backend != first->backend);
    QVERIFY(moved->setCookie);
    b.finish(*moved->backend, AttemptOutcome::Success, 10);
    // An unknown name in the cookie is ignored.
    auto unknown = b.pick(PickRequest{"", "PSBACKEND=nope", {}});
    QVERIFY(unknown->setCookie);
    b.finish(*unknown->backend, AttemptOutcome::Success, 10);
    QCOMPARE(Balancer::findCookie("a=1;PSBACKEND=\"b3\"", "PSBACKEND").value(), std::string_view("b3"));
    QVERIFY(!Balancer::findCookie("XPSBACKEND=b3", "PSBACKEND").has_value());
  }

  void passiveEjectionAndReturn() {
    PoolConfig config = pool(BalanceStrategy::RoundRobin);
    config.ejection.consecutiveFailures = 3;
    config.ejection.cooldown = std::chrono::milliseconds(150);
    std::vector<BackendHealthChange> events;
    std::mutex mutex;
    Balancer b(config, [&](const BackendHealthChange& c) {
      std::lock_guard lock(mutex);
      events.push_back(c);
    });
    auto b1 = b.find("b1");
    // Two failures, a success: the streak resets, no ejection.
    for (auto outcome : {AttemptOutcome::ConnectFailed, AttemptOutcome::ServerError, AttemptOutcome::Success}) {
      b1->attemptStarted();
      b.finish(*b1, outcome, 10, "x");
    }
    QVERIFY(events.empty());
    for (int i = 0; i < 3; ++i) {
      b1->attemptStarted();
      b.finish(*b1, AttemptOutcome::ConnectFailed, 0, "connection refused");
    }
    QCOMPARE(events.size(), size_t(1));
    QCOMPARE(events[0].backend, std::string("b1"));
    QCOMPARE(events[0].from, BackendStatus::Healthy);
    QCOMPARE(events[0].to, BackendStatus::Ejected);
    QVERIFY(events[0].reason.find("3 consecutive failures, last: connection refused") != std::string::npos);
    QCOMPARE(b.stats()[0].status, BackendStatus::Ejected);
    QVERIFY(b.stats()[0].ejectedUntil > 0);
    auto d = distribution(b, 100);
    QCOMPARE(d["b1"], 0);
    QCOMPARE(d["b2"] + d["b3"], 100);
    // After the cool-down it is picked again, and the return is an event.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    auto after = distribution(b, 30);
    QCOMPARE(after["b1"], 10);
    QCOMPARE(events.size(), size_t(2));
    QCOMPARE(events[1].to, BackendStatus::Healthy);
    QCOMPARE(events[1].reason, std::string("cool-down over"));
    // 4xx is not a failure; 5xx is unless on5xx is off.
    for (int i = 0; i < 10; ++i) {
      b1->attemptStarted();
      b.finish(*b1, AttemptOutcome::Success, 10);
    }
    QCOMPARE(b.stats()[0].consecutiveFailures, uint64_t(0));
  }

  void noHealthyBackend() {
    Balancer b(pool(BalanceStrategy::LeastConnections));
    for (const char* n : {"b1", "b2", "b3"}) QVERIFY(b.admin(n, BackendAdminAction::Disable).ok());
    QVERIFY(!b.pick({}).has_value());
    QVERIFY(b.admin("b2", BackendAdminAction::Enable).ok());
    QCOMPARE(b.pick({})->backend->name(), std::string("b2"));
  }

  void excludeForRetries() {
    Balancer b(pool(BalanceStrategy::RoundRobin));
    auto first = b.pick({});
    const Backend* tried[] = {first->backend.get()};
    for (int i = 0; i < 30; ++i) {
      auto p = b.pick(PickRequest{"", "", tried});
      QVERIFY(p->backend != first->backend);
      b.finish(*p->backend, AttemptOutcome::Success, 10);
    }
    b.finish(*first->backend, AttemptOutcome::Success, 10);
    Balancer single(pool(BalanceStrategy::RoundRobin, {1}));
    auto only = single.pick({});
    const Backend* triedOnly[] = {only->backend.get()};
    QVERIFY(!single.pick(PickRequest{"", "", triedOnly}).has_value());
  }

  void activeChecks() {
    PoolConfig config = pool(BalanceStrategy::RoundRobin);
    config.health.unhealthyAfter = 2;
    config.health.healthyAfter = 2;
    std::vector<BackendHealthChange> events;
    Balancer b(config, [&](const BackendHealthChange& c) { events.push_back(c); });
    auto b3 = b.find("b3");
    b.checkFailed(*b3, "status 500");
    QVERIFY(events.empty());
    b.checkFailed(*b3, "status 500");
    QCOMPARE(events.size(), size_t(1));
    QCOMPARE(events[0].to, BackendStatus::Down);
    QCOMPARE(events[0].describe(), std::string("p/b3: healthy \xE2\x86\x92 down (health check failed: status 500)"));
    QCOMPARE(distribution(b, 30)["b3"], 0);
    b.checkPassed(*b3);
    QCOMPARE(events.size(), size_t(1));
    b.checkPassed(*b3);
    QCOMPARE(events.size(), size_t(2));
    QCOMPARE(events[1].to, BackendStatus::Healthy);
    QCOMPARE(distribution(b, 30)["b3"], 10);
  }

  void adminActions() {
    std::vector<BackendHealthChange> events;
    Balancer b(pool(BalanceStrategy::WeightedRoundRobin), [&](const BackendHealthChange& c) { events.push_back(c); });
    QVERIFY(b.admin("b1", BackendAdminAction::SetWeight, 4).ok());
    auto d = distribution(b, 300);
    QCOMPARE(d["b1"], 200);
    QCOMPARE(d["b2"], 50);
    QVERIFY(!b.admin("b1", BackendAdminAction::SetWeight, 0).ok());
    auto unknown = b.admin("zz", BackendAdminAction::Drain);
    QVERIFY(!unknown.ok());
    QCOMPARE(unknown.error().message, std::string("no backend named 'zz' in pool 'p'"));
    QVERIFY(b.admin("b2", BackendAdminAction::Drain).ok());
    QCOMPARE(events.back().to, BackendStatus::Draining);
    QCOMPARE(b.stats()[1].status, BackendStatus::Draining);
    QCOMPARE(b.stats()[0].weight, 4u);
    QCOMPARE(b.stats()[0].requests, uint64_t(200));
  }

  void configSwapKeepsState() {
    Balancer before(pool(BalanceStrategy::RoundRobin));
    distribution(before, 30);
    PoolConfig next = pool(BalanceStrategy::WeightedRoundRobin, {1, 5});
    next.backends[1].url = "http://127.0.0.1:9999";  // b2 changed address: a new backend
    Balancer after(next, {}, &before);
    QCOMPARE(after.find("b1"), before.find("b1"));
    QVERIFY(after.find("b2") != before.find("b2"));
    QCOMPARE(after.stats()[0].requests, uint64_t(10));
    QCOMPARE(after.stats()[1].requests, uint64_t(0));
    QCOMPARE(after.stats()[1].weight, 5u);
  }

  void concurrentPicks() {
    Balancer b(pool(BalanceStrategy::PowerOfTwo, {1, 2, 3}));
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&b] {
        for (int i = 0; i < 5000; ++i) {
          auto p = b.pick({});
          b.finish(*p->backend, i % 7 == 0 ? AttemptOutcome::ServerError : AttemptOutcome::Success, 100 + i);
        }
      });
    }
    for (auto& t : threads) t.join();
    uint64_t total = 0;
    for (const auto& s : b.stats()) {
      total += s.requests;
      QCOMPARE(s.active, uint64_t(0));
    }
    QCOMPARE(total, uint64_t(20000));
  }

  void latencyQuantiles() {
    LatencyHistogram h;
    for (int i = 1; i <= 1000; ++i) h.record(i);
    // Buckets are 1/8 of a power of two wide: the quantile is within 12.5% above the true value.
    auto within = [](int64_t got, int64_t want) { return got >= want && got <= want + want / 8 + 1; };
    QVERIFY2(within(h.quantile(0.5), 500), std::to_string(h.quantile(0.5)).c_str());
    QVERIFY2(within(h.quantile(0.95), 950), std::to_string(h.quantile(0.95)).c_str());
    QVERIFY2(within(h.quantile(0.99), 990), std::to_string(h.quantile(0.99)).c_str());
    QCOMPARE(h.count(), uint64_t(1000));
    for (int64_t v : {0LL, 1LL, 7LL, 8LL, 9LL, 1000LL, 123456LL, 99999999LL}) {
      int bucket = LatencyHistogram::bucketOf(v);
      QVERIFY(LatencyHistogram::upperEdge(bucket) > v);
      if (bucket > 0) QVERIFY(LatencyHistogram::upperEdge(bucket - 1) <= v);
    }
  }
};

QTEST_APPLESS_MAIN(TestBalancer)
#include "test_balancer.moc"
