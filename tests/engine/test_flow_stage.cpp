// The session's staging file (engine/store/flow_stage.h): a busy capture is written as records and
// turned into rows when the capture is quiet, when a caller waits (flush), when the store closes, or
// when the next writer opens a file a killed one left. The rows are the ones a direct write makes;
// past the cap the stage stops growing and still promotes in order (a newer snapshot is never
// overwritten by an older one); a damaged record is reported and does not block the queue.
#include <QtTest>

#include <filesystem>
#include <fstream>

#include "engine/core/event_hub.h"
#include "engine/store/flow_record.h"
#include "engine/store/flow_stage.h"
#include "engine/store/flow_store.h"
#include "engine/store/sqlite_db.h"
#include "tests/support/store_test_support.h"

using namespace ps::engine;
using ps::test::makeFlow;

namespace {

void publish(EventHub& hub, FlowEventType type, const Flow& flow) {
  hub.publish(FlowEvent{type, flow.id, std::make_shared<const Flow>(flow), {}});
}

// Flows unlike each other: methods, bodies (binary, empty, gzip-free text), errors, tags.
Flow variedFlow(uint64_t id) {
  Flow f = makeFlow(id, "h" + std::to_string(id % 5) + ".test", "/p/" + std::to_string(id) + "?q=" + std::to_string(id),
                    200 + static_cast<int>(id % 4), "body " + std::to_string(id));
  if (id % 3 == 0) {
    f.request.method = "POST";
    f.request.headers.add("Content-Type", "application/octet-stream");
    f.request.body.captured = std::string("\0\x01\x02", 3) + std::to_string(id);
    f.request.body.size = f.request.body.captured.size() + 1000;  // truncated capture
  }
  if (id % 7 == 0) {
    f.response.reset();
    f.error = FlowError{ErrorKind::UpstreamConnect, "connect to 127.0.0.1:9 failed: refused"};
  }
  if (id % 11 == 0) f.tags = {"replay"};
  return f;
}

// A flow as its row reads back, in one comparable form.
std::string stored(FlowReader& reader, uint64_t id) {
  auto flow = reader.loadFlow(id);
  if (!flow) return "missing: " + flow.error().message;
  std::string out;
  encodeFlowRecord(*flow, out);
  return out;
}

// Holds the session's write lock, so that everything published meanwhile reaches the writer as one
// big (busy) batch once it is released.
struct WriteLock {
  explicit WriteLock(const std::string& path) : db(SqliteDb::open(path, SqliteDb::Access::ReadWrite).value()) {
    if (!db.exec("BEGIN IMMEDIATE")) qFatal("cannot lock %s", path.c_str());
  }
  void release() { (void)db.exec("COMMIT"); }
  SqliteDb db;
};

int64_t stagedRecords(const std::string& session) { return FlowStage::countRecords(FlowStage::pathFor(session)); }

}  // namespace

class TestFlowStage : public QObject {
  Q_OBJECT
 private:
  std::string m_dir;
  std::string path(const char* name) { return m_dir + "/" + name; }

  std::unique_ptr<FlowStore> create(const char* name, StoreOptions options = {}) {
    return ps::test::createSession(path(name), options);
  }

 private slots:
  void initTestCase() { m_dir = ps::test::makeTempDir("flow-stage-test"); }
  void cleanupTestCase() { std::filesystem::remove_all(m_dir); }

