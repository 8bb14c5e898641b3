// The real proxyscope binary: --headless prints its address and one line per flow, SIGTERM exits 0;
// --help/--version work without a display; bad options fail with a message.
#include <QProcess>
#include <QRegularExpression>
#include <QtTest>

#include <signal.h>

#include "tests/support/test_origin.h"
#include "tests/support/test_support.h"

using namespace ps::test;

namespace {

// Reads stdout until `pattern` matches or the deadline passes.
QString waitForOutput(QProcess& p, QString& all, const QRegularExpression& pattern, int timeoutMs) {
  QElapsedTimer timer;
  timer.start();
  while (timer.elapsed() < timeoutMs) {
    auto m = pattern.match(all);
    if (m.hasMatch()) return m.captured(0);
    p.waitForReadyRead(100);
    all += QString::fromUtf8(p.readAllStandardOutput());
  }
  auto m = pattern.match(all);
  return m.hasMatch() ? m.captured(0) : QString();
}

}  // namespace

class TestHeadlessCli : public QObject {
  Q_OBJECT
 private slots:
  void versionAndHelpWithoutDisplay() {
    QProcess p;
    auto env = QProcessEnvironment::systemEnvironment();
    env.remove("DISPLAY");
    env.remove("WAYLAND_DISPLAY");
    env.remove("QT_QPA_PLATFORM");
    p.setProcessEnvironment(env);
    p.start(proxyscopeBinary(), {"--version"});
    QVERIFY(p.waitForFinished(10000));
    QCOMPARE(p.exitCode(), 0);
    QVERIFY(p.readAllStandardOutput().startsWith("proxyscope "));
    p.start(proxyscopeBinary(), {"--help"});
    QVERIFY(p.waitForFinished(10000));
    QCOMPARE(p.exitCode(), 0);
    auto help = p.readAllStandardOutput();
    QVERIFY(help.contains("--headless"));
    QVERIFY(help.contains("--listen"));
  }

  void badOptionFails() {
    auto r = run(proxyscopeBinary(), {"--frobnicate"}, 10000);
    QVERIFY(r.exitCode != 0);
    QVERIFY2(r.err.contains("--frobnicate"), r.err.constData());
    auto r2 = run(proxyscopeBinary(), {"--headless", "--listen", "nonsense:port"}, 10000);
    QVERIFY(r2.exitCode != 0);
    QVERIFY(r2.err.contains("--listen"));
    auto r3 = run(proxyscopeBinary(), {"--mode", "sideways"}, 10000);
    QVERIFY(r3.exitCode != 0);
    QVERIFY(r3.err.contains("--mode"));
  }

  void headlessProxiesAndPrintsFlows() {
    TestOrigin origin;
    QProcess proxy;
    proxy.start(proxyscopeBinary(), {"--headless", "--listen", "127.0.0.1:0", "--threads", "1"});
    QVERIFY(proxy.waitForStarted(10000));
    QString out;
    QString listening = waitForOutput(proxy, out, QRegularExpression("listening on 127\\.0\\.0\\.1:(\\d+)"), 10000);
    QVERIFY2(!listening.isEmpty(), qPrintable(out));
    QString port = listening.section(':', -1);
    QVERIFY(out.contains("proxyscope: forward proxy listening on 127.0.0.1:" + port));

    auto r = run("curl", {"-sS", "--max-time", "10", "-x", "http://127.0.0.1:" + port,
                          QString::fromStdString(origin.url("/hello"))});
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.out, QByteArray("hello world\n"));
    QString line = waitForOutput(proxy, out, QRegularExpression("[^\\n]*GET http://127\\.0\\.0\\.1:\\d+/hello 200 12B[^\\n]*"), 10000);
    QVERIFY2(!line.isEmpty(), qPrintable(out));
    QVERIFY(line.contains("127.0.0.1:"));  // the client address
    QVERIFY(QRegularExpression("\\d+ms").match(line).hasMatch());

    auto failed = run("curl", {"-sS", "--max-time", "10", "-x", "http://127.0.0.1:" + port, "http://nonexistent.invalid/"});
    QString errorLine = waitForOutput(proxy, out, QRegularExpression("[^\\n]*nonexistent\\.invalid[^\\n]* 502 [^\\n]*error=upstream-connect[^\\n]*"), 10000);
    QVERIFY2(!errorLine.isEmpty(), qPrintable(out));

    proxy.terminate();  // SIGTERM
    QVERIFY(proxy.waitForFinished(10000));
    QCOMPARE(proxy.exitStatus(), QProcess::NormalExit);
    QCOMPARE(proxy.exitCode(), 0);
  }

  // --quiet: the proxy works and prints its address, but no line per flow (the printer drains every
  // pending event before it exits, so the whole output is known once the process has ended).
  void quietPrintsNoFlows() {
    TestOrigin origin;
    QProcess proxy;
    proxy.start(proxyscopeBinary(),
                {"--headless", "--quiet", "--no-session", "--listen", "127.0.0.1:0", "--threads", "1"});
    QVERIFY(proxy.waitForStarted(10000));
    QString out;
    QString listening = waitForOutput(proxy, out, QRegularExpression("listening on 127\\.0\\.0\\.1:(\\d+)"), 10000);
    QVERIFY2(!listening.isEmpty(), qPrintable(out));
    QString port = listening.section(':', -1);
    for (int i = 0; i < 3; ++i) {
      auto r = run("curl", {"-sS", "--max-time", "10", "-x", "http://127.0.0.1:" + port,
                            QString::fromStdString(origin.url("/hello"))});
      QCOMPARE(r.exitCode, 0);
      QCOMPARE(r.out, QByteArray("hello world\n"));
    }
    proxy.terminate();
    QVERIFY(proxy.waitForFinished(10000));
    QCOMPARE(proxy.exitCode(), 0);
    out += QString::fromUtf8(proxy.readAllStandardOutput());
    QVERIFY2(out.contains("forward proxy listening on"), qPrintable(out));
    QVERIFY2(!out.contains("/hello"), qPrintable(out));

    auto both = run(proxyscopeBinary(), {"--headless", "-q", "--filter", "status:>=400"}, 10000);
    QVERIFY(both.exitCode != 0);
    QVERIFY2(both.err.contains("--quiet") && both.err.contains("--filter"), both.err.constData());
  }

  void headlessSigintAndBusyPort() {
    QProcess first;
    first.start(proxyscopeBinary(), {"--headless", "--listen", "127.0.0.1:0"});
    QVERIFY(first.waitForStarted(10000));
    QString out;
    QString listening = waitForOutput(first, out, QRegularExpression("listening on 127\\.0\\.0\\.1:(\\d+)"), 10000);
    QVERIFY(!listening.isEmpty());
    // A second instance on the same port fails with a message naming the address.
    auto second = run(proxyscopeBinary(), {"--headless", "--listen", "127.0.0.1:" + listening.section(':', -1)}, 10000);
    QCOMPARE(second.exitCode, 1);  // a clean exit with the reason (not a crash)
    QVERIFY2(second.err.contains("cannot listen"), second.err.constData());
    ::kill(static_cast<pid_t>(first.processId()), SIGINT);
    QVERIFY(first.waitForFinished(10000));
    QCOMPARE(first.exitCode(), 0);
  }
};

QTEST_GUILESS_MAIN(TestHeadlessCli)
#include "test_headless_cli.moc"
