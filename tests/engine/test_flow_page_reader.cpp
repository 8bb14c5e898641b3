// engine/store/flow_page_reader: the ordered ids of a store-backed table and the rows of a block of
// ids, on a real session file. Every order is compared with SQL written here, including the paths
// the reader takes on its own (ids sorted in C++ for arrival order; sort keys by primary key under
// a filter, NULL statuses first ascending and last descending, as SQLite orders them).
#include <QtTest>

#include <filesystem>

#include "engine/query/filter.h"
#include "engine/store/flow_page_reader.h"
#include "engine/store/flow_reader.h"
#include "engine/store/flow_store.h"
#include "tests/support/store_test_support.h"

using namespace ps::engine;

namespace {

constexpr uint64_t kFlows = 600;

SqlFilter sqlOf(const std::string& text) {
  auto parsed = parseFilter(text);
  return parsed.ok() ? parsed.filter->toSql() : SqlFilter{"0", {}};
}

}  // namespace

class TestFlowPageReader : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    m_dir = ps::test::makeTempDir("flow_page_reader");
    m_path = m_dir + "/pages.pxsession";
    StoreOptions options;
    options.mode = OpenMode::Create;
    auto store = FlowStore::open(m_path, options);
    QVERIFY(store);
    static const char* const kHosts[] = {"b.example", "a.example", "c.example"};
    static const char* const kPaths[] = {"/z", "/a", "/m", "/b"};
    std::vector<Flow> flows;
    for (uint64_t id = 1; id <= kFlows; ++id) {
      Flow f = ps::test::makeFlow(id, kHosts[id % 3], kPaths[id % 4], id % 5 == 0 ? 404 : 200);
      if (id % 11 == 0) f.response.reset();  // no response: status NULL
      f.clientAddress = "10.0.0." + std::to_string(id % 7) + ":5000";
      flows.push_back(std::move(f));
    }
    QVERIFY((*store)->insert(flows, false));
  }

  void cleanupTestCase() { std::filesystem::remove_all(m_dir); }

  void ordersWithoutFilter() {
    auto reader = std::move(FlowReader::open(m_path).value());
    auto byId = orderedFlowIds(*reader, {}, FlowOrder::Id, false);
    QVERIFY(byId);
    QCOMPARE(*byId, ps::test::sqlIds(m_path, "SELECT id FROM flows ORDER BY id"));
    auto byIdDown = orderedFlowIds(*reader, {}, FlowOrder::Id, true);
    QCOMPARE(*byIdDown, ps::test::sqlIds(m_path, "SELECT id FROM flows ORDER BY id DESC"));
    auto byDuration = orderedFlowIds(*reader, {}, FlowOrder::Duration, true);
    QCOMPARE(*byDuration, ps::test::sqlIds(m_path, "SELECT id FROM flows ORDER BY duration_us DESC, id DESC"));
    // Sizes ride in flows_start with duration (read from that index, sorted in memory; NULL first).
    auto bySize = orderedFlowIds(*reader, {}, FlowOrder::ResSize, false);
    QCOMPARE(*bySize, ps::test::sqlIds(m_path, "SELECT id FROM flows ORDER BY res_size ASC, id ASC"));
    auto byReqSize = orderedFlowIds(*reader, {}, FlowOrder::ReqSize, true);
    QCOMPARE(*byReqSize, ps::test::sqlIds(m_path, "SELECT id FROM flows ORDER BY req_size DESC, id DESC"));
    auto byStatus = orderedFlowIds(*reader, {}, FlowOrder::Status, false);
    QCOMPARE(*byStatus, ps::test::sqlIds(m_path, "SELECT id FROM flows ORDER BY status, id"));
    QCOMPARE(byStatus->front(), uint64_t{11});  // NULL (no response) first, ascending
    auto byClient = orderedFlowIds(*reader, {}, FlowOrder::Client, false);
    QCOMPARE(*byClient, ps::test::sqlIds(m_path, "SELECT id FROM flows ORDER BY client, id"));
  }

  void ordersUnderAFilter() {
    auto reader = std::move(FlowReader::open(m_path).value());
    const SqlFilter host = sqlOf("host:a.example");
    auto byId = orderedFlowIds(*reader, host, FlowOrder::Id, false);
    QVERIFY(byId);
    QCOMPARE(*byId, ps::test::sqlIds(m_path, "SELECT id FROM flows WHERE host = 'a.example' ORDER BY id"));
    QCOMPARE(byId->size(), size_t{kFlows / 3});
    auto byPath = orderedFlowIds(*reader, host, FlowOrder::Path, false);
    QCOMPARE(*byPath, ps::test::sqlIds(m_path, "SELECT id FROM flows WHERE host = 'a.example' ORDER BY path, id"));
    auto byStatusUp = orderedFlowIds(*reader, host, FlowOrder::Status, false);
    QCOMPARE(*byStatusUp, ps::test::sqlIds(m_path, "SELECT id FROM flows WHERE host = 'a.example' ORDER BY status, id"));
    auto byStatusDown = orderedFlowIds(*reader, host, FlowOrder::Status, true);
    QCOMPARE(*byStatusDown, ps::test::sqlIds(m_path, "SELECT id FROM flows WHERE host = 'a.example' ORDER BY status DESC, id DESC"));
    auto byDuration = orderedFlowIds(*reader, sqlOf("status:404"), FlowOrder::Duration, true);
    QCOMPARE(*byDuration, ps::test::sqlIds(m_path, "SELECT id FROM flows WHERE status = 404 ORDER BY duration_us DESC, id DESC"));
    // Full text, its last token a prefix (narrowed to the body index's terms): every response says
    // "hello"; flows without one have no body.
    auto byText = orderedFlowIds(*reader, sqlOf("hell"), FlowOrder::Duration, true);
    QCOMPARE(*byText, ps::test::sqlIds(m_path, "SELECT id FROM flows WHERE status IS NOT NULL ORDER BY duration_us DESC, id DESC"));
    auto byTextHost = orderedFlowIds(*reader, sqlOf("hello host:a.example"), FlowOrder::Id, false);
    QCOMPARE(*byTextHost,
             ps::test::sqlIds(m_path, "SELECT id FROM flows WHERE status IS NOT NULL AND host = 'a.example' ORDER BY id"));
    auto none = orderedFlowIds(*reader, sqlOf("host:nowhere.invalid"), FlowOrder::Host, false);
    QVERIFY(none && none->empty());
    auto bad = orderedFlowIds(*reader, SqlFilter{"no_such_column = 1", {}}, FlowOrder::Id, false);
    QVERIFY(!bad);
  }

  void rowsOfABlock() {
    auto reader = std::move(FlowReader::open(m_path).value());
    auto rows = flowTableRows(*reader, {22, 7, 999'999, 5});
    QVERIFY(rows);
    QCOMPARE(rows->size(), size_t{3});  // the unknown id is skipped, the order kept
    QCOMPARE((*rows)[0].summary.id, uint64_t{22});
    QCOMPARE((*rows)[0].summary.status, 0);  // 22 % 11 == 0: no response
    QCOMPARE((*rows)[1].summary.id, uint64_t{7});
    QCOMPARE((*rows)[1].summary.host, std::string("a.example"));
    QCOMPARE((*rows)[1].summary.path, std::string("/b"));
    QCOMPARE((*rows)[1].client, std::string("10.0.0.0:5000"));
    QCOMPARE((*rows)[1].scheme, std::string("http"));
    QCOMPARE((*rows)[1].port, 80);
    QCOMPARE((*rows)[2].summary.status, 404);
    QCOMPARE((*rows)[2].summary.type, std::string("text/plain; charset=utf-8"));
  }

 private:
  std::string m_dir;
  std::string m_path;
};

QTEST_APPLESS_MAIN(TestFlowPageReader)
#include "test_flow_page_reader.moc"
