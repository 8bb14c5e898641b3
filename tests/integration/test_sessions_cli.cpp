// The real proxyscope binary records every run into a session: SIGTERM and SIGKILL keep the flows,
// --session appends with new ids, the autosave rotates, HAR export/import round-trips, --filter
// limits the printed lines, and bad inputs fail with a message that says where.
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <signal.h>

#include "engine/store/flow_reader.h"
#include "tests/support/proxy_process.h"
#include "tests/support/test_origin.h"
#include "tests/support/test_support.h"

using namespace ps::test;

namespace {

int64_t countFlows(const QString& session) {
  auto reader = ps::engine::FlowReader::open(session.toStdString());
  if (!reader) return -1;
  auto n = (*reader)->count();
  return n ? *n : -1;
}

bool curlThrough(const ProxyProcess& proxy, const std::string& url) {
  auto r = run("curl", {"-sS", "-o", "/dev/null", "--max-time", "10", "-x", proxy.proxyUrl(), QString::fromStdString(url)});
  return r.exitCode == 0;
}

QJsonObject readJson(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return {};
  QJsonParseError error;
  auto doc = QJsonDocument::fromJson(f.readAll(), &error);
  return error.error == QJsonParseError::NoError ? doc.object() : QJsonObject();
}

}  // namespace

class TestSessionsCli : public QObject {
  Q_OBJECT
 private slots:
  void sigtermKeepsFlowsAndAppendContinuesIds() {
    QTemporaryDir dir;
    TestOrigin origin;
    QString session = dir.filePath("capture.pxsession");
    {
      ProxyProcess proxy;
      QVERIFY2(proxy.start({"--session", session, "--data-dir", dir.filePath("data")}), qPrintable(proxy.errors()));
      for (int i = 0; i < 3; ++i) QVERIFY(curlThrough(proxy, origin.url("/hello")));
      QVERIFY(!proxy.waitForLine(QRegularExpression("/hello 200"), 10000).isEmpty());
      QCOMPARE(proxy.stop(SIGTERM), 0);
    }
    QCOMPARE(countFlows(session), int64_t(3));
    {
      ProxyProcess proxy;
      QVERIFY(proxy.start({"--session", session, "--data-dir", dir.filePath("data")}));
      QVERIFY(curlThrough(proxy, origin.url("/status?code=201")));
      QVERIFY(!proxy.waitForLine(QRegularExpression("201"), 10000).isEmpty());
      QCOMPARE(proxy.stop(SIGTERM), 0);
    }
    // Appending must not overwrite stored flows (ids are the key): 3 old + 1 new, ids all distinct.
    auto reader = ps::engine::FlowReader::open(session.toStdString());
    QVERIFY(reader.ok());
    auto ids = (*reader)->ids({});
    QVERIFY(ids.ok());
    QCOMPARE(ids->size(), size_t(4));
    auto last = (*reader)->loadFlow(ids->back());
    QVERIFY(last.ok());
    QVERIFY(last->response.has_value());
    QCOMPARE(last->response->status, 201);
  }

  void sigkillKeepsCommittedFlows() {
    QTemporaryDir dir;
    TestOrigin origin;
    QString session = dir.filePath("killed.pxsession");
    ProxyProcess proxy;
    QVERIFY(proxy.start({"--session", session, "--data-dir", dir.filePath("data")}));
    for (int i = 0; i < 5; ++i) QVERIFY(curlThrough(proxy, origin.url("/hello")));
    // The writer commits a batch within milliseconds; wait (with a deadline) until a concurrent
    // reader sees all five, then kill -9 mid-capture.
    QElapsedTimer timer;
    timer.start();
    while (countFlows(session) < 5 && timer.elapsed() < 10000) QTest::qWait(50);
    QCOMPARE(countFlows(session), int64_t(5));
    QCOMPARE(proxy.stop(SIGKILL), -1);
    QCOMPARE(countFlows(session), int64_t(5));
  }

  void autosaveIsFreshAndKeepsThePrevious() {
    QTemporaryDir dir;
    TestOrigin origin;
    QString data = dir.filePath("data");
    for (int run = 0; run < 2; ++run) {
      ProxyProcess proxy;
      QVERIFY(proxy.start({"--data-dir", data}));
      for (int i = 0; i <= run; ++i) QVERIFY(curlThrough(proxy, origin.url("/hello")));
      QVERIFY(!proxy.waitForLine(QRegularExpression("/hello 200"), 10000).isEmpty());
      QCOMPARE(proxy.stop(SIGTERM), 0);
    }
    QCOMPARE(countFlows(data + "/autosave.pxsession"), int64_t(2));
    QCOMPARE(countFlows(data + "/autosave-previous.pxsession"), int64_t(1));
    QCOMPARE(QFile(data).permissions() & (QFile::ReadOther | QFile::ReadGroup), QFileDevice::Permissions());
  }

