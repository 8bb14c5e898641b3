// Proxyscope's CA and interception TLS: CA files and reuse, leaves that real `openssl verify`
// accepts, the LRU cache, ClientHello sniffing on bytes from a real `openssl s_client`, upstream
// verification reasons, ALPN, SNI certificate switching and the key log.
#include <QtTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <QProcess>
#include <QTemporaryDir>

#include <openssl/x509v3.h>

#include "engine/tls/certificate_authority.h"
#include "engine/tls/client_hello.h"
#include "engine/tls/key_log.h"
#include "engine/tls/leaf_certificate_cache.h"
#include "engine/tls/server_tls_context.h"
#include "engine/tls/upstream_tls_context.h"
#include "tests/support/test_support.h"
#include "tests/support/tls_test_support.h"

using namespace ps::engine;
using namespace ps::engine::tls;

namespace {

mode_t fileMode(const QString& path) {
  struct stat st {};
  if (::stat(path.toUtf8().constData(), &st) != 0) return 0;
  return st.st_mode & 0777;
}

QByteArray readAll(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

std::shared_ptr<CertificateAuthority> makeCa(const QTemporaryDir& dir, const QString& sub = "data") {
  auto ca = CertificateAuthority::loadOrCreate(dir.filePath(sub).toStdString());
  if (!ca) qWarning("%s", ca.error().message.c_str());
  return ca ? *ca : nullptr;
}

// Captures the first bytes a real `openssl s_client` sends to a fresh TCP listener.
QByteArray captureClientHello(const QStringList& extraArgs) {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listener, 1) != 0 ||
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(listener);
    return {};
  }
  QProcess client;
  client.start("openssl", QStringList{"s_client", "-connect", QString("127.0.0.1:%1").arg(ntohs(addr.sin_port))} + extraArgs);
  QByteArray bytes;
  pollfd pfd{listener, POLLIN, 0};
  if (::poll(&pfd, 1, 10000) == 1) {
    int conn = ::accept(listener, nullptr, nullptr);
    // Read until the whole first record is in (its length is in bytes 3-4), with a deadline.
    for (int i = 0; i < 100 && conn >= 0; ++i) {
      pollfd cp{conn, POLLIN, 0};
      if (::poll(&cp, 1, 100) != 1) continue;
      char buf[4096];
      ssize_t n = ::recv(conn, buf, sizeof buf, 0);
      if (n <= 0) break;
      bytes.append(buf, static_cast<int>(n));
      if (bytes.size() >= 5 && bytes.size() >= 5 + ((uchar(bytes[3]) << 8) | uchar(bytes[4]))) break;
    }
    if (conn >= 0) ::close(conn);
  }
  ::close(listener);
  client.kill();
  client.waitForFinished(5000);
  return bytes;
}

struct VerifyOutcome {
  bool handshakeOk = false;
  long verifyResult = -1;
  std::string reason;
};

// A real handshake: the upstream context (as Proxyscope's client side) against a server SSL
// presenting cert/key, expecting host.
VerifyOutcome connectUpstream(UpstreamTlsContext& upstream, X509* cert, EVP_PKEY* key, const std::string& host) {
  SslCtxPtr serverCtx(SSL_CTX_new(TLS_server_method()));
  SSL_CTX_use_certificate(serverCtx.get(), cert);
  SSL_CTX_use_PrivateKey(serverCtx.get(), key);
  SslPtr server(SSL_new(serverCtx.get()));
  SslPtr client(SSL_new(upstream.native()));
  VerifyOutcome out;
  if (!upstream.prepare(client.get(), host)) return out;
  out.handshakeOk = ps::test::handshake(client.get(), server.get());
  out.verifyResult = SSL_get_verify_result(client.get());
  out.reason = describeVerifyFailure(client.get(), host);
  return out;
}

}  // namespace

