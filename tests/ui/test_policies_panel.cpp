// The Policies panel on a real engine: one row per policy, the model under QAbstractItemModelTester,
// a policy without rules says how to configure it, and switching the cache on at run time makes the
// second request (real curl) a HIT the in-test origin never sees; counters follow, Purge empties it.
#include <QAbstractItemModelTester>
#include <QDir>
#include <QLabel>
#include <QPushButton>
#include <QRadioButton>
#include <QTemporaryDir>
#include <QTest>

#include "engine/net/engine.h"
#include "tests/support/test_origin.h"
#include "tests/support/test_support.h"
#include "ui/engine_bridge.h"
#include "ui/policies_panel.h"
#include "ui/policy_table_model.h"
#include "ui/purge_cache_dialog.h"
#include "ui/filter_bar.h"

namespace eng = ps::engine;
using namespace ps::ui;

namespace {

QByteArray fetch(const EngineBridge& bridge, const std::string& url) {
  const auto r = ps::test::run(QStringLiteral("curl"),
                               {QStringLiteral("-s"), QStringLiteral("-S"), QStringLiteral("--max-time"), QStringLiteral("10"),
                                QStringLiteral("-x"), QStringLiteral("http://") + bridge.listenAddress(), QString::fromStdString(url)},
                               20'000);
  return r.exitCode == 0 ? r.out : QByteArray("curl failed: ") + r.err;
}

quint64 counter(const PolicyTableModel& model, const QString& key, const QString& name) {
  const int row = model.rowOf(key);
  if (row < 0) return ~quint64(0);
  for (const auto& c : model.rows()[row].counters) {
    if (c.name == name) return c.value;
  }
  return ~quint64(0);
}

}  // namespace

class TestPoliciesPanel : public QObject {
  Q_OBJECT

  QTemporaryDir m_dir;

 private slots:
  void initTestCase() { QVERIFY(m_dir.isValid()); }

