// Session files: kill -9 of a capturing process loses at most the batch in flight; saveAs during a
// write storm gives a consistent copy; corrupt and foreign files are refused and left untouched;
// nothing is overwritten without the explicit flag; read-only and append modes.
//
// The crash test re-executes this binary with `--capture-child SESSION`: the child captures flows
// continuously through a FlowStore until the parent kills it with SIGKILL.
#include <QtTest>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include "engine/core/event_hub.h"
#include "engine/store/flow_record.h"
#include "engine/store/flow_stage.h"
#include "engine/store/flow_store.h"
#include "engine/store/sqlite_db.h"
#include "tests/support/store_test_support.h"

using namespace ps::engine;
using ps::test::makeFlow;

namespace {

void publishFlow(EventHub& hub, uint64_t id) {
  Flow f = makeFlow(id, "crash.test", "/n/" + std::to_string(id), 200, "body of flow " + std::to_string(id));
  Flow started = f;
  started.response.reset();
  hub.publish(FlowEvent{FlowEventType::Started, id, std::make_shared<const Flow>(std::move(started)), {}});
  hub.publish(FlowEvent{FlowEventType::Finished, id, std::make_shared<const Flow>(std::move(f)), {}});
}

// Child mode: capture forever (the parent kills us). Exits non-zero if the store cannot open.
int runCaptureChild(const char* sessionPath) {
  auto store = FlowStore::open(sessionPath, {OpenMode::Create, false, {}, FlowStore::kMaxBatchEvents});
  if (!store) return 3;
  EventHub hub;
  if (!(*store)->attach(hub)) return 4;
  for (uint64_t id = 1;; ++id) {
    publishFlow(hub, id);
    if (id % 200 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

std::string selfExe() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

std::string fileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void writeFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

// The flow ids of the whole records in a stage file from offset (its framing: flow_stage.h).
std::vector<uint64_t> stagedIds(const std::string& stagePath, int64_t offset) {
  const std::string bytes = fileBytes(stagePath);
  std::vector<uint64_t> ids;
  for (size_t at = static_cast<size_t>(std::max<int64_t>(0, offset)); at + 5 <= bytes.size();) {
    uint32_t length = 0;
    for (int i = 0; i < 4; ++i)
      length |= static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + static_cast<size_t>(i)])) << (8 * i);
    if (at + 5 + length > bytes.size()) break;  // the write in flight
    if (auto flow = decodeFlowRecord(std::string_view(bytes).substr(at + 5, length))) ids.push_back(flow->id);
    at += 5 + length;
  }
  return ids;
}

std::string integrity(const std::string& path) {
  auto db = SqliteDb::open(path, SqliteDb::Access::ReadOnly);
  if (!db) return db.error().message;
  auto stmt = db->prepare("PRAGMA integrity_check");
  if (!stmt) return stmt.error().message;
  if (!stmt->step().value()) return "no row";
  return stmt->columnText(0);
}

}  // namespace

class TestStoreSessions : public QObject {
  Q_OBJECT
 private:
  std::string m_dir;
  std::string path(const char* name) { return m_dir + "/" + name; }

 private slots:
  void initTestCase() { m_dir = ps::test::makeTempDir("store-sessions-test"); }
  void cleanupTestCase() { std::filesystem::remove_all(m_dir); }

