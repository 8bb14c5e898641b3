// HTTPS interception end to end: real curl and openssl s_client through the in-process engine to a
// real nginx HTTPS origin. The origin's certificates come from a test CA trusted via upstream-ca.
#include <QtTest>

#include <sys/stat.h>

#include <QTemporaryDir>

#include "engine/tls/certificate_authority.h"
#include "tests/support/nginx_origin.h"
#include "tests/support/proxy_harness.h"
#include "tests/support/test_origin.h"
#include "tests/support/test_support.h"
#include "tests/support/tls_test_support.h"

using namespace ps::engine;
using namespace ps::test;

namespace {


QByteArray readAll(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

FlowPtr findFlow(const std::vector<FlowPtr>& flows, const std::function<bool(const Flow&)>& pred) {
  for (const auto& f : flows) {
    if (f && pred(*f)) return f;
  }
  return nullptr;
}

// The first PEM certificate in openssl s_client -showcerts output.
QByteArray firstPem(const QByteArray& text) {
  int begin = text.indexOf("-----BEGIN CERTIFICATE-----");
  int end = text.indexOf("-----END CERTIFICATE-----", begin);
  if (begin < 0 || end < 0) return {};
  return text.mid(begin, end - begin + 25) + "\n";
}

}  // namespace

class TestHttpsInterception : public QObject {
  Q_OBJECT

  QTemporaryDir m_dir;
  NginxOrigin m_nginx;
  std::vector<NginxServer> m_servers;  // [0] trusted TLS, [1] self-signed TLS, [2] plain HTTP
  QString m_dataDir, m_caPem, m_originCa;
  std::string m_body;

  quint16 trustedPort() const { return m_servers[0].port; }
  quint16 selfSignedPort() const { return m_servers[1].port; }
  quint16 plainPort() const { return m_servers[2].port; }

  std::function<void(EngineConfig&)> configure(std::function<void(EngineConfig&)> more = {}) const {
    return [this, more](EngineConfig& c) {
      c.dataDir = m_dataDir.toStdString();
      c.tls.upstreamCaFile = m_originCa.toStdString();
      if (more) more(c);
    };
  }

 private slots:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    // Origin certificates: a test CA and its leaf for localhost, and a self-signed one.
    auto caKey = tls::generateKey();
    auto leafKey = tls::generateKey();
    QVERIFY(caKey.ok() && leafKey.ok());
    auto originCa = makeCaCertificate("Origin Test CA", caKey->get());
    auto originLeaf = makeCertificate("localhost", leafKey->get(), -1, 30, originCa.get(), caKey->get());
    auto selfSigned = makeCertificate("localhost", leafKey->get(), -1, 30);
    m_originCa = m_dir.filePath("origin-ca.pem");
    QVERIFY(writeText(m_originCa.toStdString(), toPem(originCa.get())));
    QVERIFY(writeText(m_dir.filePath("origin.pem").toStdString(), toPem(originLeaf.get())));
    QVERIFY(writeText(m_dir.filePath("self.pem").toStdString(), toPem(selfSigned.get())));
    QVERIFY(writeText(m_dir.filePath("origin.key").toStdString(), toPem(leafKey->get())));

    QDir().mkpath(m_dir.filePath("www"));
    m_body = seededBytes(300 * 1024, 7);
    QVERIFY(writeText(m_dir.filePath("www/data.bin").toStdString(), m_body));
    QVERIFY(writeText(m_dir.filePath("www/small.txt").toStdString(), "small file\n"));
    m_servers = {{m_dir.filePath("origin.pem"), m_dir.filePath("origin.key")},
                 {m_dir.filePath("self.pem"), m_dir.filePath("origin.key")},
                 {}};
    QVERIFY2(m_nginx.start(m_dir.filePath("nginx"), m_dir.filePath("www"), m_servers), qPrintable(m_nginx.error()));

    // The CA is exported with the real binary's sub-command, as a user would.
    m_dataDir = m_dir.filePath("proxyscope-data");
    m_caPem = m_dir.filePath("proxyscope-ca.pem");
    auto exported = run(proxyscopeBinary(), {"--data-dir", m_dataDir, "ca", "export", m_caPem});
    QVERIFY2(exported.exitCode == 0, (exported.out + exported.err).constData());
    QVERIFY(readAll(m_caPem).startsWith("-----BEGIN CERTIFICATE-----"));
  }

