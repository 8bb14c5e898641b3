// FilterBar offscreen: valid/invalid states after the debounce, the underlined error range in
// UTF-16 units, completion of fields and seen values, history and saved filters, and the filter
// applied to the live table of a MainWindow fed by a FakeEngine.
#include <QCoreApplication>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>

#include "tests/support/fake_engine.h"
#include "ui/engine_bridge.h"
#include "ui/filter_bar.h"
#include "ui/flow_filter_proxy.h"
#include "ui/flow_table_model.h"
#include "ui/main_window.h"

using ps::test::FakeEngine;
using ps::test::sampleFlow;
using ps::ui::EngineBridge;
using ps::ui::FilterBar;
using ps::ui::MainWindow;

class TestFilterBar : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("ProxyscopeTests"));
    QCoreApplication::setApplicationName(QStringLiteral("test_filter_bar"));
  }
  void init() { QSettings().clear(); }

  void validAfterDebounceGreenBackground() {
    FilterBar bar;
    bar.show();
    QSignalSpy applied(&bar, &FilterBar::filterApplied);
    bar.setText(QStringLiteral("host:api status:>=400"));
    QCOMPARE(bar.state(), FilterBar::State::Empty);  // not yet: the check waits for a pause
    QTRY_COMPARE_WITH_TIMEOUT(bar.state(), FilterBar::State::Valid, 3000);
    QCOMPARE(applied.count(), 1);
    QCOMPARE(applied.at(0).at(0).toString(), QStringLiteral("host:api status:>=400"));
    const QColor base = bar.palette().color(QPalette::Base);
    QVERIFY2(base.green() > base.red(), qPrintable(base.name()));
    QCOMPARE(bar.errorRange(), std::make_pair(0, 0));
  }

  void invalidRedWithUnderlineAndTooltip() {
    FilterBar bar;
    bar.show();
    QSignalSpy applied(&bar, &FilterBar::filterApplied);
    bar.setText(QStringLiteral("method:GET hots:api"));
    bar.validateNow();
    QCOMPARE(bar.state(), FilterBar::State::Invalid);
    QCOMPARE(applied.count(), 0);  // an invalid filter is never applied
    QVERIFY2(bar.errorMessage().contains(QStringLiteral("host")), qPrintable(bar.errorMessage()));
    QCOMPARE(bar.toolTip(), bar.errorMessage());
    const auto [start, length] = bar.errorRange();
    QCOMPARE(bar.text().mid(start, length), QStringLiteral("hots"));
    const QColor base = bar.palette().color(QPalette::Base);
    QVERIFY2(base.red() > base.green(), qPrintable(base.name()));
    // Fixing the text turns it valid and clears the underline.
    bar.setText(QStringLiteral("method:GET host:api"));
    bar.validateNow();
    QCOMPARE(bar.state(), FilterBar::State::Valid);
    QCOMPARE(bar.errorRange(), std::make_pair(0, 0));
  }

  void errorRangeCountsUtf16Units() {
    // "häst" has a two-byte ü-like character: byte offsets after it differ from QString positions.
    FilterBar bar;
    bar.setText(QStringLiteral("\"gr\u00fc\u00dfe \U0001F600\" hots:x"));
    bar.validateNow();
    QCOMPARE(bar.state(), FilterBar::State::Invalid);
    const auto [start, length] = bar.errorRange();
    QCOMPARE(bar.text().mid(start, length), QStringLiteral("hots"));
  }

  void completesFieldsAndValues() {
    FilterBar bar;
    bar.setValueSource([](const QString& field) -> QStringList {
      if (field == QLatin1String("host")) return {QStringLiteral("api.example.com"), QStringLiteral("cdn.example.net")};
      return {};
    });
    bar.setText(QStringLiteral("status:200 ho"));
    QStringList items = bar.completionsAt(static_cast<int>(bar.text().size()));
    QVERIFY2(items.contains(QStringLiteral("host:")), qPrintable(items.join(',')));
    QVERIFY(!items.contains(QStringLiteral("method:")));
    bar.setText(QStringLiteral("host:cdn"));
    items = bar.completionsAt(static_cast<int>(bar.text().size()));
    QCOMPARE(items, QStringList{QStringLiteral("cdn.example.net")});
    bar.setText(QStringLiteral("method:"));
    items = bar.completionsAt(static_cast<int>(bar.text().size()));
    QVERIFY2(items.contains(QStringLiteral("POST")), qPrintable(items.join(',')));
  }

  void historyKeepsTwentyNewestFirst() {
    FilterBar bar;
    for (int i = 0; i < 25; ++i) bar.addToHistory(QStringLiteral("status:%1").arg(200 + i));
    QStringList h = bar.history();
    QCOMPARE(h.size(), FilterBar::kHistorySize);
    QCOMPARE(h.front(), QStringLiteral("status:224"));
    bar.addToHistory(QStringLiteral("status:210"));
    h = bar.history();
    QCOMPARE(h.size(), FilterBar::kHistorySize);
    QCOMPARE(h.front(), QStringLiteral("status:210"));
    QCOMPARE(h.count(QStringLiteral("status:210")), 1);
    // Enter adds a valid filter; an invalid one is not remembered.
    bar.show();
    bar.setFocus();
    bar.setText(QStringLiteral("type:json"));
    QTest::keyClick(&bar, Qt::Key_Return);
    QCOMPARE(bar.history().front(), QStringLiteral("type:json"));
    bar.setText(QStringLiteral("hots:x"));
    QTest::keyClick(&bar, Qt::Key_Return);
    QCOMPARE(bar.history().front(), QStringLiteral("type:json"));
    // Persisted: a new bar sees it.
    FilterBar other;
    QCOMPARE(other.history().front(), QStringLiteral("type:json"));
  }

  void savedFiltersPersist() {
    FilterBar bar;
    bar.saveFilter(QStringLiteral("errors"), QStringLiteral("status:>=500 or is:error"));
    bar.saveFilter(QStringLiteral("api"), QStringLiteral("host:api"));
    bar.saveFilter(QStringLiteral("errors"), QStringLiteral("status:5xx"));
    FilterBar other;
    const auto saved = other.savedFilters();
    QCOMPARE(saved.size(), 2);
    QCOMPARE(saved.at(0).first, QStringLiteral("api"));
    QCOMPARE(saved.at(1).second, QStringLiteral("status:5xx"));
    other.removeSavedFilter(QStringLiteral("api"));
    QCOMPARE(bar.savedFilters().size(), 1);
  }

  void filtersLiveRowsInTheWindow() {
    FakeEngine engine;
    EngineBridge bridge(engine);
    MainWindow window(bridge);
    window.show();
    for (uint64_t id = 1; id <= 24; ++id) engine.publishLifecycle(sampleFlow(id));
    QTRY_COMPARE_WITH_TIMEOUT(window.model()->rowCount(), 24, 5000);
    FilterBar* bar = window.filterBar();
    // host:=auth.example.com → ids 3, 9, 15, 21; a header only the snapshot knows narrows further.
    bar->setText(QStringLiteral("host:=auth.example.com"));
    QTRY_COMPARE_WITH_TIMEOUT(window.table()->model()->rowCount(), 4, 3000);
    bar->setText(QStringLiteral("host:=auth.example.com req.header:X-Request-Id=req-9"));
    QTRY_COMPARE_WITH_TIMEOUT(window.table()->model()->rowCount(), 1, 3000);
    // Invalid text keeps the last good filter.
    bar->setText(QStringLiteral("host:=auth.example.com ("));
    bar->validateNow();
    QCOMPARE(bar->state(), FilterBar::State::Invalid);
    QCOMPARE(window.table()->model()->rowCount(), 1);
    bar->clear();
    QTRY_COMPARE_WITH_TIMEOUT(window.table()->model()->rowCount(), 24, 3000);
    // Values seen in the capture are offered.
    bar->setText(QStringLiteral("host:auth"));
    QCOMPARE(bar->completionsAt(9), QStringList{QStringLiteral("auth.example.com")});
    bar->setText(QStringLiteral("req.header:x-req"));
    QVERIFY(bar->completionsAt(16).contains(QStringLiteral("x-request-id")));
    bar->setText(QStringLiteral("status:"));
    QVERIFY(bar->completionsAt(7).contains(QStringLiteral("404")));
  }
};

QTEST_MAIN(TestFilterBar)
#include "test_filter_bar.moc"
