// System proxy backends against the real tools: GNOME's GSettings (keyfile backend in a temporary
// XDG_CONFIG_HOME, read back with the real `gsettings` CLI) and KDE's kwriteconfig5/kreadconfig5
// on a temporary kioslaverc. The journal, the stale-journal recovery and the watchdog.
#include <QtTest>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "engine/sysproxy/process.h"
#include "engine/sysproxy/proxy_journal.h"
#include "engine/sysproxy/system_proxy_manager.h"
#include "tests/support/test_support.h"

using namespace ps::engine;

namespace {

QString gsettingsGet(const char* schema, const char* key) {
  auto r = ps::test::run("gsettings", {"get", schema, key});
  return QString::fromUtf8(r.out).trimmed();
}
QString kread(const char* key) {
  auto r = ps::test::run("kreadconfig5", {"--file", "kioslaverc", "--group", "Proxy Settings", "--key", key, "--default", "<unset>"});
  return QString::fromUtf8(r.out).trimmed();
}

std::vector<std::unique_ptr<SystemProxyBackend>> only(std::unique_ptr<SystemProxyBackend> b) {
  std::vector<std::unique_ptr<SystemProxyBackend>> v;
  v.push_back(std::move(b));
  return v;
}

}  // namespace

class TestSystemProxy : public QObject {
  Q_OBJECT
  QTemporaryDir m_config;
  QTemporaryDir m_data;

  bool gnomeAvailable() { return makeGnomeProxyBackend() && makeGnomeProxyBackend()->available(); }

 private slots:
  void initTestCase() {
    QVERIFY(m_config.isValid());
    // Before any GIO use in this process: GSettings reads both once.
    qputenv("XDG_CONFIG_HOME", m_config.path().toUtf8());
    qputenv("GSETTINGS_BACKEND", "keyfile");
  }

  void gnomeSetAndRestoreExactly() {
    if (!gnomeAvailable()) QSKIP("GIO or the org.gnome.system.proxy schema is not installed");
    auto backend = makeGnomeProxyBackend();
    // The prior state a corporate desktop might have: a manual proxy with an ignore list; the
    // https keys never set (defaults).
    PriorState corporate{{"org.gnome.system.proxy:mode", {true, "'manual'"}},
                         {"org.gnome.system.proxy:ignore-hosts", {true, "['corp.local', '10.0.0.0/8']"}},
                         {"org.gnome.system.proxy.http:host", {true, "'proxy.corp'"}},
                         {"org.gnome.system.proxy.http:port", {true, "3128"}},
                         {"org.gnome.system.proxy.https:host", {false, ""}},
                         {"org.gnome.system.proxy.https:port", {false, ""}}};
    QVERIFY(backend->restore(corporate).ok());
    QCOMPARE(gsettingsGet("org.gnome.system.proxy.http", "host"), QString("'proxy.corp'"));

    SystemProxyManager manager(m_data.path().toStdString(), only(makeGnomeProxyBackend()));
    auto enabled = manager.enable({"127.0.0.1", 18080, {"localhost"}});
    QVERIFY2(enabled.ok(), enabled.ok() ? "" : enabled.error().message.c_str());
    QCOMPARE(manager.state(), SystemProxyManager::State::SetByUs);
    QVERIFY(QFile::exists(QString::fromStdString(manager.journalPath())));
    QCOMPARE(QFile::permissions(QString::fromStdString(manager.journalPath())) & (QFile::ReadGroup | QFile::ReadOther),
             QFileDevice::Permissions());
    QCOMPARE(gsettingsGet("org.gnome.system.proxy", "mode"), QString("'manual'"));
    QCOMPARE(gsettingsGet("org.gnome.system.proxy.http", "host"), QString("'127.0.0.1'"));
    QCOMPARE(gsettingsGet("org.gnome.system.proxy.http", "port"), QString("18080"));
    QCOMPARE(gsettingsGet("org.gnome.system.proxy.https", "port"), QString("18080"));
    QCOMPARE(gsettingsGet("org.gnome.system.proxy", "ignore-hosts"), QString("['localhost']"));
    QCOMPARE(manager.priorHttpProxy(), std::string("proxy.corp:3128"));

    QVERIFY(manager.disable().ok());
    QCOMPARE(manager.state(), SystemProxyManager::State::NotSet);
    QCOMPARE(gsettingsGet("org.gnome.system.proxy", "mode"), QString("'manual'"));
    QCOMPARE(gsettingsGet("org.gnome.system.proxy.http", "host"), QString("'proxy.corp'"));
    QCOMPARE(gsettingsGet("org.gnome.system.proxy.http", "port"), QString("3128"));
    QCOMPARE(gsettingsGet("org.gnome.system.proxy", "ignore-hosts"), QString("['corp.local', '10.0.0.0/8']"));
    // Keys that were never set are reset, not written with the default value.
    auto after = makeGnomeProxyBackend()->capture();
    QVERIFY(after.ok());
    QVERIFY(!after->at("org.gnome.system.proxy.https:host").set);
    QVERIFY(!after->at("org.gnome.system.proxy.https:port").set);
    QCOMPARE(gsettingsGet("org.gnome.system.proxy.https", "port"), QString("0"));
  }