  void aBurstIsStagedThenPromotedToTheSameRows() {
    constexpr uint64_t kFlows = 3000;
    // The reference: the same flows written straight to rows.
    auto direct = create("direct.pxsession", [] {
      StoreOptions o;
      o.maxStagedSnapshots = 0;
      return o;
    }());
    std::vector<Flow> flows;
    for (uint64_t id = 1; id <= kFlows; ++id) flows.push_back(variedFlow(id));
    QVERIFY(direct->insert(flows).ok());

    EventHub hub;
    auto store = create("burst.pxsession");
    WriteLock lock(path("burst.pxsession"));
    QVERIFY(store->attach(hub).ok());
    for (const auto& f : flows) {
      Flow started = f;
      started.response.reset();
      publish(hub, FlowEventType::Started, started);
      publish(hub, FlowEventType::Finished, f);
    }
    lock.release();
    QTRY_VERIFY_WITH_TIMEOUT(store->stats().snapshotsStaged > 0, 10000);
    store->flush(false);  // rows: everything staged is promoted
    const auto stats = store->stats();
    QCOMPARE(stats.staged, int64_t{0});
    QVERIFY2(stats.flowsPromoted >= kFlows / 2, std::to_string(stats.flowsPromoted).c_str());
    QCOMPARE(stats.failedBatches, uint64_t{0});
    QVERIFY2(stats.lastError.empty(), stats.lastError.c_str());

    auto reader = store->openReader().value();
    auto reference = direct->openReader().value();
    QCOMPARE(reader->count().value(), int64_t{kFlows});
    QCOMPARE(reader->count({"complete = 1", {}}).value(), int64_t{kFlows});
    QCOMPARE(stagedRecords(path("burst.pxsession")), int64_t{0});  // emptied once promoted
    for (uint64_t id = 1; id <= kFlows; ++id) {
      const std::string got = stored(*reader, id);
      if (got != stored(*reference, id)) QFAIL(("flow " + std::to_string(id) + " differs from its direct row").c_str());
    }
    // Full text follows the promoted rows.
    store->flush(true);
    QCOMPARE(reader->fullTextPending().value(), int64_t{0});
    QCOMPARE(reader->count({"id IN (SELECT rowid FROM flows_fts WHERE flows_fts MATCH 'h3')", {}}).value(),
             int64_t{kFlows / 5});
  }

  void aQuietCaptureWritesRowsAtOnce() {
    EventHub hub;
    auto store = create("quiet.pxsession");
    QVERIFY(store->attach(hub).ok());
    for (uint64_t id = 1; id <= 20; ++id) {
      publish(hub, FlowEventType::Finished, variedFlow(id));
      store->flush(false);
    }
    QCOMPARE(store->stats().snapshotsStaged, uint64_t{0});
    QCOMPARE(store->openReader().value()->count().value(), int64_t{20});
  }

  void pastTheCapANewerSnapshotIsNotOverwritten() {
    // Cap 1: from the first busy batch (every flow's Started snapshot) on, each snapshot staged
    // takes one promotion, oldest first; the Finished snapshots that follow must end up the rows.
    StoreOptions options;
    options.maxStagedSnapshots = 1;
    EventHub hub;
    auto store = create("cap.pxsession", options);
    constexpr uint64_t kFlows = 400;
    {
      WriteLock lock(path("cap.pxsession"));
      QVERIFY(store->attach(hub).ok());
      for (uint64_t id = 1; id <= kFlows; ++id) {
        Flow started = variedFlow(id);
        started.response.reset();
        started.error.reset();
        publish(hub, FlowEventType::Started, started);
      }
      lock.release();
    }
    QTRY_COMPARE_WITH_TIMEOUT(store->stats().snapshotsStaged, uint64_t{kFlows}, 10000);
    QVERIFY(store->stats().staged <= 1);  // the cap held
    {
      WriteLock lock(path("cap.pxsession"));
      for (uint64_t id = 1; id <= kFlows; ++id) publish(hub, FlowEventType::Finished, variedFlow(id));
      lock.release();
    }
    store->flush(false);
    QCOMPARE(store->stats().snapshotsStaged, uint64_t{2 * kFlows});
    auto reader = store->openReader().value();
    QCOMPARE(reader->count({"complete = 1", {}}).value(), int64_t{kFlows});
    // A row with the response (or the error) of its Finished snapshot, for every flow.
    QCOMPARE(reader->count({"status IS NOT NULL OR error IS NOT NULL", {}}).value(), int64_t{kFlows});
    QCOMPARE(stagedRecords(path("cap.pxsession")), int64_t{0});
  }