  void killNineLosesAtMostTheLastBatch() {
    const std::string session = path("crash.pxsession");
    const std::string exe = selfExe();
    pid_t pid = fork();
    QVERIFY(pid >= 0);
    if (pid == 0) {
      execl(exe.c_str(), exe.c_str(), "--capture-child", session.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    // Wait (with a deadline) until the child has committed a good number of flows, then kill it
    // mid-capture. A storm like this one is staged (flow_stage.h): committed as records, turned into
    // rows when the capture is quiet, which it never is here. Both are in the file.
    // A flow may be in both (its Started snapshot a row, its Finished one a record, when the capture
    // turned busy between them): flows are counted by id.
    int64_t seen = 0;
    int64_t stagedSeen = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline && seen < 3000) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      if (auto reader = FlowReader::open(session)) {
        auto rows = (*reader)->ids({});
        auto promoted = (*reader)->db().queryInt(
            "SELECT coalesce((SELECT CAST(value AS INTEGER) FROM session_info WHERE key = 'stage_offset'), 0)");
        if (rows && promoted) {
          std::set<uint64_t> ids(rows->begin(), rows->end());
          const std::vector<uint64_t> staged = stagedIds(FlowStage::pathFor(session), *promoted);
          ids.insert(staged.begin(), staged.end());
          seen = static_cast<int64_t>(ids.size());
          stagedSeen = std::max(stagedSeen, static_cast<int64_t>(staged.size()));
        }
      }
      int status = 0;
      if (waitpid(pid, &status, WNOHANG) == pid) QFAIL("capture child exited on its own");
    }
    kill(pid, SIGKILL);
    int status = 0;
    QCOMPARE(waitpid(pid, &status, 0), pid);
    QVERIFY(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    QVERIFY2(seen >= 3000, "the child did not capture in time");

    QVERIFY2(stagedSeen > 0, "the storm was not staged");

    // The file opens for appending (WAL recovery; staged flows become rows) and holds a prefix of the
    // capture: ids 1..N without a gap, every flow but possibly the last one complete.
    auto store = FlowStore::open(session, {OpenMode::Append, false, {}, FlowStore::kMaxBatchEvents});
    QVERIFY2(store.ok(), store.ok() ? "" : store.error().message.c_str());
    QCOMPARE((*store)->stats().staged, int64_t{0});
    QCOMPARE(FlowStage::countRecords(FlowStage::pathFor(session)), int64_t{0});
    auto reader = std::move((*store)->openReader().value());
    const int64_t count = reader->count().value();
    QVERIFY(count >= seen);
    auto maxId = reader->db().queryInt("SELECT max(id) FROM flows").value();
    QCOMPARE(maxId, count);
    QVERIFY(reader->count({"complete = 0", {}}).value() <= 1);
    // Full-text indexing lags the rows; what it has left survived the kill with them (queue and
    // watermark): every flow is either indexed or pending, and indexing the rest completes the index.
    // (flows_fts_docsize holds one row per indexed document.)
    const int64_t indexed = reader->db().queryInt("SELECT count(*) FROM flows_fts_docsize").value();
    QCOMPARE(indexed + reader->fullTextPending().value(), count);
    QCOMPARE(reader->count({"id IN (SELECT rowid FROM flows_fts WHERE flows_fts MATCH 'crash')", {}}).value(), indexed);
    QCOMPARE((*store)->indexFullText().value(), count - indexed);
    QCOMPARE(reader->count({"id IN (SELECT rowid FROM flows_fts WHERE flows_fts MATCH 'crash')", {}}).value(), count);
    QCOMPARE(integrity(session), std::string("ok"));
    // Appending continues after the recovered flows.
    QVERIFY((*store)->insert({makeFlow(static_cast<uint64_t>(count + 1))}).ok());
    QCOMPARE(reader->count().value(), count + 1);
  }

  void saveAsDuringAWriteStormIsConsistent() {
    EventHub hub;  // declared first: the store leaves it when it is destroyed
    auto store = std::move(FlowStore::open(path("live.pxsession"), {OpenMode::Create, false, {}, 4096}).value());
    QVERIFY(store->attach(hub).ok());
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> published{0};
    std::thread storm([&] {
      for (uint64_t id = 1; !stop; ++id) {
        publishFlow(hub, id);
        published = id;
        if (id % 500 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    });
    QTRY_VERIFY_WITH_TIMEOUT(store->stats().flowsWritten + store->stats().snapshotsStaged > 2000, 20000);
    int64_t previous = 0;
    for (int i = 0; i < 3; ++i) {
      const std::string copy = path(("copy" + std::to_string(i) + ".pxsession").c_str());
      auto saved = store->saveAs(copy);
      QVERIFY2(saved.ok(), saved.ok() ? "" : saved.error().message.c_str());
      QCOMPARE(integrity(copy), std::string("ok"));
      auto reader = FlowReader::open(copy);
      QVERIFY2(reader.ok(), reader.ok() ? "" : reader.error().message.c_str());
      const int64_t n = (*reader)->count().value();
      QVERIFY(n > 0 && n >= previous);
      // A consistent snapshot: committed batches only, so ids 1..n with no hole.
      QCOMPARE((*reader)->db().queryInt("SELECT max(id) FROM flows").value(), n);
      previous = n;
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
    }
    stop = true;
    storm.join();
    store->flush();
    QCOMPARE(store->openReader().value()->count().value(), static_cast<int64_t>(published.load()));
    // The copy is never written over without the flag; with it, it is replaced.
    const std::string target = path("copy0.pxsession");
    auto refused = store->saveAs(target);
    QVERIFY(!refused.ok());
    QVERIFY(QString::fromStdString(refused.error().message).contains("refusing to overwrite"));
    QVERIFY(store->saveAs(target, true).ok());
    QCOMPARE(FlowReader::open(target).value()->count().value(), static_cast<int64_t>(published.load()));
    QVERIFY(!store->saveAs(store->path(), true).ok());
  }

  void corruptAndForeignFilesAreRefused() {
    // Random bytes.
    const std::string garbage = path("garbage.pxsession");
    std::mt19937 rng(1234);
    std::string bytes(64 * 1024, '\0');
    for (auto& c : bytes) c = static_cast<char>(rng());
    writeFile(garbage, bytes);
    for (OpenMode mode : {OpenMode::ReadOnly, OpenMode::Append, OpenMode::CreateOrAppend}) {
      auto r = FlowStore::open(garbage, {mode, false, {}, 4096});
      QVERIFY(!r.ok());
      QVERIFY2(QString::fromStdString(r.error().message).contains("not a Proxyscope session"), r.error().message.c_str());
    }
    QVERIFY(!FlowReader::open(garbage).ok());
    QCOMPARE(fileBytes(garbage), bytes);  // untouched

    // A foreign SQLite database.
    const std::string foreign = path("foreign.db");
    {
      auto db = SqliteDb::open(foreign, SqliteDb::Access::ReadWriteCreate).value();
      QVERIFY(db.exec("CREATE TABLE flows (id INTEGER PRIMARY KEY, x TEXT); INSERT INTO flows VALUES (1, 'mine');").ok());
    }
    const std::string foreignBytes = fileBytes(foreign);
    auto r = FlowStore::open(foreign, {OpenMode::CreateOrAppend, false, {}, 4096});
    QVERIFY(!r.ok());
    QVERIFY2(QString::fromStdString(r.error().message).contains("SQLite database but not a Proxyscope session"),
             r.error().message.c_str());
    QCOMPARE(fileBytes(foreign), foreignBytes);

    // Our application id but another format version.
    const std::string future = path("future.pxsession");
    (void)FlowStore::open(future, {OpenMode::Create, false, {}, 4096}).value();
    {
      auto db = SqliteDb::open(future, SqliteDb::Access::ReadWrite).value();
      QVERIFY(db.exec("PRAGMA user_version = 99").ok());
    }
    r = FlowStore::open(future, {OpenMode::ReadOnly, false, {}, 4096});
    QVERIFY(!r.ok());
    QVERIFY2(QString::fromStdString(r.error().message).contains("format version 99"), r.error().message.c_str());

    // An empty file is not a session either.
    writeFile(path("empty.pxsession"), "");
    QVERIFY(!FlowStore::open(path("empty.pxsession"), {OpenMode::Append, false, {}, 4096}).ok());

    // Create refuses any existing file without the flag, replaces it with the flag.
    r = FlowStore::open(foreign, {OpenMode::Create, false, {}, 4096});
    QVERIFY(!r.ok());
    QVERIFY(QString::fromStdString(r.error().message).contains("refusing to overwrite"));
    QCOMPARE(fileBytes(foreign), foreignBytes);
    r = FlowStore::open(foreign, {OpenMode::Create, true, {}, 4096});
    QVERIFY(r.ok());
    QCOMPARE((*r)->openReader().value()->count().value(), int64_t{0});
  }

  void openModes() {
    const std::string session = path("modes.pxsession");
    QVERIFY(!FlowStore::open(session, {OpenMode::Append, false, {}, 4096}).ok());  // missing
    {
      auto store = FlowStore::open(session, {}).value();  // CreateOrAppend creates
      QCOMPARE(store->nextFlowId(), uint64_t{1});
      QVERIFY(store->insert({makeFlow(1), makeFlow(2)}).ok());
    }
    {
      auto store = FlowStore::open(session, {}).value();  // CreateOrAppend appends
      QCOMPARE(store->nextFlowId(), uint64_t{3});
      QVERIFY(store->insert({makeFlow(3)}).ok());
      QCOMPARE(store->openReader().value()->count().value(), int64_t{3});
    }
    auto ro = FlowStore::open(session, {OpenMode::ReadOnly, false, {}, 4096}).value();
    QVERIFY(ro->readOnly());
    QCOMPARE(ro->nextFlowId(), uint64_t{4});
    QVERIFY(!ro->insert({makeFlow(4)}).ok());
    EventHub hub;
    QVERIFY(!ro->attach(hub).ok());
    QCOMPARE(ro->openReader().value()->count().value(), int64_t{3});
    QVERIFY(ro->saveAs(path("from-readonly.pxsession")).ok());
    QCOMPARE(FlowReader::open(path("from-readonly.pxsession")).value()->count().value(), int64_t{3});
    QCOMPARE(FlowStore::defaultSessionPath("/data/dir"), std::string("/data/dir/autosave.pxsession"));
  }
};

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "--capture-child") == 0) return runCaptureChild(argv[2]);
  TestStoreSessions test;
  return QTest::qExec(&test, argc, argv);
}
#include "test_store_sessions.moc"