class TestCertificateAuthority : public QObject {
  Q_OBJECT
 private slots:
  void caCreatedPrivatelyAndReused() {
    QTemporaryDir dir;
    QString dataDir = dir.filePath("nested/data");
    auto first = CertificateAuthority::loadOrCreate(dataDir.toStdString());
    QVERIFY2(first.ok(), first.ok() ? "" : first.error().message.c_str());
    QCOMPARE(fileMode(dataDir + "/proxyscope-ca.key"), mode_t(0600));
    QCOMPARE(fileMode(dataDir), mode_t(0700));
    QVERIFY(readAll(dataDir + "/proxyscope-ca.pem").startsWith("-----BEGIN CERTIFICATE-----"));
    QVERIFY(readAll(dataDir + "/proxyscope-ca.key").contains("PRIVATE KEY"));
    std::string cn = (*first)->subjectName();
    QVERIFY2(cn.rfind("Proxyscope CA (", 0) == 0 && cn.find('@') != std::string::npos, cn.c_str());

    X509* cert = (*first)->certificate();
    QVERIFY(X509_check_ca(cert) == 1);
    int bc = X509_get_ext_by_NID(cert, NID_basic_constraints, -1);
    QVERIFY(bc >= 0 && X509_EXTENSION_get_critical(X509_get_ext(cert, bc)) == 1);
    QVERIFY(X509_get_key_usage(cert) & KU_KEY_CERT_SIGN);
    QVERIFY(X509_get_key_usage(cert) & KU_CRL_SIGN);
    QVERIFY(X509_get0_subject_key_id(cert) != nullptr);
    int days = 0, secs = 0;
    QVERIFY(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(cert), X509_get0_notAfter(cert)));
    QVERIFY(days >= 3650);

    auto second = CertificateAuthority::loadOrCreate(dataDir.toStdString());
    QVERIFY(second.ok());
    QCOMPARE((*second)->certificateDer(), (*first)->certificateDer());

