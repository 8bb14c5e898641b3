// The GUI run: QApplication, the engine from the command line, the bridge, the window.
// Lifetimes (STYLE.md): engine → bridge → window, torn down in reverse after the engine stopped.
#include "app/gui_main.h"

#include <QApplication>
#include <QIcon>
#include <QStandardPaths>
#include <memory>

#include "engine/net/engine.h"
#include "ui/engine_bridge.h"
#include "ui/main_window.h"

namespace ps::app {

namespace {
std::shared_ptr<const engine::EngineConfig> configFrom(const Options& options) {
  auto config = std::make_shared<engine::EngineConfig>();
  config->mode = options.mode;
  config->listen = options.listen;
  config->threads = options.threads;
  config->capture = options.capture;
  config->limits.bodyCaptureBytes = options.bodyCaptureBytes;
  config->dataDir = options.dataDir.empty()
                        ? QStandardPaths::writableLocation(QStandardPaths::AppDataLocation).toStdString()
                        : options.dataDir;
  return config;
}
}  // namespace

int runGui(const Options& options, int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setApplicationName(QStringLiteral("Proxyscope"));
  QApplication::setOrganizationName(QStringLiteral("Proxyscope"));
  QApplication::setApplicationVersion(QStringLiteral(PROXYSCOPE_VERSION));
  QApplication::setDesktopFileName(QStringLiteral("proxyscope"));

  std::unique_ptr<engine::Engine> engine = engine::Engine::create(configFrom(options));
  int exitCode = 0;
  {
    ui::EngineBridge bridge(*engine);
    ui::MainWindow window(bridge);
    QApplication::setWindowIcon(window.windowIcon());
    window.show();
    // A failed start (e.g. the port is taken) is shown in the window, not fatal: the address
    // can be changed and the proxy started from the toolbar.
    window.startProxy();
    exitCode = QApplication::exec();
    // Shutdown: stop accepting and join the engine's workers while the bridge still exists, then
    // the window and the bridge go (in that order, by scope), then the engine.
    engine->stop();
  }
  engine.reset();
  return exitCode;
}

}  // namespace ps::app