  void kdeSetAndRestoreExactly() {
    auto backend = makeKdeProxyBackend();
    if (!backend->available()) QSKIP("kwriteconfig5/kreadconfig5 are not installed (libkf5config-bin)");
    auto w = [](const char* key, const char* value) {
      return ps::test::run("kwriteconfig5", {"--file", "kioslaverc", "--group", "Proxy Settings", "--key", key, value}).exitCode;
    };
    QCOMPARE(w("ProxyType", "1"), 0);
    QCOMPARE(w("httpProxy", "http://proxy.corp 3128"), 0);
    QCOMPARE(w("NoProxyFor", "corp.local"), 0);
    // httpsProxy absent.

    SystemProxyManager manager(m_data.path().toStdString(), only(makeKdeProxyBackend()));
    auto enabled = manager.enable({"127.0.0.1", 18081, {"localhost", "127.0.0.1"}});
    QVERIFY2(enabled.ok(), enabled.ok() ? "" : enabled.error().message.c_str());
    QCOMPARE(kread("ProxyType"), QString("1"));
    QCOMPARE(kread("httpProxy"), QString("http://127.0.0.1 18081"));
    QCOMPARE(kread("httpsProxy"), QString("http://127.0.0.1 18081"));
    QCOMPARE(kread("NoProxyFor"), QString("localhost,127.0.0.1"));
    QCOMPARE(manager.priorHttpProxy(), std::string("proxy.corp:3128"));

    QVERIFY(manager.disable().ok());
    QCOMPARE(kread("ProxyType"), QString("1"));
    QCOMPARE(kread("httpProxy"), QString("http://proxy.corp 3128"));
    QCOMPARE(kread("NoProxyFor"), QString("corp.local"));
    QCOMPARE(kread("httpsProxy"), QString("<unset>"));
    QVERIFY(!QFile::exists(QString::fromStdString(manager.journalPath())));
  }

  void journalRoundTripAndDamage() {
    ProxyJournal j;
    j.pid = 4242;
    j.bootId = "boot";
    j.backend = "kde";
    j.proxy = "127.0.0.1:8080";
    j.prior["kde/ProxyType"] = {true, "0"};
    j.prior["kde/httpsProxy"] = {false, ""};
    QString path = m_data.filePath("j1.journal");
    QVERIFY(j.save(path.toStdString()).ok());
    auto loaded = ProxyJournal::load(path.toStdString());
    QVERIFY(loaded.ok() && loaded->has_value());
    QCOMPARE((*loaded)->pid, 4242);
    QVERIFY((*loaded)->prior == j.prior);
    // Another boot means the owner is gone whatever the pid.
    QVERIFY((*loaded)->ownerGone());

    QVERIFY(ProxyJournal::load(m_data.filePath("missing").toStdString()).ok());
    QVERIFY(!ProxyJournal::load(m_data.filePath("missing").toStdString())->has_value());
    std::ofstream(m_data.filePath("bad.journal").toStdString()) << "{ not json";
    auto bad = ProxyJournal::load(m_data.filePath("bad.journal").toStdString());
    QVERIFY(!bad.ok());
    QVERIFY(bad.error().message.find("damaged journal") != std::string::npos);
  }

