// FlowTableModel and its sort/filter proxy under QAbstractItemModelTester while batches insert
// and update rows.
#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

#include "ui/flow_filter_proxy.h"
#include "ui/flow_table_model.h"

using ps::ui::FlowBatch;
using ps::ui::FlowFilterProxy;
using ps::ui::FlowRow;
using ps::ui::FlowTableModel;

namespace {
FlowRow makeRow(uint64_t id, int status = 0) {
  FlowRow r;
  r.id = id;
  r.start = 1'700'000'000'000'000 + static_cast<int64_t>(id) * 1000;
  r.client = QStringLiteral("127.0.0.1:5%1").arg(id % 1000, 4, 10, QLatin1Char('0'));
  r.method = id % 2 ? QStringLiteral("GET") : QStringLiteral("POST");
  r.scheme = QStringLiteral("http");
  r.host = QStringLiteral("host%1.example").arg(id % 7);
  r.path = QStringLiteral("/p/%1").arg(id);
  r.status = status;
  r.requestSize = id % 3 ? 0 : 100;
  return r;
}
FlowRow finished(FlowRow r, int status, int64_t micros) {
  r.status = status;
  r.finished = true;
  r.durationMicros = micros;
  r.responseSize = static_cast<uint64_t>(micros);
  r.type = QStringLiteral("application/json");
  return r;
}
}  // namespace

class TestFlowTableModel : public QObject {
  Q_OBJECT

 private slots:
  void insertsAndUpdatesUnderTester() {
    FlowTableModel model;
    FlowFilterProxy proxy(&model);
    QAbstractItemModelTester modelTester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);

    // Batch 1: 100 new rows → one insertion.
    FlowBatch b1;
    for (uint64_t id = 1; id <= 100; ++id) b1.inserted.push_back(makeRow(id));
    model.applyBatch(b1);
    QCOMPARE(model.rowCount(), 100);
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(inserted.at(0).at(1).toInt(), 0);
    QCOMPARE(inserted.at(0).at(2).toInt(), 99);

    // Batch 2: updates for rows 10..19 and 50 plus 50 new rows → one insertion, two ranges.
    FlowBatch b2;
    for (uint64_t id = 101; id <= 150; ++id) b2.inserted.push_back(makeRow(id));
    for (uint64_t id = 10; id <= 19; ++id) b2.updated.push_back(finished(makeRow(id), 200, 1500));
    b2.updated.push_back(finished(makeRow(50), 503, 2'000'000));
    model.applyBatch(b2);
    QCOMPARE(model.rowCount(), 150);
    QCOMPARE(inserted.count(), 2);
    QCOMPARE(changed.count(), 2);
    QCOMPARE(changed.at(0).at(0).value<QModelIndex>().row(), 9);
    QCOMPARE(changed.at(0).at(1).value<QModelIndex>().row(), 18);
    QCOMPARE(model.rowOf(50), 49);
    QCOMPARE(model.row(49).status, 503);
    QCOMPARE(model.index(49, FlowTableModel::ColStatus).data().toString(), QStringLiteral("503"));
    QCOMPARE(model.index(9, FlowTableModel::ColDuration).data().toString(), QStringLiteral("1.5 ms"));
    QCOMPARE(model.index(49, FlowTableModel::ColDuration).data(FlowTableModel::SortRole).toLongLong(), 2'000'000LL);
    QCOMPARE(model.index(0, FlowTableModel::ColId).data(FlowTableModel::FlowIdRole).toULongLong(), 1ULL);

