// The guided tour on a real engine (port 0) and the real main window, offscreen: the steps advance
// and go back, forward mode fetches the demo page through the proxy (flows appear), then reverse
// mode fronts three demo backends and a failing one (requests spread, a fourth backend appears).
#include <QComboBox>
#include <QDir>
#include <QTest>

#include "engine/net/engine.h"
#include "ui/engine_bridge.h"
#include "ui/flow_table_model.h"
#include "ui/guided_tour.h"
#include "ui/main_window.h"
#include "ui/reverse_ui.h"

namespace eng = ps::engine;
using namespace ps::ui;

class TestGuidedTour : public QObject {
  Q_OBJECT

 private slots:
  void forwardThenReverse() {
    auto config = std::make_shared<eng::EngineConfig>();
    config->listen = {"127.0.0.1", 0};
    config->dataDir = QDir::tempPath().toStdString() + "/proxyscope-test-tour";
    auto engine = eng::Engine::create(config);
    {
      EngineBridge bridge(*engine);
      MainWindow window(bridge);
      installReverseUi(window, /*firstRunTour=*/false);
      window.show();
      auto* tour = window.findChild<GuidedTour*>(QStringLiteral("guidedTour"));
      QVERIFY(tour != nullptr);

      tour->begin();
      QCOMPARE(tour->step(), 0);
      QVERIFY(bridge.running());
      QCOMPARE(bridge.mode(), ProxyModeUi::Forward);
      QVERIFY(!tour->sentence().isEmpty());

      tour->next();  // the demo page through the forward proxy
      QCOMPARE(tour->step(), 1);
      QCOMPARE(tour->requestsSent(), 5);
      QTRY_COMPARE_WITH_TIMEOUT(tour->answersReceived(), 5, 15'000);
      QTRY_VERIFY_WITH_TIMEOUT(window.model()->rowCount() >= 5, 10'000);
      QVERIFY(window.topologyModel()->totalFlows() >= 5);

      tour->back();
      QCOMPARE(tour->step(), 0);
      tour->next();
      QTRY_COMPARE_WITH_TIMEOUT(tour->answersReceived(), 10, 15'000);

      tour->next();  // reverse mode over three demo backends
      QCOMPARE(tour->step(), 2);
      QCOMPARE(bridge.mode(), ProxyModeUi::Reverse);
      QVERIFY(bridge.running());
      QCOMPARE(window.modeBox()->currentIndex(), 1);
      QTRY_COMPARE_WITH_TIMEOUT(tour->answersReceived(), 40, 20'000);
      QTRY_VERIFY_WITH_TIMEOUT(bridge.backendStats().size() == 3, 5'000);
      for (const auto& b : bridge.backendStats()) QVERIFY2(b.requests >= 5, qPrintable(b.name));

      tour->next();  // a failing fourth backend
      QCOMPARE(tour->step(), 3);
      QTRY_COMPARE_WITH_TIMEOUT(bridge.backendStats().size(), qsizetype(4), 5'000);
      QTRY_COMPARE_WITH_TIMEOUT(tour->answersReceived(), 80, 20'000);
      quint64 flakyErrors = 0;
      for (const auto& b : bridge.backendStats()) {
        if (!bridge.demoBackendUrls().contains(b.url)) flakyErrors = b.errors;  // the added one
      }
      QString seen;
      for (const auto& b : bridge.backendStats()) seen += QStringLiteral("%1 %2 %3 req=%4 err=%5; ").arg(b.name, b.url, b.status).arg(b.requests).arg(b.errors);
      QVERIFY2(flakyErrors > 0, qPrintable(seen + bridge.demoBackendUrls().join(QLatin1Char(','))));

      tour->next();
      QCOMPARE(tour->step(), 4);
      tour->next();  // Finish
      QVERIFY(!tour->isVisible());
      bridge.stop();
    }
  }
};

QTEST_MAIN(TestGuidedTour)
#include "test_guided_tour.moc"
