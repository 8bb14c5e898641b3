// --system-proxy on the real binary against the real `gsettings` (keyfile backend in a temporary
// XDG_CONFIG_HOME, plus a temporary kioslaverc where kwriteconfig is installed): set while running,
// exact prior values back on SIGTERM, restored by the watchdog after kill -9, and a stale journal
// restored (with a message) at the next start; --chain-prior-proxy sends upstream traffic through
// the prior manual proxy.
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <signal.h>

#include "tests/support/gsettings_test_support.h"
#include "tests/support/proxy_harness.h"
#include "tests/support/test_origin.h"
#include "tests/support/proxy_process.h"
#include "tests/support/test_support.h"

using namespace ps::test;

class TestSystemProxyCli : public QObject {
  Q_OBJECT

  QTemporaryDir m_dir;
  QProcessEnvironment m_env;

  QString gsettingsGet(const QString& schema, const QString& key) { return ps::test::gsettingsGet(m_env, schema, key); }
  bool gsettingsSet(const QString& schema, const QString& key, const QString& value) {
    return ps::test::gsettingsSet(m_env, schema, key, value);
  }
  bool setPrior() { return setPriorProxy(m_env); }
  void verifyPrior() { verifyPriorProxy(m_env); }
  // The proxy is set right after the listening line is printed: poll with a deadline.
  bool pointsAt(const QString& port) {
    QElapsedTimer timer;
    timer.start();
    while (!pointsAtNow(port) && timer.elapsed() < 10000) QTest::qWait(100);
    return pointsAtNow(port);
  }
  bool pointsAtNow(const QString& port) {
    return gsettingsGet("org.gnome.system.proxy.http", "host") == "'127.0.0.1'" &&
           gsettingsGet("org.gnome.system.proxy.http", "port") == port &&
           gsettingsGet("org.gnome.system.proxy.https", "port") == port;
  }
  QStringList args(const QString& dataDir) { return {"--system-proxy", "--data-dir", dataDir}; }

 private slots:
  void initTestCase() {
    if (run("gsettings", {"--version"}, 10000).exitCode != 0) QSKIP("gsettings is not installed");
    QVERIFY(m_dir.isValid());
    m_env = QProcessEnvironment::systemEnvironment();
    m_env.insert("GSETTINGS_BACKEND", "keyfile");
    m_env.insert("XDG_CONFIG_HOME", m_dir.filePath("config"));
    QDir().mkpath(m_dir.filePath("config"));
  }

  void setWhileRunningAndRestoredOnSigterm() {
    QVERIFY(setPrior());
    ProxyProcess proxy(m_env);
    QVERIFY2(proxy.start(args(m_dir.filePath("d1"))), qPrintable(proxy.errors()));
    QVERIFY(pointsAt(proxy.port()));
    QCOMPARE(gsettingsGet("org.gnome.system.proxy", "mode"), QString("'manual'"));
    // KDE's kioslaverc (in the temporary XDG_CONFIG_HOME) is set too where kwriteconfig exists.
    const bool kde = run("kwriteconfig5", {"--help"}, 10000).exitCode == 0;
    QString kioslaverc = m_dir.filePath("config/kioslaverc");
    auto readKde = [&] {
      QFile f(kioslaverc);
      return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
    };
    if (kde) QVERIFY2(readKde().contains("httpProxy=http://127.0.0.1 " + proxy.port()), qPrintable(readKde()));
    QCOMPARE(proxy.stop(SIGTERM), 0);
    verifyPrior();
    if (kde) QVERIFY2(!readKde().contains("ProxyType=1"), qPrintable(readKde()));
    QVERIFY(!QFile::exists(m_dir.filePath("d1/system-proxy.journal")));
  }

  void watchdogRestoresAfterKill9() {
    QVERIFY(setPrior());
    ProxyProcess proxy(m_env);
    QVERIFY(proxy.start(args(m_dir.filePath("d2"))));
    QVERIFY(pointsAt(proxy.port()));
    QCOMPARE(proxy.stop(SIGKILL), -1);
    QElapsedTimer timer;
    timer.start();
    while (gsettingsGet("org.gnome.system.proxy.http", "host") != "'corp.example'" && timer.elapsed() < 10000) {
      QTest::qWait(100);
    }
    verifyPrior();
  }

