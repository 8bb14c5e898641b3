#include "ui/system_proxy_ui.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QMenu>
#include <QMessageBox>
#include <QPainter>
#include <QSettings>
#include <QSignalBlocker>
#include <QThreadPool>
#include <QToolBar>

#include "ui/main_window.h"

namespace ps::ui {

using State = EngineBridge::SystemProxyState;

namespace {

// A small "network" badge: filled green while the system proxy points at Proxyscope, amber while a
// restore is pending, an outline when not set.
QIcon stateIcon(State state) {
  QPixmap pixmap(32, 32);
  pixmap.fill(Qt::transparent);
  QPainter painter(&pixmap);
  painter.setRenderHint(QPainter::Antialiasing);
  const QColor color = state == State::SetByUs          ? QColor(0x2d, 0xa4, 0x4e)
                       : state == State::RestorePending ? QColor(0xd9, 0x8e, 0x04)
                                                        : QColor(0x80, 0x80, 0x80);
  painter.setPen(QPen(color, 2.5));
  painter.setBrush(state == State::NotSet ? QBrush(Qt::NoBrush) : QBrush(color.lighter(170)));
  painter.drawEllipse(QRectF(4, 4, 24, 24));
  painter.setBrush(Qt::NoBrush);
  painter.drawEllipse(QRectF(11, 4, 10, 24));
  painter.drawLine(QPointF(4, 16), QPointF(28, 16));
  return QIcon(pixmap);
}

}  // namespace

SystemProxyUi::SystemProxyUi(MainWindow& window, const QStringList& watchdogCommand)
    : QObject(&window), m_window(window), m_bridge(window.bridge()), m_worker(std::make_unique<QThreadPool>()) {
  m_worker->setMaxThreadCount(1);
  m_bridge.configureSystemProxy(watchdogCommand);

  QToolBar* bar = window.proxyToolBar();
  bar->addSeparator();
  // The menu entry says what it does; the toolbar button (its icon text) shows the state.
  m_toggle = bar->addAction(stateIcon(State::NotSet), tr("Use as &system proxy"));
  m_toggle->setObjectName(QStringLiteral("systemProxyAction"));
  m_toggle->setCheckable(true);
  m_toggle->setToolTip(tr("Point the system proxy at Proxyscope; the previous settings come back when "
                          "it is turned off, the proxy stops or Proxyscope exits (even after a crash)"));
  connect(m_toggle, &QAction::toggled, this, &SystemProxyUi::onToggled);

  QMenu* menu = window.proxyMenu();
  menu->addSeparator();
  menu->addAction(m_toggle);
  m_chainPrior = menu->addAction(tr("Chain to the &previous system proxy"));
  m_chainPrior->setObjectName(QStringLiteral("chainPriorProxyAction"));
  m_chainPrior->setCheckable(true);
  m_chainPrior->setChecked(QSettings().value(QStringLiteral("systemProxy/chainPrior"), false).toBool());
  m_chainPrior->setToolTip(tr("While the system proxy points at Proxyscope, send its upstream traffic through the "
                              "manual proxy that was set before (corporate networks keep working)"));
  connect(m_chainPrior, &QAction::toggled, this, &SystemProxyUi::onChainToggled);
  m_restore = menu->addAction(tr("&Restore system proxy"));
  m_restore->setObjectName(QStringLiteral("restoreSystemProxyAction"));
  m_restore->setToolTip(tr("Put the system proxy settings back as they were before Proxyscope"));
  connect(m_restore, &QAction::triggered, this, &SystemProxyUi::onRestore);
  menu->addSeparator();
  m_launchChromium = menu->addAction(tr("Launch &Chromium pre-configured"));
  m_launchChromium->setObjectName(QStringLiteral("launchChromiumAction"));
  m_launchChromium->setToolTip(tr("A fresh Chromium profile using this proxy and trusting Proxyscope's CA; "
                                  "nothing system-wide changes"));
  connect(m_launchChromium, &QAction::triggered, this, &SystemProxyUi::launchChromium);
  m_launchFirefox = menu->addAction(tr("Launch &Firefox pre-configured"));
  m_launchFirefox->setObjectName(QStringLiteral("launchFirefoxAction"));
  m_launchFirefox->setToolTip(tr("A fresh Firefox profile using this proxy, with Proxyscope's CA imported "
                                 "(certutil); nothing system-wide changes"));
  connect(m_launchFirefox, &QAction::triggered, this, &SystemProxyUi::launchFirefox);
  m_copyExports = menu->addAction(tr("Copy shell e&xports"));
  m_copyExports->setObjectName(QStringLiteral("copyShellExportsAction"));
  m_copyExports->setToolTip(tr("HTTP_PROXY, HTTPS_PROXY and the CA variables (as `proxyscope env`) for a terminal"));
  connect(m_copyExports, &QAction::triggered, this, &SystemProxyUi::copyExports);

  connect(&m_bridge, &EngineBridge::runningChanged, this, [this](bool running) { onRunningChanged(running); });
  // SIGINT/SIGTERM quit the application (app/gui_main.cpp): restore before the loop ends.
  connect(qApp, &QCoreApplication::aboutToQuit, this, &SystemProxyUi::restoreNow);

  showState();
  // A journal left by a run that died with its watchdog (power loss) is restored now.
  EngineBridge* bridge = &m_bridge;
  runJob([bridge] { return bridge->recoverStaleSystemProxy(); });
}

// The window's actions may already be gone here (children are deleted in creation order).
SystemProxyUi::~SystemProxyUi() { restoreSync(); }

QString SystemProxyUi::stateText() const {
  switch (m_state) {
    case State::SetByUs: return tr("System proxy → Proxyscope");
    case State::RestorePending: return tr("System proxy: restore pending");
    case State::NotSet: break;
  }
  return tr("System proxy: not set");
}

void SystemProxyUi::runJob(Job job) {
  if (m_shutDown) return;
  ++m_pending;
  showState();
  m_worker->start([this, job = std::move(job)] {
    auto result = job();
    // Queued to the GUI thread; dropped if this object is gone by then (its destructor waits for
    // the worker, so `this` is alive while the job runs).
    QMetaObject::invokeMethod(this, [this, result] {
      --m_pending;
      apply(result);
    }, Qt::QueuedConnection);
  });
}

void SystemProxyUi::apply(const EngineBridge::SystemProxyResult& result) {
  if (m_shutDown) return;
  m_state = result.state;
  m_target = result.target;
  if (!result.error.isEmpty()) m_window.notify(tr("System proxy: %1").arg(result.error), true);
  else if (!result.message.isEmpty()) m_window.notify(result.message);
  showState();
}

void SystemProxyUi::showState() {
  QSignalBlocker block(m_toggle);
  m_toggle->setChecked(m_state == State::SetByUs);
  m_toggle->setIconText(stateText());
  m_toggle->setIcon(stateIcon(m_state));
  m_toggle->setEnabled(!busy() && !m_shutDown);
  m_restore->setEnabled(!busy() && !m_shutDown && m_state != State::NotSet);
  emit stateChanged(m_state);
}

void SystemProxyUi::onToggled(bool on) {
  EngineBridge* bridge = &m_bridge;
  if (!on) {
    runJob([bridge] { return bridge->disableSystemProxy(); });
    return;
  }
  if (!m_bridge.running() || m_bridge.mode() != ProxyModeUi::Forward) {
    m_window.notify(tr("System proxy: start the forward proxy first"), true);
    showState();  // unchecks
    return;
  }
  const QString listen = m_bridge.listenAddress();
  const bool chain = m_chainPrior->isChecked();
  runJob([bridge, listen, chain] {
    auto result = bridge->enableSystemProxy(listen);
    if (result.error.isEmpty()) {
      result.message = QObject::tr("System proxy now points at Proxyscope (%1)").arg(result.target);
      if (chain) {
        QString why;
        const QString chained = bridge->chainPriorSystemProxy(&why);
        result.message += QStringLiteral("; ") + (chained.isEmpty() ? QObject::tr("not chained: %1").arg(why) : chained);
      }
    }
    return result;
  });
}

void SystemProxyUi::onChainToggled(bool on) {
  QSettings().setValue(QStringLiteral("systemProxy/chainPrior"), on);
  if (m_state != State::SetByUs) return;  // applied when the system proxy is set
  EngineBridge* bridge = &m_bridge;
  runJob([bridge, on] {
    auto result = bridge->systemProxyStatus();
    if (!on) {
      bridge->unchainPriorSystemProxy();
      result.message = QObject::tr("Upstream traffic goes directly again");
      return result;
    }
    QString why;
    result.message = bridge->chainPriorSystemProxy(&why);
    if (result.message.isEmpty()) result.error = QObject::tr("not chained: %1").arg(why);
    return result;
  });
}

void SystemProxyUi::onRestore() {
  EngineBridge* bridge = &m_bridge;
  if (m_state == State::SetByUs) {
    runJob([bridge] {
      auto result = bridge->disableSystemProxy();
      if (result.error.isEmpty()) result.message = QObject::tr("System proxy restored");
      return result;
    });
  } else {
    // Pending: restores a journal whose owner is gone; one of a running Proxyscope is left to it.
    runJob([bridge] { return bridge->recoverStaleSystemProxy(); });
  }
}

void SystemProxyUi::onRunningChanged(bool running) {
  if (running || m_shutDown || (m_state != State::SetByUs && !busy())) return;
  // Stop (or a mode/address switch): nothing listens there any more, so put the settings back.
  EngineBridge* bridge = &m_bridge;
  runJob([bridge] {
    auto result = bridge->disableSystemProxy();
    if (result.error.isEmpty() && result.state == State::NotSet) {
      result.message = QObject::tr("System proxy restored (the proxy stopped)");
    }
    return result;
  });
}

void SystemProxyUi::restoreNow() {
  if (m_shutDown) return;
  restoreSync();
  showState();
}

void SystemProxyUi::restoreSync() {
  if (m_shutDown) return;
  m_worker->waitForDone();
  m_shutDown = true;
  auto result = m_bridge.disableSystemProxy();
  m_state = result.state;
  if (!result.error.isEmpty()) qWarning("proxyscope: %s", qPrintable(result.error));
}

void SystemProxyUi::launchChromium() {
  QString error;
  if (!m_bridge.running() || m_bridge.mode() != ProxyModeUi::Forward) {
    error = tr("Start the forward proxy first: Chromium is pointed at its listen address.");
  } else {
    error = m_bridge.launchChromium(m_bridge.listenAddress());
  }
  if (error.isEmpty()) {
    m_window.notify(tr("Chromium started with a fresh profile using Proxyscope (%1)").arg(m_bridge.listenAddress()));
    return;
  }
  launchFailed(QStringLiteral("Chromium"), error);
}

void SystemProxyUi::launchFailed(const QString& browser, const QString& error) {
  m_window.notify(tr("Launch %1: %2").arg(browser, error), true);
  // Not modal-blocking (exec): the event loop and the live flow list keep running.
  auto* box = new QMessageBox(QMessageBox::Warning, tr("Launch %1").arg(browser),
                              tr("%1 could not be launched.").arg(browser), QMessageBox::Ok, &m_window);
  box->setObjectName(QStringLiteral("launch%1Error").arg(browser));
  box->setInformativeText(error);
  box->setAttribute(Qt::WA_DeleteOnClose);
  box->open();
}

void SystemProxyUi::launchFirefox() {
  if (!m_bridge.running() || m_bridge.mode() != ProxyModeUi::Forward) {
    launchFailed(QStringLiteral("Firefox"), tr("Start the forward proxy first: Firefox is pointed at its listen address."));
    return;
  }
  // The profile is prepared with certutil (a process): on the worker, not the GUI thread.
  EngineBridge* bridge = &m_bridge;
  const QString listen = m_bridge.listenAddress();
  m_launchFirefox->setEnabled(false);
  m_worker->start([this, bridge, listen] {
    QString note;
    const QString error = bridge->launchFirefox(listen, &note);
    QMetaObject::invokeMethod(this, [this, error, note, listen] {
      m_launchFirefox->setEnabled(true);
      if (!error.isEmpty()) {
        launchFailed(QStringLiteral("Firefox"), error);
        return;
      }
      QString text = tr("Firefox started with a fresh profile using Proxyscope (%1)").arg(listen);
      if (!note.isEmpty()) text += QStringLiteral(" — ") + note;
      m_window.notify(text, !note.isEmpty());
    }, Qt::QueuedConnection);
  });
}

void SystemProxyUi::copyExports() {
  QString error;
  const QString text = m_bridge.shellExports(m_bridge.listenAddress(), &error);
  if (!error.isEmpty()) {
    m_window.notify(tr("Copy shell exports: %1").arg(error), true);
    return;
  }
  QApplication::clipboard()->setText(text);
  m_window.notify(tr("Shell exports copied: paste them into a terminal to route it through Proxyscope"));
}

SystemProxyUi* installSystemProxyUi(MainWindow& window, const QStringList& watchdogCommand) {
  return new SystemProxyUi(window, watchdogCommand);
}

}  // namespace ps::ui