    auto regenerated = regenerateCa(dataDir.toStdString());
    QVERIFY(regenerated.ok());
    QCOMPARE(fileMode(dataDir + "/proxyscope-ca.key"), mode_t(0600));
    auto third = CertificateAuthority::load(dataDir.toStdString());
    QVERIFY(third.ok());
    QVERIFY((*third)->certificateDer() != (*first)->certificateDer());
  }

  void exportPemAndDer() {
    QTemporaryDir dir;
    std::string dataDir = dir.filePath("data").toStdString();
    QVERIFY(exportCaCertificate(dataDir, dir.filePath("ca.pem").toStdString(), CertificateFormat::Pem).ok());
    QVERIFY(exportCaCertificate(dataDir, dir.filePath("ca.der").toStdString(), CertificateFormat::Der).ok());
    auto ca = CertificateAuthority::load(dataDir);
    QVERIFY(ca.ok());
    QCOMPARE(readAll(dir.filePath("ca.pem")).toStdString(), (*ca)->certificatePem());
    QCOMPARE(readAll(dir.filePath("ca.der")).toStdString(), (*ca)->certificateDer());
    QVERIFY(!readAll(dir.filePath("ca.pem")).contains("PRIVATE"));
    // The real openssl reads both encodings as the same certificate.
    auto pem = ps::test::run("openssl", {"x509", "-in", dir.filePath("ca.pem"), "-noout", "-fingerprint", "-sha256"});
    auto der = ps::test::run("openssl", {"x509", "-inform", "DER", "-in", dir.filePath("ca.der"), "-noout", "-fingerprint", "-sha256"});
    QCOMPARE(pem.exitCode, 0);
    QCOMPARE(der.out, pem.out);
    QVERIFY(pem.out.contains(QByteArray::fromStdString((*ca)->fingerprintSha256())));
  }

  void loadErrorsNameFileAndCause() {
    QTemporaryDir dir;
    QVERIFY(makeCa(dir, "a") && makeCa(dir, "b"));
    // Key of one CA next to the certificate of another.
    QFile::remove(dir.filePath("b/proxyscope-ca.key"));
    QVERIFY(QFile::copy(dir.filePath("a/proxyscope-ca.key"), dir.filePath("b/proxyscope-ca.key")));
    auto mismatch = CertificateAuthority::loadOrCreate(dir.filePath("b").toStdString());
    QVERIFY(!mismatch.ok());
    QVERIFY2(mismatch.error().message.find("mismatch") != std::string::npos &&
             mismatch.error().message.find("proxyscope-ca.key") != std::string::npos, mismatch.error().message.c_str());

    QVERIFY(ps::test::writeText(dir.filePath("a/proxyscope-ca.key").toStdString(), "not a key\n"));
    auto garbage = CertificateAuthority::load(dir.filePath("a").toStdString());
    QVERIFY(!garbage.ok());
    QVERIFY2(garbage.error().message.find("a/proxyscope-ca.key") != std::string::npos &&
             garbage.error().message.find("not a PEM private key") != std::string::npos, garbage.error().message.c_str());

    QVERIFY(QFile::remove(dir.filePath("a/proxyscope-ca.pem")));
    auto missing = CertificateAuthority::loadOrCreate(dir.filePath("a").toStdString());
    QVERIFY(!missing.ok());
    QVERIFY2(missing.error().message.find("proxyscope-ca.pem") != std::string::npos, missing.error().message.c_str());
  }

  void leavesChainToCaForDnsAndIp() {
    QTemporaryDir dir;
    auto ca = makeCa(dir);
    QVERIFY(ca);
    auto cache = LeafCertificateCache::create(ca);
    QVERIFY(cache.ok());
    QVERIFY(ps::test::writeText(dir.filePath("ca.pem").toStdString(), ca->certificatePem()));
    struct Case { std::string host; QStringList verifyArgs; };
    for (const Case& c : {Case{"Www.Example.COM", {"-verify_hostname", "www.example.com"}},
                          Case{"127.0.0.1", {"-verify_ip", "127.0.0.1"}},
                          Case{"[::1]", {"-verify_ip", "::1"}}}) {
      auto leaf = (*cache)->leafFor(c.host);
      QVERIFY2(leaf.ok(), c.host.c_str());
      X509* cert = leaf->get();
      QString leafPath = dir.filePath("leaf.pem");
      QVERIFY(ps::test::writeText(leafPath.toStdString(), ps::test::toPem(cert)));
      auto verify = ps::test::run("openssl", QStringList{"verify", "-CAfile", dir.filePath("ca.pem"), "-purpose", "sslserver"}
                                                 + c.verifyArgs + QStringList{leafPath});
      QVERIFY2(verify.exitCode == 0 && verify.out.contains(": OK"), (verify.out + verify.err).constData());

      // SAN, EKU, AKI, validity parsed back from the certificate.
      if (c.host == "127.0.0.1") {
        QCOMPARE(X509_check_ip_asc(cert, "127.0.0.1", 0), 1);
        QCOMPARE(X509_check_host(cert, "127.0.0.1", 0, X509_CHECK_FLAG_NEVER_CHECK_SUBJECT, nullptr), 0);  // an IP SAN, no DNS one
      } else if (c.host == "[::1]") {
        QCOMPARE(X509_check_ip_asc(cert, "::1", 0), 1);
      } else {
        QCOMPARE(X509_check_host(cert, "www.example.com", 0, 0, nullptr), 1);
        QCOMPARE(X509_check_host(cert, "other.example.com", 0, 0, nullptr), 0);
      }
      QVERIFY(X509_get_extension_flags(cert) & EXFLAG_XKUSAGE);
      QVERIFY(X509_get_extended_key_usage(cert) & XKU_SSL_SERVER);
      QVERIFY(X509_check_ca(cert) == 0);
      const ASN1_OCTET_STRING* aki = X509_get0_authority_key_id(cert);
      QVERIFY(aki && ASN1_OCTET_STRING_cmp(aki, X509_get0_subject_key_id(ca->certificate())) == 0);
      int days = 0, secs = 0;
      QVERIFY(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(cert), X509_get0_notAfter(cert)));
      QVERIFY2(days <= 397 && days >= 300, qPrintable(QString::number(days)));
      QVERIFY(X509_cmp_time(X509_get0_notBefore(cert), nullptr) < 0);
      time_t dayAgo = time(nullptr) - 23 * 3600;
      QVERIFY2(X509_cmp_time(X509_get0_notBefore(cert), &dayAgo) < 0, "validity must start a day back");
    }
    // Serials are random: two leaves never share one.
    auto a = ca->issueLeaf("same.example", (*cache)->leafKey());
    auto b = ca->issueLeaf("same.example", (*cache)->leafKey());
    QVERIFY(a.ok() && b.ok());
    QVERIFY(ASN1_INTEGER_cmp(X509_get0_serialNumber(a->get()), X509_get0_serialNumber(b->get())) != 0);
  }

  void cacheHitsAndEvicts() {
    QTemporaryDir dir;
    auto ca = makeCa(dir);
    auto cache = LeafCertificateCache::create(ca, 2);
    QVERIFY(cache.ok());
    auto first = (*cache)->leafFor("a.example");
    auto again = (*cache)->leafFor("A.EXAMPLE.");
    QVERIFY(first.ok() && again.ok());
    QCOMPARE(again->get(), first->get());
    QCOMPARE((*cache)->hits(), uint64_t(1));
    QVERIFY((*cache)->leafFor("b.example").ok());
    QVERIFY((*cache)->leafFor("a.example").ok());  // a is now most recent; b is the LRU
    QVERIFY((*cache)->leafFor("c.example").ok());  // evicts b
    QCOMPARE((*cache)->size(), size_t(2));
    auto aStill = (*cache)->leafFor("a.example");
    QCOMPARE(aStill->get(), first->get());
    uint64_t misses = (*cache)->misses();
    QVERIFY((*cache)->leafFor("b.example").ok());
    QCOMPARE((*cache)->misses(), misses + 1);
    // The evicted leaf stays valid for whoever still holds it.
    QVERIFY(X509_check_host(first->get(), "a.example", 0, 0, nullptr) == 1);
  }

  void clientHelloFromRealOpenSslClient() {
    QByteArray hello = captureClientHello({"-servername", "sniff.example.test"});
    QVERIFY2(hello.size() > 100, qPrintable(QString("captured %1 bytes").arg(hello.size())));
    std::string_view bytes(hello.constData(), size_t(hello.size()));
    QVERIFY(looksLikeTlsClientHello(bytes));
    QVERIFY(looksLikeTlsClientHello(bytes.substr(0, 3)));
    auto sni = extractSni(bytes);
    QVERIFY(sni.has_value());
    QCOMPARE(*sni, std::string("sniff.example.test"));
    // Every truncation is handled (no SNI or the right one; never a read past the end).
    for (size_t n = 0; n < bytes.size(); ++n) {
      auto partial = extractSni(bytes.substr(0, n));
      QVERIFY(!partial || *partial == "sniff.example.test");
    }
    // Corrupted lengths do not escape the buffer either.
    for (size_t i = 5; i < bytes.size(); i += 7) {
      std::string corrupt(bytes);
      corrupt[i] = char(0xff);
      (void)extractSni(corrupt);
    }

    QByteArray noSni = captureClientHello({"-noservername"});
    QVERIFY(noSni.size() > 100);
    QVERIFY(looksLikeTlsClientHello(std::string_view(noSni.constData(), size_t(noSni.size()))));
    QVERIFY(!extractSni(std::string_view(noSni.constData(), size_t(noSni.size()))).has_value());
  }

  void nonTlsBytesAreNotClientHellos() {
    for (std::string_view text : {std::string_view("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), std::string_view("SSH-2.0-OpenSSH_9.2\r\n"),
                                  std::string_view("PRI * HTTP/2.0\r\n"), std::string_view(""), std::string_view("\x16\x03"),
                                  std::string_view("\x16\x02\x00\x00\x10\x01", 6), std::string_view("\x17\x03\x03\x00\x10", 5),
                                  std::string_view("\x16\x03\x03\x00\x10\x02", 6)}) {
      QVERIFY2(!looksLikeTlsClientHello(text), std::string(text).c_str());
      QVERIFY(!extractSni(text).has_value());
    }
  }

  void upstreamVerifyReasons() {
    QTemporaryDir dir;
    auto testCa = makeCa(dir, "origin-ca");  // stands in for a public CA the origin uses
    QVERIFY(testCa);
    auto key = generateKey();
    QVERIFY(key.ok());
    // Good leaves come from the test CA; odd ones (expired) are built by hand and signed by a
    // second trusted test issuer.
    auto issuerKey = generateKey();
    auto issuer = ps::test::makeCertificate("Test Issuer", issuerKey->get(), -10, 100);
    {
      // Make the hand-built issuer a CA.
      X509V3_CTX ctx;
      X509V3_set_ctx_nodb(&ctx);
      X509V3_set_ctx(&ctx, issuer.get(), issuer.get(), nullptr, nullptr, 0);
      X509_EXTENSION* ext = X509V3_EXT_nconf_nid(nullptr, &ctx, NID_basic_constraints, "critical,CA:TRUE");
      X509_add_ext(issuer.get(), ext, -1);
      X509_EXTENSION_free(ext);
      X509_sign(issuer.get(), issuerKey->get(), EVP_sha256());
    }
    QString trusted = dir.filePath("trusted.pem");
    QVERIFY(ps::test::writeText(trusted.toStdString(), testCa->certificatePem() + ps::test::toPem(issuer.get())));

    UpstreamTlsOptions options;
    options.extraCaFile = trusted.toStdString();
    options.insecureHosts = {"*.insecure.test"};
    auto upstream = UpstreamTlsContext::create(options);
    QVERIFY2(upstream.ok(), upstream.ok() ? "" : upstream.error().message.c_str());

    auto good = testCa->issueLeaf("origin.test", key->get());
    QVERIFY(good.ok());
    auto ok = connectUpstream(**upstream, good->get(), key->get(), "origin.test");
    QVERIFY(ok.handshakeOk);
    QCOMPARE(ok.verifyResult, long(X509_V_OK));

    auto mismatch = connectUpstream(**upstream, good->get(), key->get(), "other.test");
    QVERIFY(!mismatch.handshakeOk);
    QCOMPARE(QString::fromStdString(mismatch.reason), QString("name mismatch: certificate is for origin.test, not other.test"));

    auto expired = ps::test::makeCertificate("origin.test", key->get(), -30, -1, issuer.get(), issuerKey->get());
    auto exp = connectUpstream(**upstream, expired.get(), key->get(), "origin.test");
    QVERIFY(!exp.handshakeOk);
    QVERIFY2(exp.reason.rfind("certificate has expired", 0) == 0, exp.reason.c_str());

    auto selfSigned = ps::test::makeCertificate("origin.test", key->get(), -1, 30);
    auto self = connectUpstream(**upstream, selfSigned.get(), key->get(), "origin.test");
    QVERIFY(!self.handshakeOk);
    QCOMPARE(QString::fromStdString(self.reason), QString("unknown issuer (self-signed certificate)"));

    // The per-host opt-in connects anyway and still knows what it skipped.
    auto selfInsecure = ps::test::makeCertificate("a.insecure.test", key->get(), -1, 30);
    QVERIFY((*upstream)->isInsecure("A.Insecure.Test"));
    QVERIFY(!(*upstream)->isInsecure("insecure.test"));
    auto optIn = connectUpstream(**upstream, selfInsecure.get(), key->get(), "a.insecure.test");
    QVERIFY(optIn.handshakeOk);
    QCOMPARE(QString::fromStdString(optIn.reason), QString("unknown issuer (self-signed certificate)"));
  }

  void serverContextPresentsSniLeafWithAlpnAndKeyLog() {
    QTemporaryDir dir;
    auto ca = makeCa(dir);
    QString keyLogPath = dir.filePath("keys.log");
    auto keyLog = KeyLog::open(keyLogPath.toStdString());
    QVERIFY(keyLog.ok());
    auto server = ServerTlsContext::create(ca, *keyLog);
    QVERIFY(server.ok());
    QVERIFY(ps::test::writeText(dir.filePath("ca.pem").toStdString(), ca->certificatePem()));
    UpstreamTlsOptions options;
    options.extraCaFile = dir.filePath("ca.pem").toStdString();
    options.useSystemTrustStore = false;
    auto client = UpstreamTlsContext::create(options);
    QVERIFY(client.ok());

    struct Case { std::string connectHost, sni; QByteArray alpn; std::string expectAlpn; };
    for (const Case& c : {Case{"connect.test", "sni.test", QByteArray("\x02h2\x08http/1.1"), "http/1.1"},
                          Case{"connect.test", "connect.test", QByteArray("\x02h2"), ""},
                          Case{"127.0.0.1", "127.0.0.1", QByteArray(), ""}}) {
      SslPtr s(SSL_new((*server)->native()));
      SslPtr cl(SSL_new((*client)->native()));
      QVERIFY((*server)->useCertificateFor(s.get(), c.connectHost).ok());
      QVERIFY((*client)->prepare(cl.get(), c.sni).ok());
      SSL_set_alpn_protos(cl.get(), reinterpret_cast<const unsigned char*>(c.alpn.constData()), unsigned(c.alpn.size()));
      QVERIFY2(ps::test::handshake(cl.get(), s.get()), describeVerifyFailure(cl.get(), c.sni).c_str());
      QCOMPARE(SSL_get_verify_result(cl.get()), long(X509_V_OK));
      const unsigned char* proto = nullptr;
      unsigned protoLen = 0;
      SSL_get0_alpn_selected(cl.get(), &proto, &protoLen);
      QCOMPARE(std::string(reinterpret_cast<const char*>(proto), protoLen), c.expectAlpn);
      // The chain presented is leaf + CA.
      STACK_OF(X509)* chain = SSL_get_peer_cert_chain(cl.get());
      QVERIFY(chain && sk_X509_num(chain) == 2);
      QCOMPARE(X509_cmp(sk_X509_value(chain, 1), ca->certificate()), 0);
    }
    QByteArray keys = readAll(keyLogPath);
    QVERIFY(keys.contains("CLIENT_HANDSHAKE_TRAFFIC_SECRET ") && keys.contains("SERVER_TRAFFIC_SECRET_0 "));
    QCOMPARE(fileMode(keyLogPath), mode_t(0600));
  }

  void hostPatterns() {
    QVERIFY(hostMatchesPattern("example.com", "EXAMPLE.com"));
    QVERIFY(hostMatchesPattern("a.b.example.com", "*.example.com"));
    QVERIFY(!hostMatchesPattern("example.com", "*.example.com"));
    QVERIFY(!hostMatchesPattern("badexample.com", "*.example.com"));
    QVERIFY(hostMatchesPattern("anything", "*"));
    QVERIFY(hostMatchesPattern("[::1]", "::1"));
  }
};

QTEST_APPLESS_MAIN(TestCertificateAuthority)
#include "test_certificate_authority.moc"