  // --chain-prior-proxy: the prior manual proxy (here an in-test forward proxy on loopback that
  // counts what it sees) becomes Proxyscope's upstream; hosts on the prior ignore list go direct.
  void chainsToThePriorProxy() {
    TestOrigin origin;
    ProxyHarness corporate;
    const QString corpPort = QString::number(corporate.port());
    QVERIFY(gsettingsSet("org.gnome.system.proxy", "mode", "manual"));
    QVERIFY(gsettingsSet("org.gnome.system.proxy", "ignore-hosts", "['localhost']"));
    for (const char* schema : {"org.gnome.system.proxy.http", "org.gnome.system.proxy.https"}) {
      QVERIFY(gsettingsSet(schema, "host", "127.0.0.1"));
      QVERIFY(gsettingsSet(schema, "port", corpPort));
    }
    ProxyProcess proxy(m_env);
    QVERIFY2(proxy.start({"--system-proxy", "--chain-prior-proxy", "--data-dir", m_dir.filePath("d4")}), qPrintable(proxy.errors()));
    QVERIFY(pointsAt(proxy.port()));
    QElapsedTimer timer;
    timer.start();
    QString errors;  // errors() hands out what arrived since the last call
    while (!errors.contains("previous system proxy 127.0.0.1:" + corpPort) && timer.elapsed() < 10000) {
      QTest::qWait(50);
      errors += proxy.errors();
    }
    QVERIFY2(errors.contains("goes through the previous system proxy 127.0.0.1:" + corpPort), qPrintable(errors));

    const QString viaProxyscope = "http://127.0.0.1:" + proxy.port();
    auto chained = run("curl", {"-sS", "--max-time", "8", "-x", viaProxyscope, QString::fromStdString(origin.url("/hello?chained"))});
    QCOMPARE(chained.exitCode, 0);
    QCOMPARE(chained.out, QByteArray("hello world\n"));
    auto seen = corporate.finishedFlows(1);
    QCOMPARE(seen.size(), size_t(1));
    QCOMPARE(seen.front()->request.path, std::string("/hello?chained"));

    // "localhost" was on the prior ignore list: Proxyscope goes there directly.
    auto bypassed = run("curl", {"-sS", "--max-time", "8", "-x", viaProxyscope,
                                 QString("http://localhost:%1/hello?bypassed").arg(origin.port())});
    QCOMPARE(bypassed.exitCode, 0);
    QCOMPARE(origin.requests().size(), size_t(2));
    QCOMPARE(corporate.finishedFlows(2, std::chrono::milliseconds(1500)).size(), size_t(1));

    QCOMPARE(proxy.stop(SIGTERM), 0);
    QCOMPARE(gsettingsGet("org.gnome.system.proxy.http", "port"), corpPort);  // the prior proxy is back
    QVERIFY(gsettingsSet("org.gnome.system.proxy.https", "host", ""));  // as the other tests expect it
    QVERIFY(gsettingsSet("org.gnome.system.proxy.https", "port", "0"));
  }

  void staleJournalRestoredAtStart() {
    QVERIFY(setPrior());
    QString data = m_dir.filePath("d3");
    ProxyProcess proxy(m_env);
    QVERIFY(proxy.start(args(data)));
    QVERIFY(pointsAt(proxy.port()));
    QString journal = data + "/system-proxy.journal";
    QFile f(journal);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QByteArray saved = f.readAll();
    f.close();
    QCOMPARE(proxy.stop(SIGTERM), 0);
    // Put the machine back into the state of a crash where the watchdog died too: the proxy still
    // points at a dead Proxyscope and the journal names a process that is gone.
    QVERIFY(gsettingsSet("org.gnome.system.proxy.http", "host", "127.0.0.1"));
    QVERIFY(gsettingsSet("org.gnome.system.proxy.http", "port", proxy.port()));
    QRegularExpression pidField("\"pid\": *(\\d+)");
    QString text = QString::fromUtf8(saved);
    text.replace(pidField, "\"pid\": 999999");  // no such process (pid_max is lower here)
    QFile w(journal);
    QVERIFY(w.open(QIODevice::WriteOnly));
    w.write(text.toUtf8());
    w.close();

    ProxyProcess next(m_env);
    QVERIFY(next.start({"--data-dir", data}));  // no --system-proxy: recovery happens at every start
    QCOMPARE(next.stop(SIGTERM), 0);
    QString errors = next.errors();
    QVERIFY2(errors.contains("restored", Qt::CaseInsensitive), qPrintable(errors));
    verifyPrior();
    QVERIFY(!QFile::exists(journal));
  }
};

QTEST_GUILESS_MAIN(TestSystemProxyCli)
#include "test_system_proxy_cli.moc"