    // An "inserted" id the model already has is applied as an update (no duplicate row).
    FlowBatch b3;
    b3.inserted.push_back(finished(makeRow(1), 404, 10));
    model.applyBatch(b3);
    QCOMPARE(model.rowCount(), 150);
    QCOMPARE(model.row(0).status, 404);
  }

  void hostShowsANonDefaultPort() {
    FlowTableModel model;
    FlowBatch b;
    FlowRow plain = makeRow(1);
    FlowRow dev = makeRow(2);
    dev.host = QStringLiteral("127.0.0.1");
    dev.port = 3001;
    FlowRow v6 = makeRow(3);
    v6.host = QStringLiteral("::1");
    v6.port = 8443;
    b.inserted = {plain, dev, v6};
    model.applyBatch(b);
    QCOMPARE(model.index(0, FlowTableModel::ColHost).data().toString(), plain.host);
    QCOMPARE(model.index(1, FlowTableModel::ColHost).data().toString(), QStringLiteral("127.0.0.1:3001"));
    QCOMPARE(model.index(2, FlowTableModel::ColHost).data().toString(), QStringLiteral("[::1]:8443"));
  }

  void statusColoursAndErrors() {
    FlowTableModel model;
    FlowBatch b;
    b.inserted = {finished(makeRow(1), 200, 1), finished(makeRow(2), 301, 1), finished(makeRow(3), 404, 1),
                  finished(makeRow(4), 500, 1), makeRow(5)};
    FlowRow error = makeRow(6);
    error.errorKind = QStringLiteral("upstream-connect");
    error.errorMessage = QStringLiteral("connect to a:80: refused");
    error.finished = true;
    b.inserted.push_back(error);
    model.applyBatch(b);
    const auto colour = [&](int row) { return model.index(row, FlowTableModel::ColStatus).data(Qt::ForegroundRole).value<QColor>(); };
    QSet<QRgb> distinct;
    for (int r = 0; r < 4; ++r) {
      QVERIFY(colour(r).isValid());
      distinct.insert(colour(r).rgb());
    }
    QCOMPARE(distinct.size(), 4);  // 2xx, 3xx, 4xx, 5xx differ
    QCOMPARE(colour(5), colour(3));  // errors share the 5xx red
    QVERIFY(model.index(5, FlowTableModel::ColHost).data(Qt::ForegroundRole).value<QColor>().isValid());  // whole row
    QVERIFY(!model.index(0, FlowTableModel::ColHost).data(Qt::ForegroundRole).isValid());
    QCOMPARE(model.index(5, FlowTableModel::ColStatus).data().toString(), QStringLiteral("error"));
    QVERIFY(model.index(5, FlowTableModel::ColId).data(Qt::ToolTipRole).toString().contains(QLatin1String("refused")));
    QVERIFY(!model.index(5, FlowTableModel::ColId).data(Qt::DecorationRole).isNull());
    QCOMPARE(model.index(4, FlowTableModel::ColStatus).data().toString(), QStringLiteral("…"));  // in flight
  }

  void proxySortsNumericallyAndFilters() {
    FlowTableModel model;
    FlowFilterProxy proxy(&model);
    QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    FlowBatch b;
    // Durations 9 µs, 10 ms, 100 µs: text order differs from numeric order.
    b.inserted = {finished(makeRow(1), 200, 9), finished(makeRow(2), 200, 10'000), finished(makeRow(3), 404, 100)};
    model.applyBatch(b);
    proxy.sort(FlowTableModel::ColDuration, Qt::AscendingOrder);
    QCOMPARE(proxy.index(0, FlowTableModel::ColId).data().toString(), QStringLiteral("1"));
    QCOMPARE(proxy.index(1, FlowTableModel::ColId).data().toString(), QStringLiteral("3"));
    QCOMPARE(proxy.index(2, FlowTableModel::ColId).data().toString(), QStringLiteral("2"));

    // Live insert and update while sorted.
    FlowBatch b2;
    b2.inserted = {finished(makeRow(4), 200, 50)};
    b2.updated = {finished(makeRow(2), 200, 1)};
    model.applyBatch(b2);
    QCOMPARE(proxy.rowCount(), 4);
    QCOMPARE(proxy.index(0, FlowTableModel::ColId).data().toString(), QStringLiteral("2"));
    QCOMPARE(proxy.index(2, FlowTableModel::ColId).data().toString(), QStringLiteral("4"));

    proxy.setFilterText(QStringLiteral("404"));
    QCOMPARE(proxy.rowCount(), 1);
    proxy.setFilterText(QStringLiteral("get host1"));  // every word must match, any case
    QCOMPARE(proxy.rowCount(), 1);
    QCOMPARE(proxy.index(0, FlowTableModel::ColId).data().toString(), QStringLiteral("1"));
    FlowBatch b3;
    b3.inserted = {makeRow(8)};  // host1, POST: filtered out
    b3.inserted.push_back(makeRow(15));  // host1, GET: shown
    model.applyBatch(b3);
    QCOMPARE(proxy.rowCount(), 2);
    proxy.setFilterText({});
    QCOMPARE(proxy.rowCount(), 6);

    model.clear();
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(proxy.rowCount(), 0);
    QCOMPARE(model.rowOf(1), -1);
    QCOMPARE(model.totalBytes(), 0ULL);
  }

  void manyBatchesUnderTester() {
    FlowTableModel model;
    FlowFilterProxy proxy(&model);
    proxy.setFilterText(QStringLiteral("host3"));
    QAbstractItemModelTester modelTester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    uint64_t next = 1;
    for (int batch = 0; batch < 40; ++batch) {
      FlowBatch b;
      for (int i = 0; i < 50; ++i) b.inserted.push_back(makeRow(next++));
      // Finish scattered earlier rows: many ranges, collapsed into one.
      for (uint64_t id = 1; id < next; id += 37) b.updated.push_back(finished(makeRow(id), 200 + static_cast<int>(id % 4) * 100, 5));
      model.applyBatch(b);
    }
    QCOMPARE(model.rowCount(), 2000);
    int expected = 0;
    for (int r = 0; r < model.rowCount(); ++r) expected += model.row(r).host == QLatin1String("host3.example") ? 1 : 0;
    QCOMPARE(proxy.rowCount(), expected);
  }
};

QTEST_MAIN(TestFlowTableModel)
#include "test_flow_table_model.moc"
