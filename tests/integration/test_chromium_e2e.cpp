// End to end (issue 8): Debian's headless Chromium, launched by `proxyscope launch chromium` (the
// arguments engine/sysproxy chromiumLaunch builds: fresh profile, --proxy-server, loopback not
// bypassed, the Proxyscope CA trusted by SPKI hash), loads an HTTPS page from an in-test nginx
// origin on 127.0.0.1 through the real headless proxyscope binary. The page's content in the dumped
// DOM proves the intercepted certificate was accepted; the decrypted flow must be in the session,
// tagged app:chromium (the launcher announced the browser's pid in the shared data directory).
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <signal.h>

#include "engine/store/flow_reader.h"
#include "engine/tls/certificate_authority.h"
#include "tests/support/nginx_origin.h"
#include "tests/support/proxy_process.h"
#include "tests/support/test_support.h"
#include "tests/support/tls_test_support.h"

using namespace ps::engine;
using namespace ps::test;

namespace {
constexpr char kChromium[] = "/usr/bin/chromium";
constexpr char kMarker[] = "proxyscope-e2e-7f3a9c";
}  // namespace

class TestChromiumE2e : public QObject {
  Q_OBJECT

  QTemporaryDir m_dir;
  NginxOrigin m_nginx;
  std::vector<NginxServer> m_servers;  // [0] HTTPS for localhost, certificate from m_originCa
  QString m_originCa;

 private slots:
  void initTestCase() {
    if (!QFile::exists(kChromium)) {
      QSKIP("Debian's chromium is not installed (/usr/bin/chromium): installers/setup-debian.sh --test installs it");
    }
    QVERIFY(m_dir.isValid());
    auto caKey = tls::generateKey();
    auto leafKey = tls::generateKey();
    QVERIFY(caKey.ok() && leafKey.ok());
    auto originCa = makeCaCertificate("Chromium E2E Origin CA", caKey->get());
    auto originLeaf = makeCertificate("localhost", leafKey->get(), -1, 30, originCa.get(), caKey->get());
    m_originCa = m_dir.filePath("origin-ca.pem");
    QVERIFY(writeText(m_originCa.toStdString(), toPem(originCa.get())));
    QVERIFY(writeText(m_dir.filePath("origin.pem").toStdString(), toPem(originLeaf.get())));
    QVERIFY(writeText(m_dir.filePath("origin.key").toStdString(), toPem(leafKey->get())));
    QDir().mkpath(m_dir.filePath("www"));
    QVERIFY(writeText(m_dir.filePath("www/e2e.html").toStdString(),
                      std::string("<!doctype html><html><head><title>e2e</title></head><body><p id=\"m\">") +
                          kMarker + "</p></body></html>\n"));
    m_servers = {{m_dir.filePath("origin.pem"), m_dir.filePath("origin.key")}};
    QVERIFY2(m_nginx.start(m_dir.filePath("nginx"), m_dir.filePath("www"), m_servers), qPrintable(m_nginx.error()));
    // Chromium writes caches and crash reports under HOME: keep them in the temporary folder.
    QDir().mkpath(m_dir.filePath("home"));
    qputenv("HOME", m_dir.filePath("home").toUtf8());
  }

  void cleanupTestCase() { m_nginx.stop(); }

  void headlessChromiumLoadsHttpsPageThroughProxyscope() {
    const QString data = m_dir.filePath("data");
    const QString session = m_dir.filePath("e2e.pxsession");
    ProxyProcess proxy;
    QVERIFY2(proxy.start({"--data-dir", data, "--upstream-ca", m_originCa, "--session", session}),
             qPrintable(proxy.output() + proxy.errors()));

    const QString url = QString("https://localhost:%1/e2e.html").arg(m_servers[0].port);
    // Proxyscope launches it (same data dir, so the CA it trusts is the one the proxy signs with);
    // everything after "--" is added to the launcher's arguments for a headless run.
    auto r = run(proxyscopeBinary(),
                 {"launch", "chromium", url, "--listen", "127.0.0.1:" + proxy.port(), "--data-dir", data, "--",
                  "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--dump-dom"},
                 120000);
    QVERIFY2(!r.timedOut, "chromium did not finish within 120 s");
    QVERIFY2(r.out.contains(kMarker), (r.out.left(2000) + "\n--- stderr ---\n" + r.err.right(3000)).constData());
    QCOMPARE(r.exitCode, 0);

    QCOMPARE(proxy.stop(SIGTERM), 0);  // flushes the session
    auto reader = FlowReader::open(session.toStdString());
    QVERIFY2(reader.ok(), reader.ok() ? "" : reader.error().message.c_str());
    bool found = false;
    std::string seen;
    auto visited = (*reader)->forEachFlow({}, [&](const Flow& f) {
      seen += f.request.url();
      for (const auto& tag : f.tags) seen += " " + tag;
      seen += "\n";
      if (f.kind == FlowKind::Http && f.request.scheme == "https" && f.request.path == "/e2e.html" &&
          f.response && f.response->status == 200 && f.response->body.captured.find(kMarker) != std::string::npos &&
          f.hasTag("app:chromium")) {  // `launch` announced its pid in the data dir the proxy reads
        found = true;
      }
      return true;
    });
    QVERIFY2(visited.ok(), visited.ok() ? "" : visited.error().message.c_str());
    QVERIFY2(found, seen.c_str());
  }
};

QTEST_GUILESS_MAIN(TestChromiumE2e)
#include "test_chromium_e2e.moc"