  void listsEveryPolicyAndExplainsUnconfiguredOnes() {
    auto config = std::make_shared<eng::EngineConfig>();
    config->listen = {"127.0.0.1", 0};
    config->dataDir = m_dir.filePath(QStringLiteral("data-list")).toStdString();
    auto engine = eng::Engine::create(config);
    EngineBridge bridge(*engine);
    PoliciesPanel panel(bridge);
    QAbstractItemModelTester tester(panel.model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    auto* model = panel.model();
    QCOMPARE(model->rowCount(), 10);
    for (const char* key : {"cache", "filter", "anonymity", "rateLimit", "compression", "upstreamProxies", "mapLocal",
                            "mapRemote", "rewrite", "networkConditions"}) {
      QVERIFY2(model->rowOf(QString::fromLatin1(key)) >= 0, key);
    }
    // No upstream proxy listed: the row says how to add one.
    const QString upstream = model->index(model->rowOf(QStringLiteral("upstreamProxies")), PolicyTableModel::Description).data().toString();
    QVERIFY2(upstream.contains(QStringLiteral("Not configured")) && upstream.contains(QStringLiteral("\"proxies\"")), qPrintable(upstream));
    // Compression is switched at run time like the others.
    QVERIFY(model->setData(model->index(model->rowOf(QStringLiteral("compression")), PolicyTableModel::Name), Qt::Checked, Qt::CheckStateRole));
    QVERIFY(engine->config()->policies && engine->config()->policies->compression.enabled);
    // No rules configured: the filter row names the JSON keys instead of silently doing nothing.
    const QModelIndex filter = model->index(model->rowOf(QStringLiteral("filter")), PolicyTableModel::Description);
    const QString text = filter.data().toString();
    QVERIFY2(text.contains(QStringLiteral("Not configured")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("\"policies\"")) && text.contains(QStringLiteral("\"block\"")), qPrintable(text));
    QCOMPARE(model->index(0, PolicyTableModel::Name).data(Qt::CheckStateRole).toInt(), int(Qt::Unchecked));
    QVERIFY(!panel.purgeButton()->isEnabled());  // the cache is off

    // Switching the filter on without rules still applies (and says it is not configured).
    QVERIFY(model->setData(model->index(model->rowOf(QStringLiteral("filter")), PolicyTableModel::Name), Qt::Checked, Qt::CheckStateRole));
    QVERIFY(engine->config()->policies && engine->config()->policies->filter.enabled);
    QCOMPARE(bridge.setPolicyEnabled(QStringLiteral("nonsense"), true), QStringLiteral("unknown policy 'nonsense'"));
  }

  void cacheSwitchedOnServesHitsWithoutTheOrigin() {
    ps::test::TestOrigin origin;
    auto config = std::make_shared<eng::EngineConfig>();
    config->listen = {"127.0.0.1", 0};
    config->dataDir = m_dir.filePath(QStringLiteral("data-cache")).toStdString();
    auto engine = eng::Engine::create(config);
    EngineBridge bridge(*engine);
    QCOMPARE(bridge.start(), QString());
    PoliciesPanel panel(bridge);
    QAbstractItemModelTester tester(panel.model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    auto* model = panel.model();
    const std::string url = origin.url("/cacheable");

    // Off: both requests reach the origin.
    QCOMPARE(fetch(bridge, url), QByteArray("cacheable #0\n"));
    QCOMPARE(fetch(bridge, url), QByteArray("cacheable #1\n"));
    QCOMPARE(int(origin.requests().size()), 2);

    // On (the switch in the panel): the first is a MISS and stored, the second a HIT.
    const QModelIndex cacheSwitch = model->index(model->rowOf(QStringLiteral("cache")), PolicyTableModel::Name);
    QVERIFY(model->setData(cacheSwitch, Qt::Checked, Qt::CheckStateRole));
    QCOMPARE(cacheSwitch.data(Qt::CheckStateRole).toInt(), int(Qt::Checked));
    QVERIFY(engine->config()->policies && engine->config()->policies->cache.enabled);
    QCOMPARE(fetch(bridge, url), QByteArray("cacheable #2\n"));
    QCOMPARE(fetch(bridge, url), QByteArray("cacheable #2\n"));  // from the cache ...
    QCOMPARE(int(origin.requests().size()), 3);                // ... the origin never saw it

    // The panel's timer refreshes the counters (about once a second).
    QTRY_COMPARE_WITH_TIMEOUT(counter(*model, QStringLiteral("cache"), QStringLiteral("hits")), quint64(1), 5000);
    QCOMPARE(counter(*model, QStringLiteral("cache"), QStringLiteral("misses")), quint64(1));
    QCOMPARE(counter(*model, QStringLiteral("cache"), QStringLiteral("entries")), quint64(1));
    const QString counters = model->index(cacheSwitch.row(), PolicyTableModel::Counters).data().toString();
    QVERIFY2(counters.contains(QStringLiteral("hits 1")), qPrintable(counters));
    QVERIFY(panel.purgeButton()->isEnabled());

    // Off and on again (the switch): the counters and the stored entry stay, and the entry is served.
    QVERIFY(model->setData(cacheSwitch, Qt::Unchecked, Qt::CheckStateRole));
    panel.refresh();
    QCOMPARE(counter(*model, QStringLiteral("cache"), QStringLiteral("hits")), quint64(1));
    QCOMPARE(counter(*model, QStringLiteral("cache"), QStringLiteral("entries")), quint64(1));
    const QString offText = model->index(cacheSwitch.row(), PolicyTableModel::Description).data().toString();
    QVERIFY2(offText.contains(QStringLiteral("1 stored response(s) kept")), qPrintable(offText));
    QVERIFY(panel.purgeButton()->isEnabled());  // kept entries can be purged while off
    QVERIFY(model->setData(cacheSwitch, Qt::Checked, Qt::CheckStateRole));
    QCOMPARE(fetch(bridge, url), QByteArray("cacheable #2\n"));
    QCOMPARE(int(origin.requests().size()), 3);
    QTRY_COMPARE_WITH_TIMEOUT(counter(*model, QStringLiteral("cache"), QStringLiteral("hits")), quint64(2), 5000);

    // Purge cache…: the dialog; a filter that does not parse keeps Purge disabled and says why.
    panel.purgeButton()->click();
    auto* dialog = panel.findChild<PurgeCacheDialog*>();
    QVERIFY(dialog != nullptr);
    QVERIFY(dialog->allChoice()->text().contains(QStringLiteral("(1 in the cache)")));
    dialog->matchingChoice()->setChecked(true);
    QVERIFY(!dialog->purgeButton()->isEnabled());  // blank
    dialog->filterField()->setText(QStringLiteral("hots:127.0.0.1"));
    QVERIFY(!dialog->purgeButton()->isEnabled());
    QVERIFY2(dialog->errorText().contains(QStringLiteral("hots")), qPrintable(dialog->errorText()));
    // A valid filter matching nothing removes nothing.
    dialog->filterField()->setText(QStringLiteral("host:elsewhere.example"));
    QVERIFY(dialog->purgeButton()->isEnabled());
    dialog->purgeButton()->click();
    QVERIFY2(panel.statusLabel()->text().contains(QStringLiteral("0 response")), qPrintable(panel.statusLabel()->text()));
    QCOMPARE(counter(*model, QStringLiteral("cache"), QStringLiteral("entries")), quint64(1));
    // By the origin's host: the entry goes.
    QTRY_VERIFY(panel.findChild<PurgeCacheDialog*>() == nullptr);  // deleted on close
    panel.purgeButton()->click();
    dialog = panel.findChild<PurgeCacheDialog*>();
    QVERIFY(dialog != nullptr);
    dialog->matchingChoice()->setChecked(true);
    dialog->filterField()->setText(QStringLiteral("host:127.0.0.1 path:/cacheable"));
    dialog->purgeButton()->click();
    QVERIFY2(panel.statusLabel()->text().contains(QStringLiteral("1 response")), qPrintable(panel.statusLabel()->text()));
    // The panel's own purge refuses a bad filter with the reason.
    QVERIFY(!panel.purgeCache(QStringLiteral("status:>>")));
    QVERIFY(panel.statusLabel()->text().startsWith(QStringLiteral("Cache not purged")));
    QCOMPARE(counter(*model, QStringLiteral("cache"), QStringLiteral("entries")), quint64(0));
    QCOMPARE(fetch(bridge, url), QByteArray("cacheable #3\n"));
    QCOMPARE(int(origin.requests().size()), 4);
    // Everything: the dialog's default choice.
    QTRY_VERIFY(panel.findChild<PurgeCacheDialog*>() == nullptr);
    panel.purgeButton()->click();
    dialog = panel.findChild<PurgeCacheDialog*>();
    QVERIFY(dialog != nullptr && dialog->allChoice()->isChecked());
    dialog->purgeButton()->click();
    QVERIFY2(panel.statusLabel()->text().contains(QStringLiteral("1 response")), qPrintable(panel.statusLabel()->text()));

    // Off again: every request reaches the origin.
    QVERIFY(model->setData(cacheSwitch, Qt::Unchecked, Qt::CheckStateRole));
    QVERIFY(!engine->config()->policies->cache.enabled);
    QCOMPARE(fetch(bridge, url), QByteArray("cacheable #4\n"));
    QCOMPARE(fetch(bridge, url), QByteArray("cacheable #5\n"));
    // The counters kept counting across every switch (misses: #2 and #3).
    panel.refresh();
    QCOMPARE(counter(*model, QStringLiteral("cache"), QStringLiteral("misses")), quint64(2));
    QCOMPARE(counter(*model, QStringLiteral("cache"), QStringLiteral("hits")), quint64(2));
    bridge.stop();
  }
};

QTEST_MAIN(TestPoliciesPanel)
#include "test_policies_panel.moc"
