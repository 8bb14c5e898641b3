// FlowStore writer and read API: batching from several threads (one transaction per batch), upserts
// following a flow's progress, headers kept exactly, bodies with decoded text, full-text search,
// paging and sorting, retention caps.
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include <pthread.h>
#include <sched.h>

#include "engine/core/event_hub.h"
#include "engine/core/thread_name.h"
#include "engine/query/filter.h"
#include "engine/query/full_text_sql.h"
#include "engine/store/body_text.h"
#include "engine/store/flow_row_codec.h"
#include "engine/store/flow_store.h"
#include "engine/store/flow_store_schema.h"
#include "engine/store/sqlite_db.h"
#include "tests/support/store_test_support.h"

using namespace ps::engine;
using ps::test::makeFlow;

namespace {

void publish(EventHub& hub, FlowEventType type, const Flow& flow) {
  hub.publish(FlowEvent{type, flow.id, std::make_shared<const Flow>(flow), {}});
}

// A raw FTS5 query over both full-text tables (url and headers; bodies), as stored.
SqlFilter ftsMatch(const std::string& query) {
  return SqlFilter{"id IN (SELECT rowid FROM flows_fts WHERE flows_fts MATCH ?1 "
                   "UNION SELECT rowid FROM flows_body_fts WHERE flows_body_fts MATCH ?1)",
                   {query}};
}

// One table's answer to a raw FTS5 query.
int64_t countIn(FlowReader& reader, const std::string& table, const std::string& query) {
  auto stmt = reader.db().prepare("SELECT count(*) FROM " + table + " WHERE " + table + " MATCH ?1").value();
  stmt.bindText(1, query);
  (void)stmt.step();
  return stmt.columnInt(0);
}

// What a bare word in the filter bar compiles to (the reader's full-text fast paths know it).
SqlFilter wordFilter(const std::string& word) { return fullTextWhere(fullTextQuery({word})); }

}  // namespace

class TestFlowStore : public QObject {
  Q_OBJECT
 private:
  std::string m_dir;
  std::string path(const char* name) { return m_dir + "/" + name; }

  std::unique_ptr<FlowStore> create(const char* name, StoreOptions options = {}) {
    return ps::test::createSession(path(name), options);
  }

 private slots:
  void initTestCase() { m_dir = ps::test::makeTempDir("flow-store-test"); }
  void cleanupTestCase() { std::filesystem::remove_all(m_dir); }

  void eventsFromSeveralThreadsAllLand() {
    EventHub hub;
    auto store = create("threads.pxsession");
    QVERIFY(store->attach(hub).ok());
    constexpr int kThreads = 4;
    constexpr int kPerThread = 1500;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&hub, t] {
        for (int i = 0; i < kPerThread; ++i) {
          Flow f = makeFlow(static_cast<uint64_t>(t * kPerThread + i + 1), "t" + std::to_string(t) + ".test");
          Flow started = f;
          started.response.reset();
          publish(hub, FlowEventType::Started, started);
          publish(hub, FlowEventType::Finished, f);
        }
      });
    }
    for (auto& th : threads) th.join();
    store->flush();
    auto reader = store->openReader();
    QVERIFY(reader.ok());
    QCOMPARE((*reader)->count().value(), int64_t{kThreads * kPerThread});
    QCOMPARE((*reader)->count({"complete = 1", {}}).value(), int64_t{kThreads * kPerThread});
    QCOMPARE((*reader)->count({"host = ?", {std::string("t2.test")}}).value(), int64_t{kPerThread});
    auto stats = store->stats();
    QCOMPARE(stats.eventsWritten, uint64_t{2 * kThreads * kPerThread});
    QCOMPARE(stats.transactions, stats.batches);  // one transaction per batch
    QCOMPARE(stats.failedBatches, uint64_t{0});
  }

  void eventsPublishedWhileTheWriterIsHeldArriveInFewBatches() {
    EventHub hub;
    auto store = create("batches.pxsession");
    // Another connection holds the write lock, so the writer is stuck in its first BEGIN while the
    // engine publishes: everything published meanwhile must come out in a few large batches.
    auto blocker = SqliteDb::open(path("batches.pxsession"), SqliteDb::Access::ReadWrite);
    QVERIFY(blocker.ok());
    QVERIFY(blocker->exec("BEGIN IMMEDIATE").ok());
    QVERIFY(store->attach(hub).ok());
    publish(hub, FlowEventType::Finished, makeFlow(1));
    for (uint64_t id = 2; id <= 5000; ++id) publish(hub, FlowEventType::Finished, makeFlow(id));
    QVERIFY(blocker->exec("COMMIT").ok());
    store->flush();
    auto stats = store->stats();
    QCOMPARE(stats.failedBatches, uint64_t{0});
    QCOMPARE(stats.eventsWritten, uint64_t{5000});
    QVERIFY2(stats.batches <= 3, std::to_string(stats.batches).c_str());  // 1 + ceil(4999 / 4096)
    QCOMPARE(stats.transactions, stats.batches);
    QCOMPARE(store->openReader().value()->count().value(), int64_t{5000});
  }