  void closingPromotesEverything() {
    {
      EventHub hub;
      auto store = create("close.pxsession");
      WriteLock lock(path("close.pxsession"));
      QVERIFY(store->attach(hub).ok());
      for (uint64_t id = 1; id <= 1000; ++id) publish(hub, FlowEventType::Finished, variedFlow(id));
      lock.release();
      QTRY_VERIFY_WITH_TIMEOUT(store->stats().snapshotsStaged > 0, 10000);
    }  // detached and closed without a flush
    auto reader = FlowReader::open(path("close.pxsession")).value();
    QCOMPARE(reader->count().value(), int64_t{1000});
    QCOMPARE(stagedRecords(path("close.pxsession")), int64_t{0});
  }

  void aKilledWritersRecordsArePromotedAtTheNextOpen() {
    // What a writer killed mid-storm leaves: rows 1-2; records 3, 5 (started), a damaged one, 6, and
    // a last record cut short by the kill.
    const std::string file = path("killed.pxsession");
    {
      auto store = create("killed.pxsession");
      QVERIFY(store->insert({variedFlow(1), variedFlow(2)}).ok());
    }
    {
      auto stage = FlowStage::open(file, 0, false).value();
      stage.add(variedFlow(3), true);
      stage.add(variedFlow(5), false);
      QVERIFY(stage.write().ok());
    }
    {
      std::ofstream out(FlowStage::pathFor(file), std::ios::binary | std::ios::app);
      out.write("\x03\0\0\0\x01\x01\xff\xff", 8);  // framed, but no flow inside
    }
    {
      auto stage = FlowStage::open(file, 0, false).value();
      stage.add(variedFlow(6), true);
      QVERIFY(stage.write().ok());
    }
    {
      std::ofstream out(FlowStage::pathFor(file), std::ios::binary | std::ios::app);
      out.write("\x64\0\0\0\x01partial", 12);  // 100 bytes announced, 7 there
    }
    QCOMPARE(stagedRecords(file), int64_t{4});                              // the cut one is not counted
    QCOMPARE(FlowReader::open(file).value()->count().value(), int64_t{2});  // records are not rows yet

    StoreOptions append;
    append.mode = OpenMode::Append;
    auto store = FlowStore::open(file, append).value();
    const auto stats = store->stats();
    QVERIFY2(QString::fromStdString(stats.lastError).contains("was dropped"), stats.lastError.c_str());
    QCOMPARE(stats.staged, int64_t{0});
    QCOMPARE(store->nextFlowId(), uint64_t{7});
    auto reader = store->openReader().value();
    QCOMPARE(reader->ids({}).value(), (std::vector<uint64_t>{1, 2, 3, 5, 6}));
    QCOMPARE(reader->count({"complete = 1", {}}).value(), int64_t{4});  // 5 was staged as started
    QCOMPARE(reader->loadFlow(3).value().request.path, variedFlow(3).request.path);
    QCOMPARE(std::filesystem::file_size(FlowStage::pathFor(file)), uintmax_t{0});
    QCOMPARE(reader->db().queryInt("SELECT value FROM session_info WHERE key = 'stage_offset'").value(), int64_t{0});
  }

  void anOffsetPastTheEndMeansAllPromoted() {
    // The writer died after emptying the file and before resetting the offset: nothing is promoted
    // twice, and new records start from the beginning.
    const std::string file = path("offset.pxsession");
    {
      auto store = create("offset.pxsession");
      QVERIFY(store->insert({variedFlow(1)}).ok());
    }
    {
      auto db = SqliteDb::open(file, SqliteDb::Access::ReadWrite).value();
      QVERIFY(db.exec("INSERT OR REPLACE INTO session_info (key, value) VALUES ('stage_offset', '5000')").ok());
    }
    auto stage = FlowStage::open(file, 5000, false).value();
    QVERIFY(stage.drained());
    QCOMPARE(stage.readOffset(), int64_t{0});
    stage.add(variedFlow(2), true);
    QVERIFY(stage.write().ok());
    auto next = stage.next(10).value();
    QCOMPARE(next.size(), size_t{1});
    QCOMPARE(next[0].flow.id, uint64_t{2});
    QVERIFY(next[0].complete);
  }
};

QTEST_GUILESS_MAIN(TestFlowStage)
#include "test_flow_stage.moc"
