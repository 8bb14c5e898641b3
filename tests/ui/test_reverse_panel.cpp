// The reverse panel on a real engine in reverse mode (port 0) fronting demo backends the bridge
// starts itself: the panel lists the three backends with statistics after real traffic (curl),
// drain / disable / weight through the panel change the engine's backendStats, the form rejects a
// bad URL with the engine's own message and Apply swaps the configuration at run time.
#include <QAbstractItemModelTester>
#include <QDir>
#include <QLabel>
#include <QPushButton>
#include <QTableView>
#include <QTest>

#include "engine/net/engine.h"
#include "engine/proxy/reverse_config.h"
#include "tests/support/test_support.h"
#include "ui/backend_table_model.h"
#include "ui/engine_bridge.h"
#include "ui/reverse_config_form.h"
#include "ui/reverse_panel.h"
#include "ui/topology_model.h"

namespace eng = ps::engine;
using namespace ps::ui;

namespace {

std::unique_ptr<eng::Engine> makeEngine() {
  auto config = std::make_shared<eng::EngineConfig>();
  config->listen = {"127.0.0.1", 0};
  config->dataDir = QDir::tempPath().toStdString() + "/proxyscope-test-reverse-panel";
  return eng::Engine::create(config);
}

int rowOf(const BackendTableModel& model, const QString& name) {
  for (int r = 0; r < model.rowCount(); ++r) {
    if (model.backend(r).name == name) return r;
  }
  return -1;
}

QString statusOf(EngineBridge& bridge, const QString& name) {
  for (const auto& b : bridge.backendStats()) {
    if (b.name == name) return b.status;
  }
  return {};
}

}  // namespace

class TestReversePanel : public QObject {
  Q_OBJECT

 private slots:
  void backendsTrafficAdminAndForm() {
    auto engine = makeEngine();
    {
      EngineBridge bridge(*engine);
      // Reverse mode with nothing configured: the bridge starts three demo backends and fronts them.
      QCOMPARE(bridge.switchMode(ProxyModeUi::Reverse, QStringLiteral("127.0.0.1:0")), QString());
      QCOMPARE(bridge.demoBackendUrls().size(), 3);
      QCOMPARE(bridge.start(), QString());
      QVERIFY(bridge.running());
      const QString address = bridge.listenAddress();

      TopologyModel topology;
      topology.setMode(TopologyMode::Reverse, address);
      ReversePanel panel(bridge, &topology);
      QAbstractItemModelTester tester(panel.model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
      panel.resize(900, 600);
      panel.show();

      QStringList args{QStringLiteral("-s"), QStringLiteral("-o"), QStringLiteral("/dev/null"),
                       QStringLiteral("--max-time"), QStringLiteral("20")};
      for (int i = 0; i < 30; ++i) args << QStringLiteral("http://%1/item/%2").arg(address).arg(i);
      const auto curl = ps::test::run(QStringLiteral("curl"), args, 60'000);
      QVERIFY(!curl.timedOut);
      QCOMPARE(curl.exitCode, 0);

      // The poll timer (2 Hz) brings the counters; all three backends served the round-robin.
      QTRY_VERIFY_WITH_TIMEOUT(panel.model()->rowCount() == 3, 10'000);
      QTRY_VERIFY_WITH_TIMEOUT(
          [&] {
            quint64 total = 0;
            for (int r = 0; r < panel.model()->rowCount(); ++r) {
              if (panel.model()->backend(r).requests == 0) return false;
              total += panel.model()->backend(r).requests;
            }
            return total >= 30;
          }(),
          10'000);
      for (int r = 0; r < 3; ++r) {
        QCOMPARE(panel.model()->backend(r).status, QStringLiteral("healthy"));
        QVERIFY(panel.model()->backend(r).p50Ms > 0);
        QVERIFY(!panel.model()->data(panel.model()->index(r, BackendTableModel::ColP99), Qt::DisplayRole).toString().isEmpty());
      }
      // Health and weight reach the topology.
      const TopologyNode* node = topology.node(QStringLiteral("backend:demo-1"));
      QVERIFY(node != nullptr);
      QVERIFY(!node->down);
      QCOMPARE(node->weight, 1);

      // Drain demo-1 and disable demo-2 through the panel's selection and buttons.
      panel.table()->setCurrentIndex(panel.model()->index(rowOf(*panel.model(), QStringLiteral("demo-1")), 0));
      QCOMPARE(panel.drainSelected(), QString());
      QCOMPARE(statusOf(bridge, QStringLiteral("demo-1")), QStringLiteral("draining"));
      panel.table()->setCurrentIndex(panel.model()->index(rowOf(*panel.model(), QStringLiteral("demo-2")), 0));
      QCOMPARE(panel.disableSelected(), QString());
      QCOMPARE(statusOf(bridge, QStringLiteral("demo-2")), QStringLiteral("disabled"));
      QCOMPARE(panel.model()->backend(rowOf(*panel.model(), QStringLiteral("demo-2"))).status, QStringLiteral("disabled"));
      QTRY_VERIFY_WITH_TIMEOUT(topology.node(QStringLiteral("backend:demo-2"))->down, 5'000);
      QCOMPARE(panel.setWeightSelected(7), QString());
      QCOMPARE(panel.model()->backend(rowOf(*panel.model(), QStringLiteral("demo-2"))).weight, 7);
      QCOMPARE(panel.enableSelected(), QString());
      QCOMPARE(statusOf(bridge, QStringLiteral("demo-2")), QStringLiteral("healthy"));

      // The form starts from the running configuration.
      ReverseConfigForm* form = panel.form();
      QCOMPARE(form->form().backends.size(), 3);
      QCOMPARE(form->errorLabel()->text(), QString());

      // A bad URL: the engine's own message, and Apply is refused.
      ReverseForm bad = form->form();
      bad.backends[1].url = QStringLiteral("ftp://127.0.0.1:21");
      form->setForm(bad);
      auto engineSays = eng::reverseConfigFromCommandLine({"ftp://127.0.0.1:21"}, "round-robin", {"127.0.0.1", 0});
      QVERIFY(!engineSays);
      const QString message = form->validate();
      QVERIFY(!message.isEmpty());
      QVERIFY2(message.contains(QString::fromStdString(engineSays.error().message)), qPrintable(message));
      QCOMPARE(form->errorLabel()->text(), message);
      QVERIFY(!form->applyButton()->isEnabled());
      QCOMPARE(form->apply(), message);

      // A bad strategy: the engine's message too.
      ReverseForm badStrategy = form->form();
      badStrategy.backends[1].url = bridge.demoBackendUrls()[1];
      badStrategy.strategy = QStringLiteral("fastest");
      form->setForm(badStrategy);
      QVERIFY(form->validate().contains(QStringLiteral("fastest")));

      // A good form (two backends, weighted): applied at run time, the panel shows two rows.
      ReverseForm good;
      good.strategy = QStringLiteral("weighted");
      good.backends = {{bridge.demoBackendUrls()[0], 3, true}, {bridge.demoBackendUrls()[2], 1, true}};
      form->setForm(good);
      QCOMPARE(form->apply(), QString());
      QTRY_COMPARE_WITH_TIMEOUT(panel.model()->rowCount(), 2, 5'000);
      QCOMPARE(panel.model()->backend(rowOf(*panel.model(), QStringLiteral("demo-1"))).weight, 3);
      QCOMPARE(bridge.reverseForm().strategy, QStringLiteral("weighted"));
      bridge.stop();
    }
  }
};

QTEST_MAIN(TestReversePanel)
#include "test_reverse_panel.moc"
