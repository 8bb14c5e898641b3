// The GUI run: QApplication, the engine from the command line, the bridge, the window.
// Lifetimes (STYLE.md): engine → bridge → window, torn down in reverse after the engine stopped.
#include "app/gui_main.h"

#include <QAction>
#include <QApplication>
#include <QIcon>
#include <QSocketNotifier>
#include <QStandardPaths>
#include <csignal>
#include <memory>

#include <sys/socket.h>
#include <unistd.h>

#include "app/gui_session.h"
#include "app/policy_setup.h"
#include "app/reverse_setup.h"
#include "app/system_proxy_run.h"
#include "engine/net/engine.h"
#include "engine/proxy/demo_backend.h"
#include "ui/certificate_dialog.h"
#include "ui/engine_bridge.h"
#include "ui/breakpoints_ui.h"
#include "ui/main_window.h"
#include "ui/policies_panel.h"
#include "ui/reverse_ui.h"
#include "ui/session_ui.h"
#include "ui/settings_dialog.h"
#include "ui/system_proxy_ui.h"

namespace ps::app {

namespace {
// SIGINT/SIGTERM end the event loop like closing the window, so the engine stops cleanly. The
// handler only writes a byte to a socket (async-signal-safe); a notifier reads it on the GUI thread.
int g_signalFds[2] = {-1, -1};

void onSignal(int) {
  const char byte = 1;
  [[maybe_unused]] auto n = ::write(g_signalFds[0], &byte, 1);
}

void quitOnSignals(QObject* context) {
  if (::socketpair(AF_UNIX, SOCK_STREAM, 0, g_signalFds) != 0) return;
  auto* notifier = new QSocketNotifier(g_signalFds[1], QSocketNotifier::Read, context);
  QObject::connect(notifier, &QSocketNotifier::activated, context, [] {
    char byte = 0;
    [[maybe_unused]] auto n = ::read(g_signalFds[1], &byte, 1);
    QApplication::quit();
  });
  struct sigaction action {};
  action.sa_handler = onSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

std::shared_ptr<engine::EngineConfig> configFrom(const Options& options) {
  auto config = std::make_shared<engine::EngineConfig>();
  config->mode = options.mode;
  config->listen = options.listen;
  config->threads = options.threads;
  config->capture = options.capture;
  config->limits.bodyCaptureBytes = options.bodyCaptureBytes;
  config->limits.maxRequestLine = options.maxRequestLine;
  config->limits.maxHeaderBytes = options.maxHeaderBytes;
  config->tls = options.tls;
  config->dataDir = options.dataDir.empty()
                        ? QStandardPaths::writableLocation(QStandardPaths::AppDataLocation).toStdString()
                        : options.dataDir;
  return config;
}
// Engine options given on the command line win over the saved settings (ui/settings_dialog.h).
bool engineOptionsGiven(const Options& options) {
  const Options defaults;
  const auto& t = options.tls;
  return options.listen.toString() != defaults.listen.toString() || options.mode != defaults.mode ||
         options.capture != defaults.capture || options.bodyCaptureBytes != defaults.bodyCaptureBytes || !t.intercept ||
         !t.passThrough.empty() || !t.interceptOnly.empty() || !t.upstreamCaFile.empty() || !t.insecureUpstream.empty();
}
}  // namespace

int runGui(const Options& options, int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setApplicationName(QStringLiteral("Proxyscope"));
  QApplication::setOrganizationName(QStringLiteral("Proxyscope"));
  QApplication::setApplicationVersion(QStringLiteral(PROXYSCOPE_VERSION));
  QApplication::setDesktopFileName(QStringLiteral("proxyscope"));

  // Reverse mode from the command line (--backend, --config, --demo-backends) as in headless runs;
  // with no backend at all the bridge fronts demo backends when reverse mode is chosen.
  engine::DemoBackends demo;  // outlives the engine
  auto config = configFrom(options);
  QString setupError;
  if (auto applied = applyReverseOptions(options, *config, demo); !applied) {
    setupError = QString::fromStdString(applied.error().message);
    config->reverse.reset();
  }
  if (auto policies = applyPolicyOptions(options, *config); !policies) {
    setupError = QString::fromStdString(policies.error().message);
  }
  std::unique_ptr<engine::Engine> engine = engine::Engine::create(config);
  int exitCode = 0;
  {
    // The autosave records the hub before the engine starts (and outlives the bridge).
    GuiSession session(config->dataDir, engine->events());
    auto recording = session.start();
    ui::EngineBridge bridge(*engine);
    bridge.setSessionStore(session.store());
    ui::MainWindow window(bridge);
    ui::installBreakpointsUi(window);
    ui::installReverseUi(window, /*firstRunTour=*/true);
    ui::installSessionUi(window, [&session, &bridge]() -> QString {
      bridge.waitSessionJobs();  // a running save/export may still read the old store
      auto renewed = session.renew();
      bridge.setSessionStore(session.store());
      return renewed ? QString() : QString::fromStdString(renewed.error().message);
    });
    ui::installCertificateUi(window);
    ui::installSettingsUi(window, engineOptionsGiven(options));
    ui::installPoliciesUi(window);
    auto* systemProxy =
        ui::installSystemProxyUi(window, {QString::fromStdString(selfExecutablePath()), QStringLiteral("--sysproxy-watchdog")});
    if (!recording) window.notify(QString::fromStdString("not recording: " + recording.error().message), true);
    QApplication::setWindowIcon(window.windowIcon());
    window.show();
    quitOnSignals(&window);
    // A failed start (e.g. the port is taken) is shown in the window, not fatal: the address
    // can be changed and the proxy started from the toolbar.
    window.startProxy();
    if (options.systemProxy) systemProxy->toggleAction()->setChecked(true);  // --system-proxy, as headless
    if (!setupError.isEmpty()) window.notify(setupError, true);
    exitCode = QApplication::exec();
    // Shutdown: stop accepting and join the engine's workers while the bridge still exists, then
    // the window and the bridge go (in that order, by scope), then the engine.
    engine->stop();
    bridge.waitSessionJobs();
  }
  engine.reset();
  return exitCode;
}

}  // namespace ps::app
