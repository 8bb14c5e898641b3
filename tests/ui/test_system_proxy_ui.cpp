// The GUI's system proxy (ui/system_proxy_ui.h) offscreen with the real engine and the real
// `gsettings` (keyfile backend in a temporary XDG_CONFIG_HOME, as tests/integration/
// test_system_proxy_cli.cpp): toggling on points GNOME's proxy at the running listener, off / Stop /
// closing the window put back the exact prior values (a manual corporate proxy and an ignore list),
// a stale journal is restored at start with a message, the Proxy menu's shell exports equal
// `proxyscope env`, Launch Firefox reports a missing browser, and "Chain to the previous system
// proxy" sends upstream traffic through the manual proxy set before.
#include <QAction>
#include <QClipboard>
#include <QFile>
#include <QGuiApplication>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QProcess>
#include <QRegularExpression>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <QToolBar>

#include "engine/net/engine.h"
#include "engine/sysproxy/system_proxy_backend.h"
#include "tests/support/gsettings_test_support.h"
#include "tests/support/proxy_harness.h"
#include "tests/support/test_origin.h"
#include "tests/support/test_support.h"
#include "ui/engine_bridge.h"
#include "ui/main_window.h"
#include "ui/system_proxy_ui.h"

namespace eng = ps::engine;
using ps::test::run;
using ps::ui::EngineBridge;
using ps::ui::MainWindow;
using ps::ui::SystemProxyUi;
using State = EngineBridge::SystemProxyState;

namespace {

QString gsettingsGet(const QString& schema, const QString& key) {
  return ps::test::gsettingsGet(QProcessEnvironment::systemEnvironment(), schema, key);
}
bool gsettingsSet(const QString& schema, const QString& key, const QString& value) {
  return ps::test::gsettingsSet(QProcessEnvironment::systemEnvironment(), schema, key, value);
}

QString statusText(MainWindow& window) {
  QString all;
  for (auto* label : window.statusBar()->findChildren<QLabel*>()) all += label->text() + QLatin1Char('\n');
  return all;
}

// One GUI run: a real engine (forward, 127.0.0.1 port 0) with its bridge and window.
struct Gui {
  std::unique_ptr<eng::Engine> engine;
  std::unique_ptr<EngineBridge> bridge;
  std::unique_ptr<MainWindow> window;
  SystemProxyUi* sysproxy = nullptr;

  explicit Gui(const QString& dataDir) {
    auto config = std::make_shared<eng::EngineConfig>();
    config->listen = {"127.0.0.1", 0};
    config->dataDir = dataDir.toStdString();
    engine = eng::Engine::create(config);
    bridge = std::make_unique<EngineBridge>(*engine);
    window = std::make_unique<MainWindow>(*bridge);
    sysproxy = ps::ui::installSystemProxyUi(*window, {ps::test::proxyscopeBinary(), QStringLiteral("--sysproxy-watchdog")});
    window->show();
  }
  ~Gui() {
    window.reset();  // restores (SystemProxyUi's destructor)
    engine->stop();
    bridge.reset();
    engine.reset();
  }
  QString port() const { return bridge->listenAddress().section(QLatin1Char(':'), -1); }
};

}  // namespace

class TestSystemProxyUi : public QObject {
  Q_OBJECT

  QTemporaryDir m_dir;