  void cleanupTestCase() { m_nginx.stop(); }

  // Issue 7: a replay of an intercepted HTTPS flow goes out on the live upstream path (TLS, SNI,
  // verification against --upstream-ca) and comes back as a new https flow linked to its origin.
  void httpsReplayGoesThroughTls() {
    ProxyHarness proxy(configure());
    const QString url = QString("https://localhost:%1/small.txt").arg(trustedPort());
    auto r = proxy.curl({"--http1.1", "--cacert", m_caPem, url});
    QCOMPARE(r.out, QByteArray("small file\n"));
    auto flows = proxy.finishedFlows(1);
    FlowPtr original = findFlow(flows, [](const Flow& f) { return f.request.scheme == "https" && f.request.path == "/small.txt"; });
    QVERIFY(original);
    auto id = proxy.engine().replay(original->request, original->id);
    QVERIFY2(id.ok(), id.ok() ? "" : id.error().message.c_str());
    // The CONNECT tunnel's own flow may finish around the same time: wait for the replay's id.
    FlowPtr replayed;
    for (int i = 0; i < 100 && !replayed; ++i) {
      replayed = findFlow(proxy.finishedFlows(1, std::chrono::milliseconds(100)), [&](const Flow& f) { return f.id == *id; });
      if (!replayed) QTest::qWait(50);
    }
    QVERIFY(replayed);
    QCOMPARE(replayed->replayOf, original->id);
    QCOMPARE(QString::fromStdString(replayed->request.scheme), QString("https"));
    QVERIFY2(!replayed->error, replayed->error ? replayed->error->message.c_str() : "");
    QVERIFY(replayed->response.has_value());
    QCOMPARE(replayed->response->status, 200);
    QCOMPARE(QString::fromStdString(replayed->response->body.captured), QString("small file\n"));
  }

  void interceptsAndRecordsDecryptedFlow() {
    ProxyHarness proxy(configure());
    QString out = m_dir.filePath("out.bin");
    QString url = QString("https://localhost:%1/data.bin").arg(trustedPort());
    auto r = proxy.curl({"--http1.1", "--cacert", m_caPem, "-o", out, "-w", "%{http_code}", url});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QCOMPARE(r.out, QByteArray("200"));
    QVERIFY(readAll(out).toStdString() == m_body);

    auto flows = proxy.finishedFlows(2);
    auto http = findFlow(flows, [](const Flow& f) { return f.kind == FlowKind::Http; });
    QVERIFY(http);
    QCOMPARE(http->request.scheme, std::string("https"));
    QCOMPARE(http->request.host, std::string("localhost"));
    QCOMPARE(int(http->request.port), int(trustedPort()));
    QCOMPARE(http->request.path, std::string("/data.bin"));
    QCOMPARE(http->request.url(), QString("https://localhost:%1/data.bin").arg(trustedPort()).toStdString());
    QVERIFY(http->request.headers.get("User-Agent").has_value());  // the decrypted request head
    QVERIFY(http->response.has_value());
    QCOMPARE(http->response->status, 200);
    QVERIFY(http->response->body.captured == m_body);
    QVERIFY2(!http->error.has_value(), http->error ? http->error->message.c_str() : "");
    QVERIFY(!http->hasTag("insecure-upstream"));
    auto tunnel = findFlow(flows, [](const Flow& f) { return f.kind == FlowKind::Tunnel; });
    QVERIFY(tunnel && tunnel->hasTag("intercepted"));
  }

  void alpnNeverOffersH2() {
    ProxyHarness proxy(configure());
    // curl offers h2 and http/1.1; the interception only speaks HTTP/1.1 and must pick it.
    auto r = proxy.curl({"--http2", "--cacert", m_caPem, "-o", "/dev/null", "-w", "%{http_version} %{http_code}",
                         QString("https://localhost:%1/small.txt").arg(trustedPort())});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QCOMPARE(r.out, QByteArray("1.1 200"));
  }

