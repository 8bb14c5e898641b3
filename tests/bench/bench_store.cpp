// Store benchmark: prints figures, asserts nothing about time (STYLE.md).
//   1. insert rate through the writer thread (EventHub → batches → SQLite, FTS5 included)
//   2. a 1,000,000-flow session built through the real schema (FlowStore::insert in large
//      transactions), then: open time, count by host, a status range, a full-text body search,
//      a page sorted by duration, RSS.
//   1b. the writer at a steady rate (forward mode: small batches), CPU per flow while it lasts and
//       how long full text then takes to catch up
// Usage: bench_store [flows-for-1M-phase=1000000] [writer-flows=200000] [dir=/tmp] [paced-rate=20000]
//        [paced-seconds=5]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "engine/core/event_hub.h"
#include "engine/har/har_export.h"
#include "engine/query/filter.h"
#include "engine/store/flow_store.h"

using namespace ps::engine;
using Clock = std::chrono::steady_clock;

namespace {

// Process CPU seconds: on a shared machine wall-clock rates understate what a free core does.
double cpuSeconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

// What the filter bar compiles the text to (the real parser and compiler).
SqlFilter textFilter(const std::string& text) { return parseFilter(text).filter->toSql(); }

double secondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }
double msSince(Clock::time_point t) { return secondsSince(t) * 1000.0; }

long rssKiB() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

// 256 distinct 1 KiB text bodies from a small vocabulary (realistic token counts for FTS5).
std::vector<std::string> makeBodies() {
  static const char* kWords[] = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india",
                                 "juliet", "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo",
                                 "sierra", "tango", "uniform", "victor", "whiskey", "xray", "yankee", "zulu",
                                 "\"id\":", "\"name\":", "\"value\":", "{", "}", "[", "]", "true", "false", "null"};
  std::mt19937 rng(42);
  std::vector<std::string> bodies;
  for (int b = 0; b < 256; ++b) {
    std::string s;
    while (s.size() < 1024) {
      s += kWords[rng() % std::size(kWords)];
      s += ' ';
      s += std::to_string(rng() % 100000);
      s += ' ';
    }
    s.resize(1024);
    bodies.push_back(std::move(s));
  }
  return bodies;
}

Flow makeFlow(uint64_t id, const std::vector<std::string>& bodies) {
  Flow f;
  f.id = id;
  f.connectionId = id / 4;
  f.clientAddress = "127.0.0.1:50000";
  f.serverAddress = "10.0.0.1:443";
  f.request.method = id % 7 == 0 ? "POST" : "GET";
  f.request.scheme = "https";
  f.request.host = "host" + std::to_string(id % 1000) + ".example.test";
  f.request.port = 443;
  f.request.path = "/api/v1/items/" + std::to_string(id) + "?page=" + std::to_string(id % 13);
  f.request.target = f.request.path;
  f.request.headers = Headers{{"Host", f.request.host}, {"User-Agent", "bench/1.0"}, {"Accept", "application/json"},
                              {"Cookie", "session=abc" + std::to_string(id % 5000)}};
  f.timing.start = 1'700'000'000'000'000 + static_cast<int64_t>(id) * 500;
  f.timing.responseHeaders = f.timing.start + 1000;
  f.timing.end = f.timing.start + 1000 + static_cast<int64_t>((id * 7919) % 2'000'000);
  Response r;
  r.status = id % 50 == 0 ? 503 : id % 20 == 0 ? 404 : 200;
  r.reason = "OK";
  r.headers = Headers{{"Content-Type", "application/json"}, {"Server", "bench-origin"},
                      {"Content-Length", "1024"}, {"Cache-Control", "no-store"}};
  r.body.captured = bodies[id % bodies.size()];
  if (id % 1000 == 0) r.body.captured.replace(0, 11, "needleword ");  // 0.1 % of flows
  r.body.size = r.body.captured.size();
  f.response = std::move(r);
  return f;
}