  bool setPrior() { return ps::test::setPriorProxy(QProcessEnvironment::systemEnvironment()); }
  void verifyPrior() { ps::test::verifyPriorProxy(QProcessEnvironment::systemEnvironment()); }
  void verifyPointsAt(const QString& port) {
    QCOMPARE(gsettingsGet("org.gnome.system.proxy", "mode"), QString("'manual'"));
    QCOMPARE(gsettingsGet("org.gnome.system.proxy.http", "host"), QString("'127.0.0.1'"));
    QCOMPARE(gsettingsGet("org.gnome.system.proxy.http", "port"), port);
    QCOMPARE(gsettingsGet("org.gnome.system.proxy.https", "host"), QString("'127.0.0.1'"));
    QCOMPARE(gsettingsGet("org.gnome.system.proxy.https", "port"), port);
  }
  // Starts the proxy, waits for the start-up recovery, turns the system proxy on.
  void turnOn(Gui& gui) {
    QVERIFY(gui.bridge->start().isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(!gui.sysproxy->busy(), 15000);
    QVERIFY(gui.sysproxy->toggleAction()->isEnabled());
    gui.sysproxy->toggleAction()->trigger();
    QTRY_VERIFY2_WITH_TIMEOUT(gui.sysproxy->state() == State::SetByUs && !gui.sysproxy->busy(),
                              qPrintable(statusText(*gui.window)), 15000);
  }

 private slots:
  void initTestCase() {
    if (run("gsettings", {"--version"}, 10000).exitCode != 0) QSKIP("gsettings is not installed");
    QVERIFY(m_dir.isValid());
    // Every gsettings/kwriteconfig call (the engine's and the test's) sees this temporary profile.
    qputenv("GSETTINGS_BACKEND", "keyfile");
    qputenv("XDG_CONFIG_HOME", m_dir.filePath("config").toUtf8());
    QDir().mkpath(m_dir.filePath("config"));
  }

  void toggleOnPointsAtListenerAndOffRestoresExactly() {
    QVERIFY(setPrior());
    const QString data = m_dir.filePath("d1");
    Gui gui(data);
    QCOMPARE(gui.sysproxy->toggleAction()->iconText(), QStringLiteral("System proxy: not set"));
    QVERIFY(gui.window->proxyToolBar()->actions().contains(gui.sysproxy->toggleAction()));
    QVERIFY(!gui.sysproxy->restoreAction()->isEnabled());
    turnOn(gui);
    verifyPointsAt(gui.port());
    QVERIFY(gui.sysproxy->toggleAction()->isChecked());
    QCOMPARE(gui.sysproxy->toggleAction()->iconText(), QStringLiteral("System proxy → Proxyscope"));
    QVERIFY(gui.sysproxy->restoreAction()->isEnabled());
    QVERIFY(QFile::exists(data + "/system-proxy.journal"));

    gui.sysproxy->toggleAction()->trigger();  // off
    QTRY_VERIFY_WITH_TIMEOUT(gui.sysproxy->state() == State::NotSet && !gui.sysproxy->busy(), 15000);
    verifyPrior();
    QVERIFY(!gui.sysproxy->toggleAction()->isChecked());
    QVERIFY(!QFile::exists(data + "/system-proxy.journal"));
  }

  void restoreActionAndStopRestore() {
    QVERIFY(setPrior());
    Gui gui(m_dir.filePath("d2"));
    turnOn(gui);
    gui.sysproxy->restoreAction()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(gui.sysproxy->state() == State::NotSet && !gui.sysproxy->busy(), 15000);
    verifyPrior();

    // Stopping the proxy leaves nothing listening there: the settings go back.
    gui.sysproxy->toggleAction()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(gui.sysproxy->state() == State::SetByUs && !gui.sysproxy->busy(), 15000);
    verifyPointsAt(gui.port());
    gui.window->toggleStartStop();
    QVERIFY(!gui.bridge->running());
    QTRY_VERIFY_WITH_TIMEOUT(gui.sysproxy->state() == State::NotSet && !gui.sysproxy->busy(), 15000);
    verifyPrior();
    QVERIFY(statusText(*gui.window).contains("restored"));
  }

  void offWhenNotRunningIsRefused() {
    QVERIFY(setPrior());
    Gui gui(m_dir.filePath("d3"));
    QTRY_VERIFY_WITH_TIMEOUT(!gui.sysproxy->busy(), 15000);
    gui.sysproxy->toggleAction()->trigger();  // the proxy is not started
    QVERIFY(!gui.sysproxy->toggleAction()->isChecked());
    QCOMPARE(gui.sysproxy->state(), State::NotSet);
    QVERIFY(statusText(*gui.window).contains("start the forward proxy first"));
    verifyPrior();
  }

  void closingTheWindowRestores() {
    QVERIFY(setPrior());
    {
      Gui gui(m_dir.filePath("d4"));
      turnOn(gui);
      verifyPointsAt(gui.port());
    }
    verifyPrior();
    QVERIFY(!QFile::exists(m_dir.filePath("d4/system-proxy.journal")));
  }

  // Leaves the state of a crash: the proxy points at a dead listener and data's journal names pid.
  void simulateCrash(const QString& data, qint64 pid) {
    const QString journal = data + "/system-proxy.journal";
    QByteArray saved;
    QString port;
    {
      Gui gui(data);
      turnOn(gui);
      port = gui.port();
      QFile f(journal);
      QVERIFY(f.open(QIODevice::ReadOnly));
      saved = f.readAll();
    }
    verifyPrior();
    QVERIFY(gsettingsSet("org.gnome.system.proxy.http", "host", "127.0.0.1"));
    QVERIFY(gsettingsSet("org.gnome.system.proxy.http", "port", port));
    QString text = QString::fromUtf8(saved);
    text.replace(QRegularExpression("\"pid\": *(\\d+)"), QString("\"pid\": %1").arg(pid));
    QVERIFY(text.contains(QString::number(pid)));
    QFile w(journal);
    QVERIFY(w.open(QIODevice::WriteOnly));
    w.write(text.toUtf8());
  }

  void staleJournalRestoredAtStartWithMessage() {
    QVERIFY(setPrior());
    const QString data = m_dir.filePath("d5");
    // The app and its watchdog both died: the journal names a process that is gone.
    simulateCrash(data, 999999);  // no such process (pid_max is lower here)
    if (QTest::currentTestFailed()) return;

    Gui next(data);
    QTRY_VERIFY_WITH_TIMEOUT(statusText(*next.window).contains("Restored the system proxy"), 15000);
    QVERIFY(statusText(*next.window).contains("999999"));
    QTRY_VERIFY_WITH_TIMEOUT(!next.sysproxy->busy(), 15000);
    QCOMPARE(next.sysproxy->state(), State::NotSet);
    verifyPrior();
    QVERIFY(!QFile::exists(data + "/system-proxy.journal"));
  }

  void journalOfARunningOwnerIsRestorePending() {
    QVERIFY(setPrior());
    const QString data = m_dir.filePath("d8");
    // Another Proxyscope still runs (a live process owns the journal): it is left to that owner.
    QProcess owner;
    owner.start("sleep", {"60"});
    QVERIFY(owner.waitForStarted(10000));
    simulateCrash(data, owner.processId());
    if (QTest::currentTestFailed()) return;

    Gui gui(data);
    QTRY_VERIFY_WITH_TIMEOUT(!gui.sysproxy->busy(), 15000);
    QCOMPARE(gui.sysproxy->state(), State::RestorePending);
    QCOMPARE(gui.sysproxy->toggleAction()->iconText(), QStringLiteral("System proxy: restore pending"));
    QVERIFY(gui.sysproxy->restoreAction()->isEnabled());
    QVERIFY(QFile::exists(data + "/system-proxy.journal"));

    // The owner dies without restoring; Restore now puts the settings back.
    owner.kill();
    QVERIFY(owner.waitForFinished(10000));
    gui.sysproxy->restoreAction()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(gui.sysproxy->state() == State::NotSet && !gui.sysproxy->busy(), 15000);
    QVERIFY(statusText(*gui.window).contains("Restored the system proxy"));
    verifyPrior();
    QVERIFY(!QFile::exists(data + "/system-proxy.journal"));
  }

  void copyShellExportsEqualsEnvCommand() {
    const QString data = m_dir.filePath("d6");
    Gui gui(data);
    QVERIFY(gui.bridge->start().isEmpty());
    QGuiApplication::clipboard()->clear();
    gui.sysproxy->copyExportsAction()->trigger();
    const QString copied = QGuiApplication::clipboard()->text();
    QVERIFY2(copied.contains("export HTTPS_PROXY=") && copied.contains(gui.port()), qPrintable(copied));
    QVERIFY(copied.contains("SSL_CERT_FILE="));
    auto env = run(ps::test::proxyscopeBinary(), {"env", "--listen", gui.bridge->listenAddress(), "--data-dir", data});
    QCOMPARE(env.exitCode, 0);
    QCOMPARE(copied, QString::fromUtf8(env.out));
  }

  void launchChromiumWithoutChromiumSaysSo() {
    Gui gui(m_dir.filePath("d7"));
    QVERIFY(gui.bridge->start().isEmpty());
    const QByteArray path = qgetenv("PATH");
    QDir().mkpath(m_dir.filePath("empty-bin"));
    qputenv("PATH", m_dir.filePath("empty-bin").toUtf8());  // no chromium, no chrome
    gui.sysproxy->launchChromiumAction()->trigger();
    qputenv("PATH", path);
    QVERIFY(statusText(*gui.window).contains("Chromium or Chrome is not installed"));
    auto* box = gui.window->findChild<QMessageBox*>("launchChromiumError");
    QVERIFY(box);
    QTRY_VERIFY_WITH_TIMEOUT(box->isVisible(), 5000);
    QVERIFY(box->informativeText().contains("not installed"));
    box->close();
  }

  void launchFirefoxWithoutFirefoxSaysSo() {
    Gui gui(m_dir.filePath("d8"));
    QVERIFY(gui.window->proxyMenu()->actions().contains(gui.sysproxy->launchFirefoxAction()));
    QVERIFY(gui.bridge->start().isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(!gui.sysproxy->busy(), 15000);
    const QByteArray path = qgetenv("PATH");
    QDir().mkpath(m_dir.filePath("empty-bin"));
    qputenv("PATH", m_dir.filePath("empty-bin").toUtf8());  // no firefox (the profile is made off the GUI thread)
    gui.sysproxy->launchFirefoxAction()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(gui.window->findChild<QMessageBox*>("launchFirefoxError") != nullptr, 10000);
    qputenv("PATH", path);
    auto* box = gui.window->findChild<QMessageBox*>("launchFirefoxError");
    QVERIFY(box->informativeText().contains("Firefox is not installed"));
    QVERIFY(gui.sysproxy->launchFirefoxAction()->isEnabled());
    box->close();
  }

  // Proxy → Chain to the previous system proxy: the manual proxy set before (an in-test forward
  // proxy on loopback that counts what it sees) carries Proxyscope's upstream traffic while the
  // system proxy points at Proxyscope, and no longer once it is restored.
  void chainToThePriorProxy() {
    ps::test::TestOrigin origin;
    ps::test::ProxyHarness corporate;
    const QString corpPort = QString::number(corporate.port());
    // Only GNOME had a manual proxy (earlier tests leave a KDE one in kioslaverc, read first).
    QFile::remove(m_dir.filePath("config/kioslaverc"));
    // Written through this process's GSettings (the engine's GIO), which caches what it read: writes
    // by the gsettings CLI would reach it only through a file monitor the test does not run.
    auto gnome = eng::makeGnomeProxyBackend();
    QVERIFY(gnome);
    eng::PriorState prior{{"org.gnome.system.proxy:mode", {true, "'manual'"}},
                          {"org.gnome.system.proxy:ignore-hosts", {true, "@as []"}},
                          {"org.gnome.system.proxy.http:host", {true, "'127.0.0.1'"}},
                          {"org.gnome.system.proxy.http:port", {true, corpPort.toStdString()}},
                          {"org.gnome.system.proxy.https:host", {false, ""}},
                          {"org.gnome.system.proxy.https:port", {false, ""}}};
    QVERIFY(gnome->restore(prior).ok());
    Gui gui(m_dir.filePath("d9"));
    QVERIFY(gui.window->proxyMenu()->actions().contains(gui.sysproxy->chainPriorAction()));
    if (!gui.sysproxy->chainPriorAction()->isChecked()) gui.sysproxy->chainPriorAction()->trigger();
    turnOn(gui);
    QTRY_VERIFY2_WITH_TIMEOUT(statusText(*gui.window).contains("previous system proxy 127.0.0.1:" + corpPort),
                              qPrintable(statusText(*gui.window)), 5000);
    QVERIFY(gui.bridge->priorSystemProxyChained());

    const QString via = "http://" + gui.bridge->listenAddress();
    auto r = run("curl", {"-sS", "--max-time", "8", "-x", via, QString::fromStdString(origin.url("/hello?gui-chained"))});
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.out, QByteArray("hello world\n"));
    auto seen = corporate.finishedFlows(1);
    QCOMPARE(seen.size(), size_t(1));
    QCOMPARE(seen.front()->request.path, std::string("/hello?gui-chained"));

    gui.sysproxy->chainPriorAction()->trigger();  // unchecked: direct again, system proxy still set
    QTRY_VERIFY_WITH_TIMEOUT(!gui.bridge->priorSystemProxyChained() && !gui.sysproxy->busy(), 15000);
    QCOMPARE(gui.sysproxy->state(), State::SetByUs);
    gui.sysproxy->chainPriorAction()->trigger();  // checked again: chained at once
    QTRY_VERIFY_WITH_TIMEOUT(gui.bridge->priorSystemProxyChained() && !gui.sysproxy->busy(), 15000);
    gui.sysproxy->toggleAction()->trigger();  // restoring the system proxy unchains
    QTRY_VERIFY_WITH_TIMEOUT(gui.sysproxy->state() == State::NotSet && !gui.sysproxy->busy(), 15000);
    QVERIFY(!gui.bridge->priorSystemProxyChained());
    QCOMPARE(gsettingsGet("org.gnome.system.proxy.http", "port"), corpPort);
    gui.sysproxy->chainPriorAction()->trigger();  // leave the setting off for other runs
    QVERIFY(!gui.sysproxy->chainPriorAction()->isChecked());
  }
};

QTEST_MAIN(TestSystemProxyUi)
#include "test_system_proxy_ui.moc"
