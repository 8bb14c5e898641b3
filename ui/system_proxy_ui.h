#pragma once
// System proxy in the GUI (issue 8): a checkable "System proxy" toolbar action showing the state
// (→ Proxyscope / not set / restore pending), Proxy → Restore system proxy, Launch Chromium /
// Firefox pre-configured (their flows tagged app:chromium / app:firefox) and Copy shell exports.
//
// Turning it on journals the prior settings and points the system proxy at the running forward
// listener (EngineBridge → engine/sysproxy, the code path of headless --system-proxy, watchdog
// process included, so a kill -9 of the GUI is restored too). Turning it off, stopping the proxy,
// quitting (SIGINT/SIGTERM quit the application) and destroying the window restore it. At install
// a journal left by a dead run is restored, with a message in the status bar.
#include <QObject>
#include <QString>
#include <QStringList>
#include <functional>
#include <memory>

#include "ui/engine_bridge.h"

class QAction;
class QThreadPool;

namespace ps::ui {

class MainWindow;

class SystemProxyUi : public QObject {
  Q_OBJECT

 public:
  SystemProxyUi(MainWindow& window, const QStringList& watchdogCommand);
  ~SystemProxyUi() override;  // restores the system proxy if still set

  QAction* toggleAction() const { return m_toggle; }
  QAction* restoreAction() const { return m_restore; }
  QAction* launchChromiumAction() const { return m_launchChromium; }
  QAction* launchFirefoxAction() const { return m_launchFirefox; }
  QAction* copyExportsAction() const { return m_copyExports; }
  // Checkable, remembered (QSettings "systemProxy/chainPrior"): while the system proxy is set, go
  // through the proxy that was set before.
  QAction* chainPriorAction() const { return m_chainPrior; }
  EngineBridge::SystemProxyState state() const { return m_state; }
  // True while a set/restore runs on the worker thread.
  bool busy() const { return m_pending > 0; }
  // The toolbar text for the current state (the toggle's iconText; its text is the menu entry).
  QString stateText() const;

  // Restores now on the calling thread (quit, SIGTERM, destruction): waits for a running job first.
  void restoreNow();

 signals:
  void stateChanged(ps::ui::EngineBridge::SystemProxyState state);

 private:
  using Job = std::function<EngineBridge::SystemProxyResult()>;
  void runJob(Job job);
  void apply(const EngineBridge::SystemProxyResult& result);
  void onToggled(bool on);
  void onRestore();
  void onRunningChanged(bool running);
  void launchChromium();
  void launchFirefox();
  void launchFailed(const QString& browser, const QString& error);
  void copyExports();
  void onChainToggled(bool on);
  void showState();
  void restoreSync();

  MainWindow& m_window;
  EngineBridge& m_bridge;
  QAction* m_toggle = nullptr;
  QAction* m_restore = nullptr;
  QAction* m_launchChromium = nullptr;
  QAction* m_launchFirefox = nullptr;
  QAction* m_copyExports = nullptr;
  QAction* m_chainPrior = nullptr;
  EngineBridge::SystemProxyState m_state = EngineBridge::SystemProxyState::NotSet;
  QString m_target;
  int m_pending = 0;
  bool m_shutDown = false;
  std::unique_ptr<QThreadPool> m_worker;  // one thread: set and restore never overlap
};

// Adds the toolbar action and the Proxy menu entries to window and recovers a stale journal.
// watchdogCommand: argv prefix of the watchdog, e.g. {"/usr/bin/proxyscope", "--sysproxy-watchdog"}.
SystemProxyUi* installSystemProxyUi(MainWindow& window, const QStringList& watchdogCommand);

}  // namespace ps::ui
