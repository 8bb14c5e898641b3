// Flows of a launched application are tagged app:<name> by connection (issue 8): a real child
// process tree (sh → curl) registered with Engine::registerLaunchedApp goes through the proxy while
// the test's own curl does too; only the child's flows carry the tag.
#include <QFile>
#include <QElapsedTimer>
#include <QProcess>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QtTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/sysproxy/launched_apps.h"
#include "engine/sysproxy/socket_owner.h"
#include "tests/support/proxy_harness.h"
#include "tests/support/test_origin.h"

using namespace ps::engine;
using namespace ps::test;

namespace {

std::vector<FlowPtr> flowsWithPath(const std::vector<FlowPtr>& flows, const std::string& path) {
  std::vector<FlowPtr> out;
  for (const auto& f : flows) {
    if (f->request.path.starts_with(path)) out.push_back(f);
  }
  return out;
}

// sh waits for a line on stdin (so the test registers its pid before any connection), then runs
// curl as its child — a descendant, as Chromium's network process is.
void startLaunchedApp(QProcess& proc, const ProxyHarness& proxy, const TestOrigin& origin, const QString& path) {
  const QString script = QStringLiteral("read go; curl -sS --max-time 8 -x %1 %2 %2; true")
                             .arg(QString::fromStdString(proxy.proxyUrl()), QString::fromStdString(origin.url(path.toStdString())));
  proc.start("sh", {"-c", script});
  QVERIFY(proc.waitForStarted(5000));
}

}  // namespace

class TestAppTagging : public QObject {
  Q_OBJECT

 private slots:
  void launchedProcessTreeIsTagged() {
    if (!procAvailable()) QSKIP("needs /proc (Linux)");
    TestOrigin origin;
    ProxyHarness proxy;
    QProcess app;
    startLaunchedApp(app, proxy, origin, "/hello?launched");
    proxy.engine().registerLaunchedApp(static_cast<int>(app.processId()), "curlapp");
    app.write("go\n");
    app.closeWriteChannel();
    // The test's own curl while the app is registered: looked up, not the app's.
    auto own = proxy.curl({QString::fromStdString(origin.url("/hello?own"))});
    QCOMPARE(own.exitCode, 0);
    QVERIFY(app.waitForFinished(15000));
    QCOMPARE(app.exitCode(), 0);
    QCOMPARE(app.readAllStandardOutput(), QByteArray("hello world\nhello world\n"));

    auto flows = proxy.finishedFlows(3);
    auto launched = flowsWithPath(flows, "/hello?launched");
    auto mine = flowsWithPath(flows, "/hello?own");
    QCOMPARE(launched.size(), size_t(2));  // two requests on one keep-alive connection
    QCOMPARE(mine.size(), size_t(1));
    for (const auto& f : launched) QVERIFY2(f->hasTag("app:curlapp"), f->request.url().c_str());
    for (const auto& tag : mine.front()->tags) QVERIFY2(!tag.starts_with("app:"), tag.c_str());
  }

  void unregisteredAppIsNotTagged() {
    if (!procAvailable()) QSKIP("needs /proc (Linux)");
    TestOrigin origin;
    ProxyHarness proxy;
    QProcess app;
    startLaunchedApp(app, proxy, origin, "/hello?after");
    int pid = static_cast<int>(app.processId());
    proxy.engine().registerLaunchedApp(pid, "curlapp");
    proxy.engine().unregisterLaunchedApp(pid);
    app.write("go\n");
    app.closeWriteChannel();
    QVERIFY(app.waitForFinished(15000));
    auto flows = flowsWithPath(proxy.finishedFlows(2), "/hello?after");
    QCOMPARE(flows.size(), size_t(2));
    for (const auto& f : flows) QVERIFY(!f->hasTag("app:curlapp"));
  }

  // Another process (`proxyscope launch` from a terminal) announces its browser's pid in the data
  // directory the proxy uses; the engine picks it up without a call.
  void announcedInTheDataDirIsTagged() {
    if (!procAvailable()) QSKIP("needs /proc (Linux)");
    QTemporaryDir data;
    QVERIFY(data.isValid());
    const std::string dataDir = data.path().toStdString();
    TestOrigin origin;
    ProxyHarness proxy([&](EngineConfig& c) { c.dataDir = dataDir; });
    QProcess app;
    startLaunchedApp(app, proxy, origin, "/hello?announced");
    int pid = static_cast<int>(app.processId());
    QVERIFY(announceLaunchedApp(dataDir, pid, "otherlauncher").ok());
    app.write("go\n");
    app.closeWriteChannel();
    QVERIFY(app.waitForFinished(15000));
    withdrawLaunchedApp(dataDir, pid);
    QVERIFY(!QFile::exists(data.filePath(QString("launched/%1").arg(pid))));
    auto flows = flowsWithPath(proxy.finishedFlows(2), "/hello?announced");
    QCOMPARE(flows.size(), size_t(2));
    for (const auto& f : flows) QVERIFY(f->hasTag("app:otherlauncher"));
  }

  // The lookup on a real loopback connection of this process: attributed when this process is
  // registered, not when another one is. Prints the cost of one lookup (a rescan each time,
  // since nothing is cached between LaunchedApps objects).
  void lookupOfALiveConnection() {
    if (!procAvailable()) QSKIP("needs /proc (Linux)");
    // A loopback connection of this process (plain sockets: the suite does not link Qt Network).
    int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    QVERIFY(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 && ::listen(listener, 1) == 0);
    QVERIFY(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    QVERIFY(::connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);  // loopback: completes at once
    int accepted = ::accept(listener, nullptr, nullptr);
    QVERIFY(accepted >= 0);
    sockaddr_in ours{};
    len = sizeof ours;
    QVERIFY(::getsockname(client, reinterpret_cast<sockaddr*>(&ours), &len) == 0);
    const Endpoint peer{"127.0.0.1", ntohs(ours.sin_port)};
    const Endpoint local{"127.0.0.1", ntohs(addr.sin_port)};
    auto closeAll = qScopeGuard([&] {
      ::close(accepted);
      ::close(client);
      ::close(listener);
    });

    QProcess other;
    other.start("sleep", {"30"});
    QVERIFY(other.waitForStarted(5000));
    QElapsedTimer timer;
    timer.start();
    constexpr int kRounds = 20;
    for (int i = 0; i < kRounds; ++i) {
      LaunchedApps fresh;  // no cache: every round reads the socket table and the app's process tree
      fresh.add(static_cast<int>(other.processId()), "sleeper");
      QCOMPARE(fresh.appForConnection(peer, local), std::string());
    }
    qInfo("one uncached lookup (socket table, then the app's process tree): %.2f ms (%zu processes visible)",
          static_cast<double>(timer.nsecsElapsed()) / 1e6 / kRounds, processParents().size());
    other.kill();
    other.waitForFinished(5000);

    LaunchedApps mine;
    mine.add(static_cast<int>(QCoreApplication::applicationPid()), "self");
    QCOMPARE(mine.appForConnection(peer, local), std::string("self"));
  }

  // The registry forgets a process that exited (and was reaped), so its pid is not matched later.
  void exitedAppIsForgotten() {
    LaunchedApps apps;
    QProcess child;
    child.start("true", {});
    QVERIFY(child.waitForStarted(5000));
    int pid = static_cast<int>(child.processId());
    apps.add(pid, "short");
    QVERIFY(child.waitForFinished(5000));
    QVERIFY(apps.apps().empty());
  }
};

QTEST_GUILESS_MAIN(TestAppTagging)
#include "test_app_tagging.moc"