#ifdef __linux__
  // The writer is background work: SCHED_BATCH, so waking up for a batch never preempts a worker
  // that is carrying traffic (engine/core/thread_name.h). The engine's own threads stay normal.
  void writerRunsAsBackgroundWork() {
    // The /proc/self/task folder of the thread named so, or "" when there is none.
    auto taskNamed = [](const std::string& threadName) -> std::string {
      for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
        std::ifstream comm(task.path() / "comm");
        std::string name;
        std::getline(comm, name);
        if (name == threadName) return task.path().string();
      }
      return {};
    };
    auto policyOf = [&](const std::string& threadName) {
      const std::string task = taskNamed(threadName);
      return task.empty() ? -1 : ::sched_getscheduler(std::stoi(std::filesystem::path(task).filename().string()));
    };
    // The short slice is checked where the kernel shows it (se.slice in /proc/<tid>/sched).
    auto sliceOf = [](const std::string& task) -> int64_t {
      std::ifstream sched(task + "/sched");
      for (std::string line; std::getline(sched, line);) {
        if (line.starts_with("se.slice")) return std::stoll(line.substr(line.find(':') + 1));
      }
      return -1;
    };
    // A sandbox may refuse the class (the engine ignores that): ask the system first on a thread of
    // the test's own.
    bool allowed = false;
    int64_t scratchSlice = -1;
    std::thread([&] {
      ps::engine::setCurrentThreadBackground();
      allowed = ::sched_getscheduler(0) == SCHED_BATCH;
      scratchSlice = sliceOf("/proc/thread-self");
    }).join();
    if (!allowed) QSKIP("this system refuses SCHED_BATCH to an unprivileged thread");
    const bool slicesShown = scratchSlice == 100'000;  // Linux 6.12+ with the scheduler's debug file
    EventHub hub;
    auto store = create("background.pxsession");
    QCOMPARE(policyOf("ps-store"), -1);
    QVERIFY(store->attach(hub).ok());
    publish(hub, FlowEventType::Finished, makeFlow(1));
    store->flush();  // the writer has run, so it has named itself and set its class
    QCOMPARE(policyOf("ps-store"), SCHED_BATCH);
    if (slicesShown) QCOMPARE(sliceOf(taskNamed("ps-store")), int64_t{100'000});
    QCOMPARE(::sched_getscheduler(0), SCHED_OTHER);  // the thread that attached it is untouched
    store->detach();
    QCOMPARE(policyOf("ps-store"), -1);
  }
#endif

  void fullTextCatchesUpBehindTheRows() {
    EventHub hub;
    auto store = create("backlog.pxsession");
    QVERIFY(store->attach(hub).ok());
    constexpr uint64_t kFlows = 3000;
    for (uint64_t id = 1; id <= kFlows; ++id) {
      publish(hub, FlowEventType::Finished, makeFlow(id, "backlog.test", "/", 200, "lagging word" + std::to_string(id)));
    }
    store->flush(false);  // rows only
    auto reader = std::move(store->openReader().value());
    QCOMPARE(reader->count().value(), int64_t{kFlows});
    store->flush(true);
    QCOMPARE(store->stats().ftsBacklog, int64_t{0});
    QCOMPARE(reader->count(ftsMatch("lagging")).value(), int64_t{kFlows});
    QCOMPARE(reader->count(ftsMatch("word2999")).value(), int64_t{1});
    QCOMPARE(reader->db().queryInt("SELECT count(*) FROM fts_pending").value(), int64_t{0});
    QVERIFY(store->stats().ftsIndexed >= kFlows);
  }

  // Full text is a background pass (it waits while the capture is busy): nobody asks for it here,
  // yet once the capture goes quiet the writer indexes the whole backlog by itself.
  void fullTextCatchesUpByItselfOnceTheCaptureIsQuiet() {
    EventHub hub;
    auto store = create("quiet.pxsession");
    QVERIFY(store->attach(hub).ok());
    constexpr uint64_t kFlows = 2000;  // batches far above FlowStore::kBusyBatchEvents: a busy capture
    for (uint64_t id = 1; id <= kFlows; ++id) {
      publish(hub, FlowEventType::Finished, makeFlow(id, "quiet.test", "/", 200, "quietword" + std::to_string(id % 7)));
    }
    store->flush(false);  // rows only: asks nothing of the full-text pass
    auto reader = std::move(store->openReader().value());
    QCOMPARE(reader->count().value(), int64_t{kFlows});
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (store->stats().ftsBacklog > 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    QCOMPARE(store->stats().ftsBacklog, int64_t{0});
    QCOMPARE(reader->fullTextPending().value(), int64_t{0});
    QCOMPARE(reader->count(ftsMatch("quietword3")).value(), int64_t{kFlows / 7 + (kFlows % 7 >= 3 ? 1 : 0)});
    QCOMPARE(reader->count(ftsMatch("quiet")).value(), int64_t{kFlows});  // the host, in url and Host header
  }

  // The shortcut that skips decoding (and copying) a body must say "the text is the bytes" exactly
  // when bodyText() returns the bytes unchanged.
  void bodyTextShortcutAgreesWithTheDecoder() {
    const std::string text = "{\"a\": \"caf\xC3\xA9\"}";
    const std::string binary("\x89PNG\0\x01", 7);
    struct Case {
      std::string body;
      Headers headers;
    } cases[] = {
        {text, Headers{{"Content-Type", "application/json"}}},
        {text, Headers{}},
        {binary, Headers{}},
        {text, Headers{{"Content-Type", "image/png"}}},
        {text, Headers{{"Content-Type", "text/plain"}, {"Content-Encoding", "gzip"}}},
        {text, Headers{{"Content-Type", "text/plain"}, {"Content-Encoding", ""}}},
        {"", Headers{{"Content-Type", "text/plain"}}},
    };
    for (const auto& c : cases) {
      const auto decoded = bodyText(c.body, c.headers);
      const bool same = decoded && *decoded == c.body;
      if (bodyTextIsCaptured(c.body, c.headers)) QVERIFY2(same, c.body.c_str());
      // Plain textual bodies are the case the shortcut exists for.
      if (same && c.headers.getAll("Content-Encoding").empty()) QVERIFY(bodyTextIsCaptured(c.body, c.headers));
    }
  }

  void upsertFollowsProgress() {
    EventHub hub;
    auto store = create("progress.pxsession");
    QVERIFY(store->attach(hub).ok());
    auto reader = std::move(store->openReader().value());
    Flow f = makeFlow(42, "progress.test", "/p?x=1", 201, "final body");
    Flow started = f;
    started.response.reset();
    started.timing.end = 0;
    publish(hub, FlowEventType::Started, started);
    store->flush();
    auto page = reader->page({}).value();
    QCOMPARE(page.size(), size_t(1));
    QCOMPARE(page[0].status, 0);
    QVERIFY(!page[0].complete);
    QCOMPARE(reader->count({"status IS NULL AND query = 'x=1' AND path = '/p'", {}}).value(), int64_t{1});

    // Response headers are not a row step (the Finished snapshot supersedes them within ms at load);
    // a breakpoint hold is.
    Flow headersOnly = f;
    headersOnly.response->body = {};
    publish(hub, FlowEventType::ResponseHeaders, headersOnly);
    store->flush();
    page = reader->page({}).value();
    QCOMPARE(page[0].status, 0);
    Flow held = headersOnly;
    held.tags.push_back("intercepted");
    publish(hub, FlowEventType::Paused, held);
    store->flush();
    page = reader->page({}).value();
    QCOMPARE(page[0].status, 201);
    QVERIFY(!page[0].complete);
    QVERIFY(!reader->bodyText(42, "res").value().has_value());

    // A backend health change is an event with a placeholder flow (id 0): never a row.
    FlowEvent health;
    health.type = FlowEventType::BackendHealth;
    auto placeholder = std::make_shared<Flow>();
    placeholder->backend = "pool/b1";
    health.flow = placeholder;
    health.detail = "pool/b1: healthy -> ejected";
    hub.publish(std::move(health));
    store->flush();
    QCOMPARE(reader->count({}).value(), int64_t{1});

    publish(hub, FlowEventType::Finished, f);
    store->flush();
    page = reader->page({}).value();
    QCOMPARE(page.size(), size_t(1));
    QVERIFY(page[0].complete);
    QCOMPARE(page[0].resSize, int64_t(10));
    QCOMPARE(page[0].durationUs, f.timing.durationMicros());
    QCOMPARE(reader->bodyText(42, "res").value().value(), std::string("final body"));
    QCOMPARE(reader->count(ftsMatch("final")).value(), int64_t{1});
  }

  // What full text has left is a watermark plus a queue (flow_row_writer.h): a new flow past the
  // watermark, a flow written late below it, a rewritten flow, and a file from before the watermark.
  void fullTextWatermarkAndQueue() {
    const std::string file = path("watermark.pxsession");
    StoreOptions append;
    append.mode = OpenMode::Append;
    {
      auto store = create("watermark.pxsession");
      auto reader = std::move(store->openReader().value());
      auto withWord = [](uint64_t id, const std::string& word) { return makeFlow(id, "w.test", "/", 200, word); };
      QVERIFY(store->insert({withWord(1, "alphaone"), withWord(2, "alphatwo"), withWord(3, "alphathree")}, true).ok());
      QCOMPARE(reader->fullTextPending().value(), int64_t{3});
      QCOMPARE(store->indexFullText().value(), int64_t{3});
      QCOMPARE(reader->fullTextPending().value(), int64_t{0});
      QCOMPARE(reader->db().queryInt("SELECT count(*) FROM fts_pending").value(), int64_t{0});  // never queued

      // Flow 5 moves the watermark past 4; flow 4 then arrives late, below it, and is queued.
      QVERIFY(store->insert({withWord(5, "betafive")}, true).ok());
      QCOMPARE(store->indexFullText().value(), int64_t{1});
      QVERIFY(store->insert({withWord(4, "betafour")}, true).ok());
      QCOMPARE(reader->fullTextPending().value(), int64_t{1});
      QCOMPARE(reader->count(ftsMatch("betafour")).value(), int64_t{0});
      QCOMPARE(store->indexFullText().value(), int64_t{1});
      QCOMPARE(reader->count(ftsMatch("betafour")).value(), int64_t{1});

      // A rewritten flow loses its old document and is indexed again with the new one.
      QVERIFY(store->insert({withWord(2, "gammatwo")}, true).ok());
      QCOMPARE(reader->fullTextPending().value(), int64_t{1});
      QCOMPARE(reader->count(ftsMatch("alphatwo")).value(), int64_t{0});
      QCOMPARE(store->indexFullText().value(), int64_t{1});
      QCOMPARE(reader->count(ftsMatch("gammatwo")).value(), int64_t{1});
      QCOMPARE(reader->count(ftsMatch("alphaone OR alphathree OR betafive")).value(), int64_t{3});
      QCOMPARE(reader->fullTextPending().value(), int64_t{0});

      // An unindexed flow at close stays pending in the file.
      QVERIFY(store->insert({withWord(6, "deltasix")}, true).ok());
    }
    {
      auto store = FlowStore::open(file, append);
      QVERIFY(store.ok());
      QCOMPARE((*store)->stats().ftsBacklog, int64_t{1});
      QCOMPARE((*store)->indexFullText().value(), int64_t{1});
      auto reader = std::move((*store)->openReader().value());
      QCOMPARE(reader->count(ftsMatch("deltasix")).value(), int64_t{1});
    }
    {
      // A file from before the watermark: every unindexed flow is in fts_pending, no key. Opened
      // for writing, it gets the watermark past its last flow and loses nothing.
      auto db = SqliteDb::open(file, SqliteDb::Access::ReadWrite);
      QVERIFY(db.ok());
      QVERIFY(db->exec("DELETE FROM session_info WHERE key = 'fts_watermark'").ok());
      auto store = FlowStore::open(file, append);
      QVERIFY(store.ok());
      QCOMPARE((*store)->stats().ftsBacklog, int64_t{0});
      QVERIFY((*store)->insert({makeFlow(7, "w.test", "/", 200, "epsilonseven")}, true).ok());
      QCOMPARE((*store)->indexFullText().value(), int64_t{1});
      auto reader = std::move((*store)->openReader().value());
      QCOMPARE(reader->count(ftsMatch("epsilonseven OR deltasix OR gammatwo")).value(), int64_t{3});
    }
  }

  // A word in more than 20,000 flows, sorted by duration or size, pages through the FTS doclist and
  // the narrow start index (FlowReader::commonTermPageIds): the same pages as plain SQL gives.
  void commonTermPagesSortedByDurationMatchSql() {
    auto store = create("common-term.pxsession");
    std::vector<Flow> flows;
    for (uint64_t id = 1; id <= 24'500; ++id) {
      Flow f = makeFlow(id, "c.test", "/", 200, id % 7 == 0 ? "rare words only" : "ubiquitous term " + std::string(id % 50, 'x'));
      f.timing.end = f.timing.start + static_cast<int64_t>((id * 7919) % 5000);  // ties included
      if (id % 14 == 0) f.response->body = {};  // some responses without a body (none of the matches)
      flows.push_back(std::move(f));
    }
    QVERIFY(store->insert(flows).ok());
    auto reader = std::move(store->openReader().value());
    const SqlFilter filter = wordFilter("ubiquitous");
    const int64_t matching = reader->count(filter).value();
    QVERIFY2(matching > 20'000, std::to_string(matching).c_str());  // past kCommonTermMatches
    struct Case {
      FlowSortColumn sort;
      const char* column;
      bool descending;
      int64_t offset;
    };
    for (const Case& c : {Case{FlowSortColumn::Duration, "duration_us", true, 0}, Case{FlowSortColumn::Duration, "duration_us", false, 150},
                          Case{FlowSortColumn::ResSize, "res_size", false, 0}, Case{FlowSortColumn::ResSize, "res_size", true, 17990}}) {
      FlowPageRequest req;
      req.filter = filter;
      req.sort = c.sort;
      req.descending = c.descending;
      req.offset = c.offset;
      req.limit = 100;
      auto page = reader->page(req);
      QVERIFY(page.ok());
      const char* dir = c.descending ? " DESC" : " ASC";
      auto expected = ps::test::sqlIds(path("common-term.pxsession"),
                                       std::string("SELECT id FROM flows WHERE id IN (SELECT rowid FROM flows_body_fts WHERE "
                                                   "flows_body_fts MATCH 'ubiquitous') ORDER BY ") + c.column + dir + ", id" + dir + " LIMIT 100 OFFSET " +
                                           std::to_string(c.offset));
      std::vector<uint64_t> got;
      for (const auto& s : *page) got.push_back(s.id);
      QCOMPARE(got, expected);
    }
  }

  // The escaper takes eight plain bytes at a time: every byte that must be escaped or checked
  // (controls, DEL, quote, backslash, UTF-8 of each length), at every offset of a word and across
  // word ends, comes back from the column as it went in; the exact text for a few is checked too.
  void headerJsonEscapesAtEveryOffset() {
    const std::vector<std::string> specials{
        std::string(1, '\0'), "\x01", "\t", "\n", "\x1f", "\x7f", "\"", "\\", "\xc3\xa9", "\xe2\x82\xac",
        "\xf0\x9f\x98\x80",   " ",    "~"};
    for (const auto& special : specials) {
      for (size_t offset = 0; offset < 18; ++offset) {
        const std::string value = std::string(offset, 'a') + special + std::string(17 - offset % 9, 'z');
        const Headers h{{"X-Test", value}};
        const std::string json = headersToJson(h);
        QVERIFY2(headersFromJson(json) == h, json.c_str());
      }
    }
    QCOMPARE(headersToJson(Headers{{"A", "0123456789\"x"}}), std::string("[[\"A\",\"0123456789\\\"x\"]]"));
    QCOMPARE(headersToJson(Headers{{"A", std::string("01234567\x01") + "89"}}),
             std::string("[[\"A\",\"01234567\\u000189\"]]"));
    QCOMPARE(headersToJson(Headers{{"A", "01234567\xff"}}), std::string("[[\"A\",\"01234567\xef\xbf\xbd\"]]"));
    // Random values of those bytes, 20,000 of them.
    std::mt19937 rng(17);
    for (int n = 0; n < 20000; ++n) {
      std::string value;
      const size_t parts = rng() % 12;
      for (size_t k = 0; k < parts; ++k) {
        value += rng() % 3 == 0 ? specials[rng() % specials.size()]
                                : std::string(rng() % 9, static_cast<char>('A' + rng() % 26));
      }
      const Headers h{{"X-Random", value}};
      if (headersFromJson(headersToJson(h)) != h) QFAIL(("round trip lost: " + headersToJson(h)).c_str());
    }
  }

  void headersRoundTripExactly() {
    auto store = create("headers.pxsession");
    Flow f = makeFlow(7);
    f.request.headers = Headers{{"HOST", "Example.Test"}, {"x-lower", "a"}, {"X-Dup", "1"}, {"x-dup", "2"},
                                {"X-Empty", ""}, {"X-Utf8", "caf\xc3\xa9 \"q\""}, {"X-Esc", "back\\slash\ttab\x01\x7f/"},
                                {"X-Astral", "\xf0\x9f\x98\x80"}};
    f.extensions = R"({"_custom":{"a":[1,2]}})";
    f.response->headers = Headers{{"Set-Cookie", "a=1"}, {"set-cookie", "b=2; Path=/"}, {"Content-Type", "text/plain"}};
    f.tags = {"intercepted", "replay"};
    f.replayOf = 3;
    f.error = FlowError{ErrorKind::UpstreamTimeout, "no answer in 30 s"};
    QVERIFY(store->insert({f}).ok());
    auto reader = std::move(store->openReader().value());
    auto loaded = reader->loadFlow(7);
    QVERIFY(loaded.ok());
    QCOMPARE(loaded->request.headers, f.request.headers);
    QCOMPARE(loaded->response->headers, f.response->headers);
    QCOMPARE(loaded->tags, f.tags);
    QCOMPARE(loaded->replayOf, uint64_t{3});
    QCOMPARE(loaded->extensions, f.extensions);
    QCOMPARE(loaded->error->kind, ErrorKind::UpstreamTimeout);
    QCOMPARE(loaded->error->message, f.error->message);
    QCOMPARE(loaded->request.url(), f.request.url());
    QCOMPARE(loaded->timing.end, f.timing.end);
    QCOMPARE(loaded->response->body.captured, f.response->body.captured);
    // The JSON column is the contract's [name, value] array.
    auto stmt = reader->db().prepare("SELECT res_headers, tags FROM flows WHERE id = 7").value();
    QVERIFY(stmt.step().value());
    QCOMPARE(stmt.columnText(0), std::string(R"([["Set-Cookie","a=1"],["set-cookie","b=2; Path=/"],["Content-Type","text/plain"]])"));
    QCOMPARE(stmt.columnText(1), std::string(" intercepted replay "));
    // Any JSON reader gets the same pairs (the writer's escaper is hand-written).
    auto pairs = reader->db().queryInt("SELECT json_array_length(req_headers) FROM flows WHERE id = 7");
    QVERIFY2(pairs.ok(), pairs.ok() ? "" : pairs.error().message.c_str());
    QCOMPARE(*pairs, int64_t{8});
    auto esc = reader->db().prepare("SELECT req_headers ->> '$[6][1]', req_headers ->> '$[7][1]' FROM flows WHERE id = 7");
    QVERIFY2(esc.ok(), esc.ok() ? "" : esc.error().message.c_str());
    QVERIFY(esc->step().value());
    QCOMPARE(esc->columnText(0), std::string("back\\slash\ttab\x01\x7f/"));
    QCOMPARE(esc->columnText(1), std::string("\xf0\x9f\x98\x80"));
    // Bytes that are not UTF-8 cannot be JSON text: they are stored as U+FFFD.
    Flow bad = makeFlow(8);
    bad.request.headers = Headers{{"X-Bad", "a\xff" "b"}};
    QVERIFY(store->insert({bad}).ok());
    // A fresh reader: the statements above still hold this one's read snapshot open.
    auto loadedBad = store->openReader().value()->loadFlow(8);
    QVERIFY2(loadedBad.ok(), loadedBad.ok() ? "" : loadedBad.error().message.c_str());
    QCOMPARE(std::string(loadedBad->request.headers.get("X-Bad").value_or("")), std::string("a\xef\xbf\xbd" "b"));
    QVERIFY(!reader->loadFlow(9).ok());
  }

  void bodiesKeepBytesAndDecodedText() {
    auto store = create("bodies.pxsession");
    const std::string text = "<html><body>the zebracorn gallops over compressed plains</body></html>";
    std::vector<Flow> flows;
    const std::pair<const char*, std::string> codings[] = {
        {"gzip", ps::test::gzipEncode(text)}, {"br", ps::test::brotliEncode(text)}, {"zstd", ps::test::zstdEncode(text)}};
    uint64_t id = 1;
    for (const auto& [coding, bytes] : codings) {
      Flow f = makeFlow(id++, std::string(coding) + ".test");
      f.response->headers = Headers{{"Content-Type", "text/html"}, {"Content-Encoding", coding}};
      f.response->body.captured = bytes;
      f.response->body.size = bytes.size();
      flows.push_back(f);
    }
    Flow image = makeFlow(id++, "img.test");
    image.response->headers = Headers{{"Content-Type", "image/png"}};
    image.response->body.captured = std::string("\x89PNG\r\n\x1a\nzebracorn", 17);
    image.response->body.size = 5000;  // truncated capture
    flows.push_back(image);
    Flow post = makeFlow(id++, "api.test");
    post.request.method = "POST";
    post.request.headers.add("Content-Type", "application/json");
    post.request.body.captured = R"({"animal":"okapi"})";
    post.request.body.size = post.request.body.captured.size();
    flows.push_back(post);
    QVERIFY(store->insert(flows).ok());

    auto reader = std::move(store->openReader().value());
    for (uint64_t i = 1; i <= 3; ++i) {
      auto loaded = reader->loadFlow(i).value();
      QCOMPARE(loaded.response->body.captured, flows[i - 1].response->body.captured);  // as on the wire
      QCOMPARE(reader->bodyText(i, "res").value().value(), text);
    }
    QVERIFY(!reader->bodyText(4, "res").value().has_value());  // binary: no text
    auto png = reader->loadFlow(4).value();
    QVERIFY(png.response->body.truncated());
    QCOMPARE(png.response->body.size, uint64_t{5000});
    QCOMPARE(reader->bodyText(5, "req").value().value(), post.request.body.captured);
    // Decoded text is stored only where it differs from the wire bytes; the contract's bodies.text
    // (a view) gives it for every textual body all the same.
    QCOMPARE(reader->db().queryInt("SELECT count(*) FROM body_data WHERE text IS NOT NULL").value(), int64_t{3});
    QCOMPARE(reader->db().queryInt("SELECT count(*) FROM bodies WHERE text IS NOT NULL").value(), int64_t{5});  // + post's "hello"
    QCOMPARE(reader->db().queryInt("SELECT count(*) FROM bodies WHERE text LIKE '%okapi%' AND part = 'req'").value(),
             int64_t{1});
    // Full text sees the decoded words, in the right table (bodies without positions or columns).
    QCOMPARE(reader->count(ftsMatch("zebracorn")).value(), int64_t{3});
    QCOMPARE(countIn(*reader, "flows_body_fts", "gallops"), int64_t{3});
    QCOMPARE(countIn(*reader, "flows_fts", "gallops"), int64_t{0});
    QCOMPARE(countIn(*reader, "flows_body_fts", "okapi"), int64_t{1});
    QCOMPARE(countIn(*reader, "flows_fts", "headers:agent"), int64_t{5});
    QCOMPARE(countIn(*reader, "flows_fts", "url:api"), int64_t{1});
    QCOMPARE(countIn(*reader, "flows_body_fts", "agent"), int64_t{0});
  }

  // Files written before the body index was split out have one flows_fts over all four columns:
  // they still search (the same answers as the in-memory evaluator), and appending indexes into it.
  void filesWithOneFullTextTableStillSearchAndAppend() {
    std::vector<Flow> flows = {makeFlow(1, "old.test", "/api/v2", 200, "welcome home friends"),
                               makeFlow(2, "old.test", "/", 200, "home welcome"),
                               makeFlow(3, "older.test", "/", 200, "nothing here")};
    {
      auto store = create("combined.pxsession");
      QVERIFY(store->insert(flows, true).ok());  // rows only; the old layout indexes them below
    }
    {
      // The layout as earlier builds created it, every flow still to index.
      auto db = SqliteDb::open(path("combined.pxsession"), SqliteDb::Access::ReadWrite).value();
      QVERIFY(db.exec("DROP TABLE flows_body_fts; DROP TABLE flows_fts;"
                      "CREATE VIRTUAL TABLE flows_fts USING fts5(url, headers, req_body, res_body, content='');"
                      "DELETE FROM session_info WHERE key = 'fts_watermark';"
                      "INSERT OR IGNORE INTO fts_pending SELECT id FROM flows;")
                  .ok());
      QCOMPARE(fullTextLayout(db).value(), FullTextLayout::Combined);
    }
    StoreOptions append;
    append.mode = OpenMode::Append;
    auto store = std::move(FlowStore::open(path("combined.pxsession"), append).value());
    QCOMPARE(store->indexFullText().value(), int64_t{3});
    // A new flow, and a rewrite of an indexed one (its old document leaves the four-column table).
    flows.push_back(makeFlow(4, "old.test", "/", 200, "welcome back home"));
    flows[1] = makeFlow(2, "old.test", "/", 200, "home sweet welcome");
    QVERIFY(store->insert({flows[3], flows[1]}).ok());
    auto reader = std::move(store->openReader().value());
    for (const char* text : {"welcome", "\"welcome home\"", "\"home welcome\"", "\"home sweet\"", "\"back ho\"", "home",
                             "older", "\"api v2\"", "v2 -older", "\"friends welcome\""}) {
      auto parsed = parseFilter(text);
      QVERIFY(parsed.ok());
      std::vector<uint64_t> expected;
      for (const auto& f : flows) {
        if (parsed.filter->matches(f)) expected.push_back(f.id);
      }
      QVERIFY2(reader->count(parsed.filter->toSql()).value() == static_cast<int64_t>(expected.size()), text);
      QCOMPARE(reader->ids(parsed.filter->toSql()).value(), expected);
    }
    QCOMPARE(reader->count(wordFilter("welcome")).value(), int64_t{3});
    auto check = SqliteDb::open(store->path(), SqliteDb::Access::ReadWrite).value();
    QCOMPARE(fullTextLayout(check).value(), FullTextLayout::Combined);
    QVERIFY(check.exec("INSERT INTO flows_fts(flows_fts, rank) VALUES('integrity-check', 0)").ok());
  }

  // A search's last token is a prefix; the reader asks the body index for the few terms it stands
  // for (or keeps the prefix when there are many): the answers must not change either way.
  void prefixesNarrowedToTermsAnswerTheSame() {
    std::vector<Flow> flows;
    const std::vector<std::string> bodies = {"tango one", "tangos two", "tangle three", "tan four", "nothing"};
    for (size_t i = 0; i < bodies.size(); ++i) flows.push_back(makeFlow(i + 1, "p.test", "/", 200, bodies[i]));
    for (int i = 0; i < 20; ++i) flows.push_back(makeFlow(static_cast<uint64_t>(10 + i), "p.test", "/", 200, "pre" + std::to_string(i) + " many"));
    auto store = create("prefix.pxsession");
    QVERIFY(store->insert(flows).ok());
    auto reader = std::move(store->openReader().value());
    for (const char* text : {"tang", "tango", "tangos", "tan", "pre", "pre1", "zzz", "\"tango one\"", "\"tangos tw\"", "\"one tangos\""}) {
      auto parsed = parseFilter(text);
      QVERIFY(parsed.ok());
      std::vector<uint64_t> expected;
      for (const auto& f : flows) {
        if (parsed.filter->matches(f)) expected.push_back(f.id);
      }
      const SqlFilter sql = parsed.filter->toSql();
      QVERIFY2(reader->count(sql).value() == static_cast<int64_t>(expected.size()), text);
      QCOMPARE(reader->countUpTo(sql, 100).value(), static_cast<int64_t>(expected.size()));
      FlowPageRequest page;
      page.filter = sql;
      page.limit = 100;
      const auto rows = reader->page(page).value();
      std::vector<uint64_t> got;
      for (const auto& row : rows) got.push_back(row.id);
      QCOMPARE(got, expected);
    }
    QCOMPARE(reader->count(wordFilter("tang")).value(), int64_t{3});
    QCOMPARE(reader->count(wordFilter("pre")).value(), int64_t{20});  // 20 terms: past the narrowing
  }

  void updatedFlowLeavesNoStaleFullText() {
    auto store = create("fts-update.pxsession");
    Flow first = makeFlow(9, "fts.test", "/", 200, "oldword body");
    QVERIFY(store->insert({first}).ok());
    Flow second = makeFlow(9, "fts.test", "/", 200, "newword body");
    second.request.headers.add("X-Phase", "later");
    QVERIFY(store->insert({second}).ok());
    auto reader = std::move(store->openReader().value());
    QCOMPARE(reader->count(ftsMatch("oldword")).value(), int64_t{0});
    QCOMPARE(reader->count(ftsMatch("newword")).value(), int64_t{1});
    QCOMPARE(reader->count(ftsMatch("later")).value(), int64_t{1});
    QCOMPARE(reader->count().value(), int64_t{1});
    auto check = SqliteDb::open(store->path(), SqliteDb::Access::ReadWrite).value();
    QVERIFY(check.exec("INSERT INTO flows_fts(flows_fts, rank) VALUES('integrity-check', 0)").ok());
    QVERIFY(check.exec("INSERT INTO flows_body_fts(flows_body_fts, rank) VALUES('integrity-check', 0)").ok());
  }

  void pagesSortAndFilter() {
    auto store = create("pages.pxsession");
    std::vector<Flow> flows;
    for (uint64_t id = 1; id <= 50; ++id) {
      Flow f = makeFlow(id, id % 2 ? "odd.test" : "even.test", "/item/" + std::to_string(id), id % 5 ? 200 : 500);
      f.timing.end = f.timing.start + static_cast<int64_t>((id * 37) % 101) * 1000;
      flows.push_back(f);
    }
    QVERIFY(store->insert(flows).ok());
    auto reader = std::move(store->openReader().value());
    FlowPageRequest req;
    req.sort = FlowSortColumn::Duration;
    req.descending = true;
    req.limit = 3;
    auto page = reader->page(req).value();
    QCOMPARE(page.size(), size_t(3));
    QVERIFY(page[0].durationUs >= page[1].durationUs && page[1].durationUs >= page[2].durationUs);
    int64_t maxDuration = 0;
    for (const auto& f : flows) maxDuration = std::max(maxDuration, f.timing.durationMicros());
    QCOMPARE(page[0].durationUs, maxDuration);
    req.offset = 48;
    QCOMPARE(reader->page(req).value().size(), size_t(2));
    req = {};
    req.filter = {"host = ? AND status >= ?", {std::string("even.test"), int64_t{500}}};
    page = reader->page(req).value();
    QCOMPARE(page.size(), size_t(5));  // 10, 20, 30, 40, 50
    QCOMPARE(page.front().id, uint64_t{10});
    QCOMPARE(page.front().path, std::string("/item/10"));
    QCOMPARE(reader->ids({"status = 500", {}}).value().size(), size_t(10));
    std::vector<uint64_t> visited;
    auto n = reader->forEachFlow({"host = ?", {std::string("odd.test")}}, [&](const Flow& f) {
      visited.push_back(f.id);
      return f.id < 41;
    });
    QCOMPARE(n.value(), int64_t{21});  // 1, 3, ..., 41 then stop
    QCOMPARE(visited.front(), uint64_t{1});
    QCOMPARE(visited.back(), uint64_t{41});
    QCOMPARE(reader->forEachFlow({}, [](const Flow&) { return true; }).value(), int64_t{50});
    QCOMPARE(reader->fullTextPending().value(), int64_t{0});
    QVERIFY(!reader->count({"no_such_column = 1", {}}).ok());  // bad filter SQL is an error, not a crash
  }

  void fullTextCountsAndPagesAgreeWithAScan() {
    // More matches than FlowReader's common-term threshold (20,000), so pages take the per-row probe.
    auto store = create("fts-pages.pxsession");
    std::vector<Flow> flows;
    for (uint64_t id = 1; id <= 33'000; ++id) {
      std::string body = id % 3 ? "plenty of commonword here" : "nothing to see";
      if (id % 1000 == 7) body += " rareword";
      Flow f = makeFlow(id, "h" + std::to_string(id % 10) + ".test", "/", 200, body);
      f.timing.end = f.timing.start + static_cast<int64_t>((id * 7919) % 100'003);
      flows.push_back(std::move(f));
    }
    QVERIFY(store->insert(flows).ok());
    auto reader = std::move(store->openReader().value());
    const SqlFilter word = wordFilter("commonword");
    const SqlFilter forms[] = {word, {" ((" + word.where + ")) ", word.params}};
    const SqlFilter scan{"id % 3 != 0", {}};
    for (const auto& common : forms) {
      QCOMPARE(reader->count(common).value(), int64_t{22'000});
      QCOMPARE(reader->countUpTo(common, 500).value(), int64_t{500});
      for (auto sort : {FlowSortColumn::Id, FlowSortColumn::Duration, FlowSortColumn::Host}) {
        for (bool descending : {false, true}) {
          FlowPageRequest a;
          a.filter = common;
          a.sort = sort;
          a.descending = descending;
          a.limit = 40;
          a.offset = 25;
          FlowPageRequest b = a;
          b.filter = scan;
          auto pa = reader->page(a).value();
          auto pb = reader->page(b).value();
          QCOMPARE(pa.size(), size_t(40));
          for (size_t i = 0; i < pa.size(); ++i) QCOMPARE(pa[i].id, pb[i].id);
        }
      }
    }
    const auto rare = wordFilter("rareword");
    QCOMPARE(reader->count(rare).value(), int64_t{33});
    QCOMPARE(reader->countUpTo(rare, 1000).value(), int64_t{33});
    FlowPageRequest r;
    r.filter = rare;
    r.sort = FlowSortColumn::Duration;
    QCOMPARE(reader->page(r).value().size(), size_t(33));
    // A filter combining full text with another predicate takes the general path.
    SqlFilter both{"host = ? AND " + rare.where, {std::string("h7.test")}};
    both.params.insert(both.params.end(), rare.params.begin(), rare.params.end());
    QCOMPARE(reader->count(both).value(), int64_t{33});
    QCOMPARE(reader->countUpTo(both, 10).value(), int64_t{10});
  }

  void retentionKeepsTheNewest() {
    StoreOptions options;
    options.retention.maxFlows = 100;
    auto store = create("retention.pxsession", options);
    for (uint64_t start = 1; start <= 250; start += 50) {
      std::vector<Flow> chunk;
      for (uint64_t id = start; id < start + 50; ++id) chunk.push_back(makeFlow(id));
      QVERIFY(store->insert(chunk).ok());
    }
    auto reader = std::move(store->openReader().value());
    QCOMPARE(reader->count().value(), int64_t{100});
    QCOMPARE(reader->ids({}).value().front(), uint64_t{151});
    QCOMPARE(reader->count(ftsMatch("hello")).value(), int64_t{100});  // FTS rows went with them

    store->setRetention({0, 10'000});  // bytes: 1000-byte bodies → at most 10 flows
    std::vector<Flow> big;
    for (uint64_t id = 300; id < 320; ++id) big.push_back(makeFlow(id, "big.test", "/", 200, std::string(1000, 'x')));
    QVERIFY(store->insert(big).ok());
    QCOMPARE(reader->count().value(), int64_t{10});
    QCOMPARE(reader->ids({}).value().front(), uint64_t{310});
    QVERIFY(store->stats().retentionRemoved >= 240);
  }

  void decodeContentEdgeCases() {
    const std::string text(5000, 'a');
    QCOMPARE(decodeTruncatedContent(ps::test::gzipEncode(text), "gzip").value(), text);
    // Two codings, applied in order: gzip then br (RFC 9110 8.4) → undone br first.
    QCOMPARE(decodeTruncatedContent(ps::test::brotliEncode(ps::test::gzipEncode(text)), "gzip, br").value(), text);
    QCOMPARE(decodeTruncatedContent(ps::test::zstdEncode(text), "zstd").value(), text);
    std::string longText = "truncated capture still decodes partly";
    std::mt19937 rng(7);
    while (longText.size() < 400000) longText += " w" + std::to_string(rng() % 1000000);
    for (const auto& [coding, encoded] : {std::pair<const char*, std::string>{"gzip", ps::test::gzipEncode(longText)},
                                          {"br", ps::test::brotliEncode(longText)}, {"zstd", ps::test::zstdEncode(longText)}}) {
      const std::string cut = encoded.substr(0, encoded.size() / 2);
      auto partial = decodeTruncatedContent(cut, coding);
      QVERIFY2(partial.has_value(), coding);
      QVERIFY2(partial->rfind("truncated capture", 0) == 0, coding);
      // A truncated textual body stays searchable; a complete one must decode whole.
      Headers h{{"Content-Type", "text/plain"}, {"Content-Encoding", coding}};
      QVERIFY2(bodyText(cut, h, true).has_value(), coding);
      QVERIFY2(!bodyText(cut, h, false).has_value(), coding);
      QCOMPARE(bodyText(encoded, h, false).value(), longText);
    }
    QVERIFY(!decodeTruncatedContent("not gzip at all", "gzip").has_value());
    QVERIFY(!decodeTruncatedContent("x", "compress").has_value());
    QVERIFY(isTextualMediaType("application/problem+json; charset=utf-8"));
    QVERIFY(!isTextualMediaType("image/jpeg"));
    QVERIFY(!bodyText(std::string("\0\1\2", 3), Headers{}).has_value());  // sniffed binary
    QCOMPARE(bodyText("plain", Headers{}).value(), std::string("plain"));
  }
};

QTEST_APPLESS_MAIN(TestFlowStore)
#include "test_flow_store.moc"
