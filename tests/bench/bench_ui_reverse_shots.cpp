// Screenshots of the topology in both modes and of the reverse panel, with real traffic: curl
// through the window's forward proxy to an in-process origin, then reverse mode over three demo
// backends plus a failing one (the bridge's demo set-up). Saves the window (run it under Xvfb, or
// offscreen):
//   bench_ui_reverse_shots OUT_DIR
// → OUT_DIR/topology-forward.png, topology-reverse.png, reverse-panel.png, hop-diff.png
#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QEventLoop>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <cstdio>

#include "engine/net/engine.h"
#include "tests/support/test_origin.h"
#include "tests/support/test_support.h"
#include "ui/engine_bridge.h"
#include "ui/flow_table_model.h"
#include "ui/inspector.h"
#include "ui/main_window.h"
#include "ui/reverse_panel.h"
#include "ui/reverse_ui.h"

namespace eng = ps::engine;

namespace {

void pump(int ms) {
  QEventLoop loop;
  QTimer::singleShot(ms, &loop, &QEventLoop::quit);
  loop.exec();
}

void showTab(ps::ui::MainWindow& window, const QString& prefix) {
  for (int i = 0; i < window.tabs()->count(); ++i) {
    if (window.tabs()->tabText(i).startsWith(prefix)) window.tabs()->setCurrentIndex(i);
  }
}

bool save(ps::ui::MainWindow& window, const QString& path) {
  pump(400);
  const bool ok = window.grab().save(path);
  std::printf("bench_ui_reverse_shots: %s %s (%d flows)\n", ok ? "saved" : "FAILED", qPrintable(path), window.model()->rowCount());
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_ui_reverse_shots OUT_DIR\n");
    return 2;
  }
  const QString outDir = QString::fromLocal8Bit(argv[1]);
  QApplication app(argc, argv);
  ps::test::TestOrigin origin;
  auto config = std::make_shared<eng::EngineConfig>();
  config->listen = {"127.0.0.1", 0};
  config->dataDir = QDir::tempPath().toStdString() + "/proxyscope-reverse-shots";
  auto engine = eng::Engine::create(config);
  int rc = 0;
  {
    ps::ui::EngineBridge bridge(*engine);
    ps::ui::MainWindow window(bridge);
    ps::ui::ReverseUi ui = ps::ui::installReverseUi(window, false);
    window.resize(1400, 860);
    window.show();
    window.startProxy();
    if (!bridge.running()) return 1;

    // Forward: two clients' worth of requests (two source hosts), through the proxy.
    const QString proxy = QStringLiteral("http://") + bridge.listenAddress();
    const QString base = QStringLiteral("http://%1/").arg(QString::fromStdString(origin.authority()));
    const QString local = QStringLiteral("http://localhost:%1/").arg(origin.port());
    const QStringList paths = {"hello", "echo", "chunked?n=3", "status?code=404", "big?size=20000", "echo?x=1"};
    for (int round = 0; round < 3; ++round) {
      QStringList args{"-s", "-x", proxy, "--max-time", "10", "-H", "Proxy-Connection: keep-alive"};
      for (const QString& p : paths) args << "-o" << "/dev/null" << (round == 1 ? local : base) + p;
      ps::test::run(QStringLiteral("curl"), args, 30'000);
      pump(150);
    }
    showTab(window, QStringLiteral("See"));
    pump(1200);
    if (!save(window, outDir + "/topology-forward.png")) rc = 1;

    // Reverse: the mode switch starts three demo backends; a fourth fails 80% of its requests.
    window.modeBox()->setCurrentIndex(1);
    if (!bridge.running()) window.startProxy();
    ps::ui::ReverseForm form = bridge.reverseForm();
    const QStringList flaky = bridge.startExtraDemoBackends(1, 0.8);
    form.backends.push_back({flaky.value(0), 1, true});
    const QString applied = bridge.applyReverseForm(form);
    if (!applied.isEmpty()) std::fprintf(stderr, "apply: %s\n", qPrintable(applied));
    const QString front = QStringLiteral("http://%1/").arg(bridge.listenAddress());
    for (int round = 0; round < 6; ++round) {
      QStringList args{"-s", "--max-time", "10"};
      for (int i = 0; i < 12; ++i) args << "-o" << "/dev/null" << front + QStringLiteral("api/items/%1").arg(round * 12 + i);
      ps::test::run(QStringLiteral("curl"), args, 30'000);
      pump(300);
    }
    showTab(window, QStringLiteral("See"));
    pump(1500);
    if (!save(window, outDir + "/topology-reverse.png")) rc = 1;
    showTab(window, QStringLiteral("Backends"));
    ui.panel->refresh();
    if (!save(window, outDir + "/reverse-panel.png")) rc = 1;

    // The hop diff of the latest flow.
    showTab(window, QStringLiteral("Flows"));
    window.tabs()->setCurrentIndex(0);
    window.table()->selectRow(window.table()->model()->rowCount() - 1);
    window.inspector()->setCurrentIndex(window.inspector()->count() - 1);
    if (!save(window, outDir + "/hop-diff.png")) rc = 1;
    bridge.stop();
  }
  engine->stop();
  return rc;
}