  void noSessionPrintsFlowsAndStoresNothing() {
    QTemporaryDir dir;
    TestOrigin origin;
    QString data = dir.filePath("data");
    ProxyProcess proxy;
    QVERIFY(proxy.start({"--no-session", "--data-dir", data}));
    QString errors = proxy.errors();
    QVERIFY(curlThrough(proxy, origin.url("/hello")));
    QVERIFY(!proxy.waitForLine(QRegularExpression("/hello 200"), 10000).isEmpty());
    QCOMPARE(proxy.stop(SIGTERM), 0);
    errors += proxy.errors();
    QVERIFY2(errors.contains("not recording"), qPrintable(errors));
    QVERIFY(!QFile::exists(data + "/autosave.pxsession"));
    // Nothing to write a HAR from: the combination is refused up front.
    auto refused = run(proxyscopeBinary(), {"--headless", "--no-session", "--har", dir.filePath("x.har")});
    QCOMPARE(refused.exitCode, 2);
    QVERIFY2(refused.err.contains("--no-session"), qPrintable(refused.err));
  }

  void foreignFileIsRefused() {
    QTemporaryDir dir;
    QString notes = dir.filePath("notes.txt");
    QFile f(notes);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("my notes, not a session\n");
    f.close();
    auto r = run(proxyscopeBinary(), {"--headless", "--listen", "127.0.0.1:0", "--session", notes, "--data-dir",
                                      dir.filePath("data")}, 10000);
    QVERIFY(r.exitCode != 0);
    QVERIFY2(r.err.contains("not a Proxyscope session"), r.err.constData());
    QFile again(notes);
    QVERIFY(again.open(QIODevice::ReadOnly));
    QCOMPARE(again.readAll(), QByteArray("my notes, not a session\n"));
  }

  void harOnExitAndExportWithFilter() {
    QTemporaryDir dir;
    TestOrigin origin;
    QString session = dir.filePath("s.pxsession");
    QString onExit = dir.filePath("exit.har");
    {
      ProxyProcess proxy;
      QVERIFY(proxy.start({"--session", session, "--har", onExit, "--data-dir", dir.filePath("data")}));
      QVERIFY(curlThrough(proxy, origin.url("/hello")));
      QVERIFY(curlThrough(proxy, origin.url("/status?code=404")));
      QVERIFY(!proxy.waitForLine(QRegularExpression(" 404 "), 10000).isEmpty());
      QCOMPARE(proxy.stop(SIGTERM), 0);
    }
    auto har = readJson(onExit);
    QCOMPARE(har["log"].toObject()["version"].toString(), QString("1.2"));
    QCOMPARE(har["log"].toObject()["entries"].toArray().size(), 2);

    QString filtered = dir.filePath("errors.har");
    auto r = run(proxyscopeBinary(), {"har", "export", session, filtered, "--filter", "status:>=400"}, 20000);
    QVERIFY2(r.exitCode == 0, r.err.constData());
    auto entries = readJson(filtered)["log"].toObject()["entries"].toArray();
    QCOMPARE(entries.size(), 1);
    QCOMPARE(entries[0].toObject()["response"].toObject()["status"].toInt(), 404);
    QVERIFY(entries[0].toObject()["request"].toObject()["url"].toString().endsWith("/status?code=404"));
  }

  void harImportThenExportRoundTrips() {
    QTemporaryDir dir;
    QString source = testDataDir() + "/har/chrome.har";
    QString session = dir.filePath("imported.pxsession");
    auto imported = run(proxyscopeBinary(), {"har", "import", source, session}, 20000);
    QVERIFY2(imported.exitCode == 0, imported.err.constData());
    auto original = readJson(source)["log"].toObject()["entries"].toArray();
    QVERIFY(!original.isEmpty());
    QCOMPARE(countFlows(session), int64_t(original.size()));

    QString out = dir.filePath("again.har");
    auto exported = run(proxyscopeBinary(), {"har", "export", session, out}, 20000);
    QVERIFY2(exported.exitCode == 0, exported.err.constData());
    auto again = readJson(out)["log"].toObject()["entries"].toArray();
    QCOMPARE(again.size(), original.size());
    for (int i = 0; i < original.size(); ++i) {
      auto a = original[i].toObject(), b = again[i].toObject();
      // A fragment never goes on the wire, so a flow has none (documented in har_import.h's tests).
      QCOMPARE(b["request"].toObject()["url"].toString(), a["request"].toObject()["url"].toString().section('#', 0, 0));
      QCOMPARE(b["request"].toObject()["method"], a["request"].toObject()["method"]);
      QCOMPARE(b["response"].toObject()["status"], a["response"].toObject()["status"]);
      QCOMPARE(b["startedDateTime"].toString().left(19), a["startedDateTime"].toString().left(19));
    }
    auto info = run(proxyscopeBinary(), {"session", "info", session}, 10000);
    QCOMPARE(info.exitCode, 0);
    QVERIFY(info.out.contains("flows: " + QByteArray::number(original.size())));
  }