// The writer's options; BENCH_STORE_BATCH / BENCH_STORE_GATHER_MS override the batch cap and the
// gather time (to compare batching policies without rebuilding).
StoreOptions writerOptions() {
  StoreOptions options{OpenMode::Create, true, {}, FlowStore::kMaxBatchEvents};
  if (const char* v = std::getenv("BENCH_STORE_BATCH")) options.maxBatchEvents = std::strtoull(v, nullptr, 10);
  if (const char* v = std::getenv("BENCH_STORE_GATHER_MS")) options.gatherMillis = std::atoi(v);
  return options;
}

template <class F>
void timed(const char* what, F&& f) {
  auto t = Clock::now();
  auto result = f();
  std::printf("  %-44s %9.1f ms   (result %lld)\n", what, msSince(t), static_cast<long long>(result));
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t bigFlows = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1'000'000;
  const uint64_t writerFlows = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 200'000;
  const std::string dir = argc > 3 ? argv[3] : "/tmp";
  const uint64_t pacedRate = argc > 4 ? std::strtoull(argv[4], nullptr, 10) : 20'000;
  const uint64_t pacedSeconds = argc > 5 ? std::strtoull(argv[5], nullptr, 10) : 5;
  const auto bodies = makeBodies();
  std::printf("bench_store: %llu flows through the writer, %llu-flow session, 1 KiB bodies, dir %s\n",
              static_cast<unsigned long long>(writerFlows), static_cast<unsigned long long>(bigFlows), dir.c_str());
  std::printf("RSS at start: %ld KiB\n", rssKiB());

  // 1. Writer thread: two publisher threads (the engine) emit Started + Finished per flow.
  if (writerFlows > 0) {
    const std::string path = dir + "/bench_store_writer.pxsession";
    std::filesystem::remove(path);
    EventHub hub;  // declared first: the store leaves it when it is destroyed
    auto store = std::move(FlowStore::open(path, writerOptions()).value());
    (void)store->attach(hub);
    // Snapshots are built before the clock starts: the figure is the store's, not the factory's.
    std::vector<FlowPtr> finished(writerFlows);
    std::vector<FlowPtr> started(writerFlows);
    for (uint64_t i = 0; i < writerFlows; ++i) {
      Flow f = makeFlow(i + 1, bodies);
      finished[i] = std::make_shared<const Flow>(f);
      f.response.reset();
      started[i] = std::make_shared<const Flow>(std::move(f));
    }
    const long rssBefore = rssKiB();
    const double cpu0 = cpuSeconds();
    auto t0 = Clock::now();
    std::vector<std::thread> publishers;
    for (int p = 0; p < 2; ++p) {
      publishers.emplace_back([&, p] {
        for (uint64_t i = static_cast<uint64_t>(p); i < writerFlows; i += 2) {
          hub.publish({FlowEventType::Started, i + 1, started[i], {}});
          hub.publish({FlowEventType::Finished, i + 1, finished[i], {}});
        }
      });
    }
    for (auto& t : publishers) t.join();
    const double publishS = secondsSince(t0);
    auto t1 = Clock::now();
    store->flush(false);
    const double rowsCatchUpS = secondsSince(t1);
    const double rowsTotalS = secondsSince(t0);
    const auto rowsStats = store->stats();
    const double rowsCpu = cpuSeconds() - cpu0;
    store->flush(true);
    const double allCpu = cpuSeconds() - cpu0;
    const double ftsCatchUpS = secondsSince(t1);
    const double ftsTotalS = secondsSince(t0);
    auto stats = store->stats();
    std::printf("writer: published %llu flows (2 events each) in %.2f s (%.0f flows/s offered)\n",
                static_cast<unsigned long long>(writerFlows), publishS, writerFlows / publishS);
    std::printf("writer: rows committed after %.2f s = %.0f flows/s (caught up %.2f s after the burst; "
                "FTS backlog then %lld)\n",
                rowsTotalS, writerFlows / rowsTotalS, rowsCatchUpS, static_cast<long long>(rowsStats.ftsBacklog));
    std::printf("writer: full text indexed after %.2f s = %.0f flows/s end to end (caught up %.2f s after the burst)\n",
                ftsTotalS, writerFlows / ftsTotalS, ftsCatchUpS);
    std::printf("writer: CPU time %.2f s for rows (%.0f flows per CPU-s), %.2f s with full text (%.0f flows per CPU-s)\n",
                rowsCpu, writerFlows / rowsCpu, allCpu, writerFlows / allCpu);
    std::printf("writer: %llu batches, largest %llu events, %llu failed\n", static_cast<unsigned long long>(stats.batches),
                static_cast<unsigned long long>(stats.largestBatch), static_cast<unsigned long long>(stats.failedBatches));
    std::printf("writer: RSS %ld KiB before, %ld KiB after (snapshots held by the bench itself included)\n", rssBefore,
                rssKiB());
    store->detach();
    std::printf("writer: file %.1f MiB\n", std::filesystem::file_size(path) / 1048576.0);
    std::filesystem::remove(path);
    std::filesystem::remove(path + "-wal");
    std::filesystem::remove(path + "-shm");
  }

  // 1b. Paced: publishers emit a steady rate for a few seconds, as the engine does under wrk; the
  // process CPU during that time is almost all the writer's (publishing costs ~1 us a flow).
  if (pacedRate > 0 && pacedSeconds > 0) {
    const std::string path = dir + "/bench_store_paced.pxsession";
    std::filesystem::remove(path);
    EventHub hub;  // declared first: the store leaves it when it is destroyed
    auto store = std::move(FlowStore::open(path, writerOptions()).value());
    (void)store->attach(hub);
    const uint64_t total = pacedRate * pacedSeconds;
    std::vector<FlowPtr> finished(total);
    std::vector<FlowPtr> started(total);
    for (uint64_t i = 0; i < total; ++i) {
      Flow f = makeFlow(i + 1, bodies);
      finished[i] = std::make_shared<const Flow>(f);
      f.response.reset();
      started[i] = std::make_shared<const Flow>(std::move(f));
    }
    const double cpu0 = cpuSeconds();
    auto t0 = Clock::now();
    // 1 ms ticks: each tick publishes the flows due by then.
    uint64_t next = 0;
    while (next < total) {
      const double due = secondsSince(t0) * static_cast<double>(pacedRate);
      for (; next < total && static_cast<double>(next) < due; ++next) {
        hub.publish({FlowEventType::Started, next + 1, started[next], {}});
        hub.publish({FlowEventType::Finished, next + 1, finished[next], {}});
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    const double offerS = secondsSince(t0);
    const double offerCpu = cpuSeconds() - cpu0;
    const auto during = store->stats();
    auto t1 = Clock::now();
    store->flush(false);
    const double rowsLagS = secondsSince(t1);
    const double rowsCpu = cpuSeconds() - cpu0;
    const int64_t backlog = store->stats().ftsBacklog;
    store->flush(true);
    const double ftsLagS = secondsSince(t1);
    const double allCpu = cpuSeconds() - cpu0;
    std::printf("paced: %llu flows at %llu flows/s over %.2f s: process CPU %.2f s = %.2f cores "
                "(%.1f us a flow, %.0f flows per CPU-s); FTS backlog at the end %lld\n",
                static_cast<unsigned long long>(total), static_cast<unsigned long long>(pacedRate), offerS, offerCpu,
                offerCpu / offerS, offerCpu * 1e6 / static_cast<double>(total), static_cast<double>(total) / offerCpu,
                static_cast<long long>(during.ftsBacklog));
    std::printf("paced: rows caught up %.2f s after (CPU %.2f s; FTS backlog %lld), full text %.2f s after; CPU in "
                "all %.2f s; %llu batches\n",
                rowsLagS, rowsCpu, static_cast<long long>(backlog), ftsLagS, allCpu,
                static_cast<unsigned long long>(store->stats().batches));
    // Rows and full text apart, per flow: the pass that indexed during the offer is counted as FTS
    // at the full-text rate measured after it (an estimate when both interleave).
    const double ftsPerFlow = (allCpu - rowsCpu) / static_cast<double>(std::max<int64_t>(backlog, 1));
    const double rowsPerFlow = (rowsCpu - ftsPerFlow * static_cast<double>(total - static_cast<uint64_t>(backlog))) /
                               static_cast<double>(total);
    std::printf("paced: ~%.1f us CPU a flow for rows (%.0f flows per CPU-s), ~%.1f us for full text (%.0f per CPU-s)\n",
                rowsPerFlow * 1e6, 1.0 / rowsPerFlow, ftsPerFlow * 1e6, 1.0 / ftsPerFlow);
    store->detach();
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  }

  // 2. The big session, through FlowStore::insert (same upsert + FTS path, 20k flows a transaction).
  const std::string path = dir + "/bench_store_1m.pxsession";
  {
    std::filesystem::remove(path);
    auto store = std::move(FlowStore::open(path, {OpenMode::Create, true, {}, FlowStore::kMaxBatchEvents}).value());
    const long rssBefore = rssKiB();
    const double cpu0 = cpuSeconds();
    auto t0 = Clock::now();
    std::vector<Flow> chunk;
    for (uint64_t id = 1; id <= bigFlows; ++id) {
      chunk.push_back(makeFlow(id, bodies));
      if (chunk.size() == 20'000 || id == bigFlows) {
        if (auto r = store->insert(chunk, true); !r) {
          std::fprintf(stderr, "insert failed: %s\n", r.error().message.c_str());
          return 1;
        }
        chunk.clear();
      }
    }
    const double rowsS = secondsSince(t0);
    const double rowsCpu = cpuSeconds() - cpu0;
    std::printf("build: %llu flow rows in %.1f s (%.0f flows/s; %.0f flows per CPU-s, flow factory included)\n",
                static_cast<unsigned long long>(bigFlows), rowsS, bigFlows / rowsS, bigFlows / rowsCpu);
    const double cpu1 = cpuSeconds();
    auto t1 = Clock::now();
    auto indexed = store->indexFullText();
    const double ftsS = secondsSince(t1);
    std::printf("build: full text of %lld flows in %.1f s (%.0f flows/s; %.0f per CPU-s); total %.1f s; RSS %ld KiB "
                "before, %ld KiB after\n",
                static_cast<long long>(indexed ? *indexed : -1), ftsS, bigFlows / ftsS, bigFlows / (cpuSeconds() - cpu1),
                secondsSince(t0), rssBefore, rssKiB());
  }
  std::printf("build: file %.1f MiB\n", std::filesystem::file_size(path) / 1048576.0);

  // 3. Queries on a freshly opened session (read-only, as the UI would).
  auto t = Clock::now();
  auto store = FlowStore::open(path, {OpenMode::ReadOnly, false, {}, FlowStore::kMaxBatchEvents});
  auto reader = store ? (*store)->openReader() : Result<std::unique_ptr<FlowReader>>(Error{"no store"});
  if (!reader) {
    std::fprintf(stderr, "open failed: %s\n", reader.error().message.c_str());
    return 1;
  }
  auto& rd = **reader;
  std::printf("session %s\n  %-44s %9.1f ms\n", path.c_str(), "open (store + reader, schema check)", msSince(t));
  timed("count all", [&] { return rd.count().value(); });
  timed("count host = host42.example.test", [&] {
    return rd.count({"host = ?", {std::string("host42.example.test")}}).value();
  });
  timed("count status 500..599", [&] {
    return rd.count({"status >= ? AND status <= ?", {int64_t{500}, int64_t{599}}}).value();
  });
  timed("count status 400..599 AND host", [&] {
    return rd.count({"status BETWEEN 400 AND 599 AND host = ?", {std::string("host40.example.test")}}).value();
  });
  timed("full text: body word 'needleword' (count)", [&] {
    return rd.count(textFilter("needleword"))
        .value();
  });
  timed("full text: 'needleword' any column, page of 100", [&] {
    FlowPageRequest req;
    req.filter = textFilter("needleword");
    req.limit = 100;
    return static_cast<int64_t>(rd.page(req).value().size());
  });
  // Two words of most bodies, rarely side by side: every flow holding both is checked in its text
  // (the body index has no positions), the worst case of a body phrase.
  timed("full text: phrase 'tango uniform' (count)", [&] { return rd.count(textFilter("\"tango uniform\"")).value(); });
  timed("full text: common word 'tango' (count)", [&] {
    return rd.count(textFilter("tango")).value();
  });
  timed("full text: common word 'tango' (countUpTo 10000)", [&] {
    return rd.countUpTo(textFilter("tango"), 10000)
        .value();
  });
  timed("full text: 'tango' page of 100 by id desc", [&] {
    FlowPageRequest req;
    req.filter = textFilter("tango");
    req.descending = true;
    req.limit = 100;
    return static_cast<int64_t>(rd.page(req).value().size());
  });
  timed("full text: 'tango' page of 100 by duration desc", [&] {
    FlowPageRequest req;
    req.filter = textFilter("tango");
    req.sort = FlowSortColumn::Duration;
    req.descending = true;
    req.limit = 100;
    return static_cast<int64_t>(rd.page(req).value().size());
  });
  timed("page of 100 sorted by duration desc", [&] {
    FlowPageRequest req;
    req.sort = FlowSortColumn::Duration;
    req.descending = true;
    req.limit = 100;
    return static_cast<int64_t>(rd.page(req).value().size());
  });
  timed("page of 100 by start, offset 500000", [&] {
    FlowPageRequest req;
    req.sort = FlowSortColumn::Start;
    req.offset = static_cast<int64_t>(bigFlows / 2);
    req.limit = 100;
    return static_cast<int64_t>(rd.page(req).value().size());
  });
  timed("page of 100 host filter sorted by duration", [&] {
    FlowPageRequest req;
    req.filter = {"host = ?", {std::string("host7.example.test")}};
    req.sort = FlowSortColumn::Duration;
    req.limit = 100;
    return static_cast<int64_t>(rd.page(req).value().size());
  });
  timed("loadFlow (headers + bodies) x1000", [&] {
    int64_t n = 0;
    for (uint64_t id = 1; id <= bigFlows; id += bigFlows / 1000 + 1) n += rd.loadFlow(id).ok() ? 1 : 0;
    return n;
  });
  timed("HAR export of 10,000 flows (exportHarFile, bytes)", [&] {
    // A pull cursor over the store: the ids of the selection, each flow loaded when asked for.
    const std::string harPath = dir + "/bench_store_export.har";
    const auto ids = rd.ids({"id <= ?", {int64_t{10'000}}}).value();
    size_t next = 0;
    auto n = har::exportHarFile(harPath, [&](Flow& f) {
      if (next >= ids.size()) return false;
      f = rd.loadFlow(ids[next++]).value();
      return true;
    });
    const auto bytes = n ? static_cast<int64_t>(std::filesystem::file_size(harPath)) : int64_t{-1};
    std::filesystem::remove(harPath);
    return bytes;
  });
  std::printf("RSS at end: %ld KiB\n", rssKiB());
  if (std::getenv("BENCH_STORE_KEEP") == nullptr) {
    reader->reset();
    store = Error{"closed"};
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  }
  return 0;
}