  void presentedLeafChainsToCa() {
    ProxyHarness proxy(configure());
    QString proxyArg = QString("127.0.0.1:%1").arg(proxy.port());
    struct Case { QString connect; QStringList nameArgs; QStringList verifyArgs; QByteArray san; };
    for (const Case& c : {Case{QString("localhost:%1").arg(trustedPort()), {"-servername", "localhost"},
                               {"-verify_hostname", "localhost"}, "DNS:localhost"},
                          Case{QString("127.0.0.1:%1").arg(trustedPort()), {"-noservername"},
                               {"-verify_ip", "127.0.0.1"}, "IP Address:127.0.0.1"}}) {
      auto s = run("openssl", QStringList{"s_client", "-proxy", proxyArg, "-connect", c.connect, "-showcerts"} + c.nameArgs,
                   20000);
      QByteArray leaf = firstPem(s.out);
      QVERIFY2(!leaf.isEmpty(), (s.out + s.err).constData());
      QString leafPath = m_dir.filePath("presented.pem");
      QVERIFY(writeText(leafPath.toStdString(), leaf.toStdString()));
      auto text = run("openssl", {"x509", "-in", leafPath, "-noout", "-ext", "subjectAltName,extendedKeyUsage"});
      QVERIFY2(text.out.contains(c.san) && text.out.contains("TLS Web Server Authentication"), text.out.constData());
      auto verify = run("openssl", QStringList{"verify", "-CAfile", m_caPem, "-purpose", "sslserver"} + c.verifyArgs +
                                       QStringList{leafPath});
      QVERIFY2(verify.exitCode == 0 && verify.out.contains(": OK"), (verify.out + verify.err).constData());
    }
  }

  void upstreamCertificateProblemsGive502WithReason() {
    ProxyHarness proxy(configure());
    auto self = proxy.curl({"--http1.1", "--cacert", m_caPem, "-w", "\n%{http_code}",
                            QString("https://localhost:%1/small.txt").arg(selfSignedPort())});
    QVERIFY2(self.exitCode == 0, self.err.constData());
    QVERIFY2(self.out.endsWith("\n502") && self.out.contains("unknown issuer (self-signed certificate)"), self.out.constData());
    QVERIFY(self.out.contains("--insecure-upstream localhost"));

    // 127.0.0.1 is not in the origin's certificate (DNS:localhost only).
    auto mismatch = proxy.curl({"--http1.1", "--cacert", m_caPem, "-w", "\n%{http_code}",
                                QString("https://127.0.0.1:%1/small.txt").arg(trustedPort())});
    QVERIFY2(mismatch.out.endsWith("\n502") &&
                 mismatch.out.contains("name mismatch: certificate is for localhost, not 127.0.0.1"),
             mismatch.out.constData());

    auto flows = proxy.finishedFlows(4);
    auto failed = findFlow(flows, [](const Flow& f) {
      return f.kind == FlowKind::Http && f.error && f.error->kind == ErrorKind::UpstreamTls &&
             f.error->message.find("self-signed") != std::string::npos;
    });
    QVERIFY(failed);
    QVERIFY(failed->response && failed->response->status == 502);
  }

  void insecureOptInAcceptsAndTags() {
    ProxyHarness proxy(configure([](EngineConfig& c) { c.tls.insecureUpstream = {"localhost"}; }));
    auto r = proxy.curl({"--http1.1", "--cacert", m_caPem, QString("https://localhost:%1/small.txt").arg(selfSignedPort())});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QCOMPARE(r.out, QByteArray("small file\n"));
    auto flows = proxy.finishedFlows(2);
    auto http = findFlow(flows, [](const Flow& f) { return f.kind == FlowKind::Http; });
    QVERIFY(http && http->hasTag("insecure-upstream"));
    QCOMPARE(http->response->status, 200);
  }

  void passThroughHostStaysOpaque() {
    ProxyHarness proxy(configure([](EngineConfig& c) { c.tls.passThrough = {"localhost"}; }));
    auto r = proxy.curl({"--http1.1", "-k", "-v", QString("https://localhost:%1/small.txt").arg(trustedPort())});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QCOMPARE(r.out, QByteArray("small file\n"));
    QVERIFY2(r.err.contains("issuer: CN=Origin Test CA"), r.err.constData());  // the origin's own certificate
    auto flows = proxy.finishedFlows(1);
    auto tunnel = findFlow(flows, [](const Flow& f) { return f.kind == FlowKind::Tunnel; });
    QVERIFY(tunnel && !tunnel->hasTag("intercepted"));
    QVERIFY(!findFlow(flows, [](const Flow& f) { return f.kind == FlowKind::Http; }));

    // Allow-list mode: only listed hosts are intercepted.
    ProxyHarness allow(configure([](EngineConfig& c) { c.tls.interceptOnly = {"*.example.test"}; }));
    auto opaque = allow.curl({"--http1.1", "-k", "-v", QString("https://localhost:%1/small.txt").arg(trustedPort())});
    QVERIFY2(opaque.err.contains("issuer: CN=Origin Test CA"), opaque.err.constData());
  }