  void badHarNamesTheJsonPath() {
    QTemporaryDir dir;
    QString bad = dir.filePath("bad.har");
    QFile f(bad);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(R"({"log":{"version":"1.2","entries":[{"request":{"method":"GET","url":"http://a/"}},)"
            R"({"request":{"method":"GET","url":5}}]}})");
    f.close();
    auto r = run(proxyscopeBinary(), {"har", "import", bad, dir.filePath("x.pxsession")}, 10000);
    QVERIFY(r.exitCode != 0);
    QVERIFY2(r.err.contains("log.entries[1].request.url"), r.err.constData());
    auto missing = run(proxyscopeBinary(), {"har", "export", dir.filePath("none.pxsession"), dir.filePath("o.har")}, 10000);
    QVERIFY(missing.exitCode != 0);
    QVERIFY2(missing.err.contains("none.pxsession"), missing.err.constData());
  }

  void filterLimitsPrintedLines() {
    QTemporaryDir dir;
    TestOrigin origin;
    QString session = dir.filePath("f.pxsession");
    ProxyProcess proxy;
    QVERIFY(proxy.start({"--session", session, "--filter", "status:>=400", "--data-dir", dir.filePath("data")}));
    QVERIFY(curlThrough(proxy, origin.url("/hello")));
    QVERIFY(curlThrough(proxy, origin.url("/status?code=503")));
    QVERIFY(!proxy.waitForLine(QRegularExpression("/status\\?code=503 503"), 10000).isEmpty());
    QCOMPARE(proxy.stop(SIGTERM), 0);
    QVERIFY2(!proxy.output().contains("/hello"), qPrintable(proxy.output()));
    QCOMPARE(countFlows(session), int64_t(2));  // the session keeps everything
  }

  void envExportsRouteCurlThroughTheProxy() {
    QTemporaryDir dir;
    TestOrigin origin;
    ProxyProcess proxy;
    QVERIFY(proxy.start({"--session", dir.filePath("e.pxsession"), "--data-dir", dir.filePath("data")}));
    auto exports = run(proxyscopeBinary(), {"env", "--listen", "127.0.0.1:" + proxy.port(), "--data-dir",
                                            dir.filePath("data")}, 10000);
    QCOMPARE(exports.exitCode, 0);
    QVERIFY2(exports.out.contains("export HTTP_PROXY='http://127.0.0.1:" + proxy.port().toUtf8() + "'"), exports.out.constData());
    // A shell sources the lines, then curl (no -x) reaches the origin through the proxy.
    auto r = run("sh", {"-c", "eval \"$1\" && curl -sS --max-time 10 \"$2\"", "sh", QString::fromUtf8(exports.out),
                        QString::fromStdString(origin.url("/hello"))}, 20000);
    QCOMPARE(r.out, QByteArray("hello world\n"));
    QVERIFY(!proxy.waitForLine(QRegularExpression("GET http://127\\.0\\.0\\.1:\\d+/hello 200"), 10000).isEmpty());
    QCOMPARE(proxy.stop(SIGTERM), 0);
  }

  void envExportsTrustTheCaForHttps() {
    QTemporaryDir dir;
    QVERIFY(makeSelfSignedCertificate(dir.filePath("c.pem"), dir.filePath("k.pem"), "127.0.0.1", "IP:127.0.0.1"));
    TestOrigin origin(dir.filePath("c.pem").toStdString(), dir.filePath("k.pem").toStdString());
    ProxyProcess proxy;
    QVERIFY(proxy.start({"--session", dir.filePath("t.pxsession"), "--data-dir", dir.filePath("data"),
                         "--insecure-upstream", "127.0.0.1"}));
    auto exports = run(proxyscopeBinary(), {"env", "--listen", "127.0.0.1:" + proxy.port(), "--data-dir",
                                            dir.filePath("data")}, 10000);
    QCOMPARE(exports.exitCode, 0);
    QVERIFY(exports.out.contains("export CURL_CA_BUNDLE="));
    // No -k: curl trusts the intercepted certificate only through the exported CA bundle.
    QString url = "https://127.0.0.1:" + QString::number(origin.port()) + "/hello";
    auto r = run("sh", {"-c", "eval \"$1\" && curl -sS --max-time 10 \"$2\"", "sh", QString::fromUtf8(exports.out), url}, 20000);
    QVERIFY2(r.out == "hello world\n", r.err.constData());
    QVERIFY(!proxy.waitForLine(QRegularExpression("GET https://127\\.0\\.0\\.1:\\d+/hello 200"), 10000).isEmpty());
    QCOMPARE(proxy.stop(SIGTERM), 0);
  }

  void badFilterShowsThePosition() {
    QTemporaryDir dir;
    auto r = run(proxyscopeBinary(), {"--headless", "--listen", "127.0.0.1:0", "--data-dir", dir.filePath("d"),
                                      "--filter", "status:>=400 hots:x"}, 10000);
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains("hots"), r.err.constData());
    QVERIFY2(r.err.contains("column 14"), r.err.constData());
    QVERIFY2(r.err.contains("\n  " + QByteArray(13, ' ') + "^"), r.err.constData());
  }
};

QTEST_GUILESS_MAIN(TestSessionsCli)
#include "test_sessions_cli.moc"
