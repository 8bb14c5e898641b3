// The real proxyscope binary's request-head limits from the command line: --max-request-line and
// --max-header-bytes change when a client gets 414 URI Too Long (RFC 9110 15.5.15) or 431 Request
// Header Fields Too Large (RFC 6585 5); the same requests pass with the defaults; bad values are
// refused and --help lists both options. Real curl through the proxy to an in-test origin.
#include <QtTest>

#include "tests/support/proxy_process.h"
#include "tests/support/test_origin.h"
#include "tests/support/test_support.h"

using namespace ps::test;

namespace {

// The status curl got through the proxy ("000" when none).
QString statusThrough(const ProxyProcess& proxy, const QString& url, const QStringList& extra = {}) {
  QStringList args{"-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10", "-x", proxy.proxyUrl()};
  args << extra << url;
  return QString::fromUtf8(run("curl", args, 20000).out).trimmed();
}

}  // namespace

class TestRequestLimitsCli : public QObject {
  Q_OBJECT

 private slots:
  void requestLineLimitGives414() {
    TestOrigin origin;
    // A request line of ~3 KB: under the default 8 KiB, over a 2 KiB limit.
    const QString url = QString::fromStdString(origin.url("/hello")) + "?pad=" + QString(3000, QLatin1Char('a'));
    ProxyProcess defaults;
    QVERIFY2(defaults.start({"--threads", "1"}), qPrintable(defaults.output() + defaults.errors()));
    QCOMPARE(statusThrough(defaults, url), QStringLiteral("200"));

    ProxyProcess limited;
    QVERIFY2(limited.start({"--threads", "1", "--max-request-line", "2k"}), qPrintable(limited.output() + limited.errors()));
    QCOMPARE(statusThrough(limited, url), QStringLiteral("414"));
    QCOMPARE(statusThrough(limited, QString::fromStdString(origin.url("/hello"))), QStringLiteral("200"));
  }

  void headerBytesLimitGives431() {
    TestOrigin origin;
    const QString url = QString::fromStdString(origin.url("/hello"));
    const QStringList big{"-H", "X-Padding: " + QString(6000, QLatin1Char('b'))};
    ProxyProcess defaults;
    QVERIFY2(defaults.start({"--threads", "1"}), qPrintable(defaults.output() + defaults.errors()));
    QCOMPARE(statusThrough(defaults, url, big), QStringLiteral("200"));

    ProxyProcess limited;
    QVERIFY2(limited.start({"--threads", "1", "--max-header-bytes=4096"}), qPrintable(limited.output() + limited.errors()));
    QCOMPARE(statusThrough(limited, url, big), QStringLiteral("431"));
    QCOMPARE(statusThrough(limited, url), QStringLiteral("200"));
  }

  void badValuesRefusedAndHelpLists() {
    auto tooSmall = run(proxyscopeBinary(), {"--headless", "--max-request-line", "10"}, 10000);
    QVERIFY(tooSmall.exitCode != 0);
    QVERIFY2(tooSmall.err.contains("--max-request-line"), tooSmall.err.constData());
    auto notASize = run(proxyscopeBinary(), {"--headless", "--max-header-bytes", "lots"}, 10000);
    QVERIFY(notASize.exitCode != 0);
    QVERIFY2(notASize.err.contains("--max-header-bytes"), notASize.err.constData());
    auto help = run(proxyscopeBinary(), {"--help"}, 10000);
    QCOMPARE(help.exitCode, 0);
    QVERIFY(help.out.contains("--max-request-line"));
    QVERIFY(help.out.contains("--max-header-bytes"));
    QVERIFY(help.out.contains("414"));
    QVERIFY(help.out.contains("431"));
  }
};

QTEST_GUILESS_MAIN(TestRequestLimitsCli)
#include "test_request_limits_cli.moc"