  void staleJournalIsRestoredAtStart() {
    auto backend = makeKdeProxyBackend();
    if (!backend->available()) QSKIP("kwriteconfig5 is not installed");
    QTemporaryDir data;
    // A run that was killed: the proxy is still set, its journal holds the prior state.
    QCOMPARE(ps::test::run("kwriteconfig5", {"--file", "kioslaverc", "--group", "Proxy Settings", "--key", "ProxyType", "1"}).exitCode, 0);
    QCOMPARE(ps::test::run("kwriteconfig5", {"--file", "kioslaverc", "--group", "Proxy Settings", "--key", "httpProxy", "http://127.0.0.1 9999"}).exitCode, 0);
    ProxyJournal j;
    pid_t dead = fork();
    if (dead == 0) _exit(0);
    waitpid(dead, nullptr, 0);  // a pid that is certainly gone
    j.pid = dead;
    j.bootId = ProxyJournal::currentBootId();
    j.backend = "kde";
    j.proxy = "127.0.0.1:9999";
    j.prior = {{"kde/ProxyType", {true, "0"}}, {"kde/httpProxy", {false, ""}}};
    std::string journalPath = data.filePath("system-proxy.journal").toStdString();
    QVERIFY(j.save(journalPath).ok());

    SystemProxyManager manager(data.path().toStdString(), only(makeKdeProxyBackend()));
    QCOMPARE(manager.state(), SystemProxyManager::State::RestorePending);
    auto message = manager.recoverStale();
    QVERIFY(message.ok());
    QVERIFY(message->has_value());
    QVERIFY((*message)->find("Restored") != std::string::npos);
    QCOMPARE(kread("ProxyType"), QString("0"));
    QCOMPARE(kread("httpProxy"), QString("<unset>"));
    QCOMPARE(manager.state(), SystemProxyManager::State::NotSet);
  }

  void journalOfALiveOwnerIsLeftAlone() {
    QTemporaryDir data;
    ProxyJournal j;
    j.pid = static_cast<int>(getpid());
    j.bootId = ProxyJournal::currentBootId();
    j.backend = "kde";
    j.prior = {{"kde/ProxyType", {true, "0"}}};
    QVERIFY(j.save(data.filePath("system-proxy.journal").toStdString()).ok());
    SystemProxyManager manager(data.path().toStdString(), only(makeKdeProxyBackend()));
    auto message = manager.recoverStale();
    QVERIFY(message.ok());
    QVERIFY(!message->has_value());
    QCOMPARE(manager.state(), SystemProxyManager::State::RestorePending);
    QVERIFY(!manager.enable({"127.0.0.1", 1, {}}).ok());  // another live run owns the system proxy
  }

  void watchdogRestoresWhenTheOwnerIsKilled() {
    auto backend = makeKdeProxyBackend();
    if (!backend->available()) QSKIP("kwriteconfig5 is not installed");
    QTemporaryDir data;
    QCOMPARE(ps::test::run("kwriteconfig5", {"--file", "kioslaverc", "--group", "Proxy Settings", "--key", "ProxyType", "0"}).exitCode, 0);
    // The "app": a child process that sets the proxy, then is killed with SIGKILL.
    pid_t app = fork();
    if (app == 0) {
      SystemProxyManager m(data.path().toStdString(), only(makeKdeProxyBackend()));
      if (!m.enable({"127.0.0.1", 18082, {}}).ok()) _exit(3);
      for (;;) pause();
    }
    std::string journalPath = data.filePath("system-proxy.journal").toStdString();
    QTRY_VERIFY_WITH_TIMEOUT(kread("ProxyType") == "1", 10000);
    QVERIFY(QFile::exists(QString::fromStdString(journalPath)));
    int rc = -1;
    std::thread watchdog([&] { rc = SystemProxyManager::runWatchdog(journalPath, app, only(makeKdeProxyBackend())); });
    kill(app, SIGKILL);
    waitpid(app, nullptr, 0);
    watchdog.join();
    QCOMPARE(rc, 0);
    QCOMPARE(kread("ProxyType"), QString("0"));
    QCOMPARE(kread("httpProxy"), QString("<unset>"));
    QVERIFY(!QFile::exists(QString::fromStdString(journalPath)));
  }

  void watchdogExitsAfterACleanDisable() {
    QTemporaryDir data;
    std::string journalPath = data.filePath("system-proxy.journal").toStdString();
    ProxyJournal j;
    j.pid = static_cast<int>(getpid());
    j.bootId = ProxyJournal::currentBootId();
    QVERIFY(j.save(journalPath).ok());
    int rc = -1;
    std::thread watchdog([&] { rc = SystemProxyManager::runWatchdog(journalPath, getpid(), {}); });
    std::remove(journalPath.c_str());
    watchdog.join();
    QCOMPARE(rc, 0);
  }

  void processRunnerHasADeadline() {
    auto r = runProcess({"sleep", "5"}, std::chrono::milliseconds(200));
    QVERIFY(!r.ok());
    QVERIFY(r.error().message.find("did not finish") != std::string::npos);
    auto echo = runProcess({"sh", "-c", "printf hi; exit 3"});
    QVERIFY(echo.ok());
    QCOMPARE(echo->exitCode, 3);
    QCOMPARE(echo->out, std::string("hi"));
    QVERIFY(!runProcess({"/nonexistent/program"}).ok());
  }
};

QTEST_GUILESS_MAIN(TestSystemProxy)
#include "test_system_proxy.moc"