  void nonTlsAfterConnectIsPlainTunnel() {
    ProxyHarness proxy(configure());
    std::string reply = rawExchange(proxy.port(),
                                    "CONNECT 127.0.0.1:" + std::to_string(plainPort()) + " HTTP/1.1\r\nHost: x\r\n\r\n"
                                    "GET /small.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                                    std::chrono::seconds(10));
    QVERIFY2(reply.starts_with("HTTP/1.1 200") && reply.find("small file\n") != std::string::npos, reply.c_str());
  }

  void clientNotTrustingCaGetsExplainingFlow() {
    ProxyHarness proxy(configure());
    // No --cacert: curl checks the system store, which does not hold the Proxyscope CA.
    auto r = proxy.curl({"--http1.1", "--capath", m_dir.filePath("empty"), "--cacert", m_originCa,
                         QString("https://localhost:%1/small.txt").arg(trustedPort())});
    QCOMPARE(r.exitCode, 60);  // curl: peer certificate cannot be authenticated
    auto flows = proxy.finishedFlows(1);
    auto rejected = findFlow(flows, [](const Flow& f) { return f.error && f.error->kind == ErrorKind::ClientTls; });
    QVERIFY(rejected);
    QVERIFY2(rejected->error->message.find("does not trust the Proxyscope CA") != std::string::npos &&
                 rejected->error->message.find("pinned certificate?") != std::string::npos,
             rejected->error->message.c_str());
  }

  void keyLogHasBothSides() {
    QString keyLog = m_dir.filePath("keys.log");
    ProxyHarness proxy(configure([&](EngineConfig& c) { c.tls.keyLogFile = keyLog.toStdString(); }));
    auto r = proxy.curl({"--http1.1", "--tlsv1.3", "--cacert", m_caPem, QString("https://localhost:%1/small.txt").arg(trustedPort())});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    proxy.finishedFlows(2);
    QByteArray keys = readAll(keyLog);
    // Lines for the client-facing and the upstream session: two different client randoms
    // (TLS 1.3 traffic secrets, or CLIENT_RANDOM for a TLS 1.2 upstream).
    QSet<QByteArray> randoms;
    for (const QByteArray& line : keys.split('\n')) {
      if (line.startsWith("CLIENT_TRAFFIC_SECRET_0 ") || line.startsWith("CLIENT_RANDOM ")) {
        randoms.insert(line.split(' ').value(1));
      }
    }
    QVERIFY2(randoms.size() >= 2, keys.constData());
    struct stat st {};
    QCOMPARE(::stat(keyLog.toUtf8().constData(), &st), 0);
    QCOMPARE(st.st_mode & 0777, mode_t(0600));
  }

  void caSubcommands() {
    QString dataDir = m_dir.filePath("other-data");
    QString der = m_dir.filePath("ca.der");
    auto exported = run(proxyscopeBinary(), {"--data-dir", dataDir, "ca", "export", der, "--der"});
    QVERIFY2(exported.exitCode == 0, exported.err.constData());
    QVERIFY(exported.out.contains("update-ca-certificates") && exported.out.contains("certutil"));
    auto parsed = run("openssl", {"x509", "-inform", "DER", "-in", der, "-noout", "-subject"});
    QVERIFY2(parsed.exitCode == 0 && parsed.out.contains("Proxyscope CA ("), parsed.out.constData());
    auto regenerated = run(proxyscopeBinary(), {"--data-dir", dataDir, "ca", "regenerate"});
    QVERIFY2(regenerated.exitCode == 0 && regenerated.out.contains("warning"), regenerated.out.constData());
    auto again = run(proxyscopeBinary(), {"--data-dir", dataDir, "ca", "export", m_dir.filePath("ca2.der"), "--der"});
    QCOMPARE(again.exitCode, 0);
    QVERIFY(readAll(der) != readAll(m_dir.filePath("ca2.der")));
    auto bad = run(proxyscopeBinary(), {"ca", "frobnicate"});
    QCOMPARE(bad.exitCode, 2);
  }
};

QTEST_GUILESS_MAIN(TestHttpsInterception)
#include "test_https_interception.moc"
