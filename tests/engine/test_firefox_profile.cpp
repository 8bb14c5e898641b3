// The Firefox profile `proxyscope launch firefox` starts with (engine/sysproxy writeFirefoxProfile):
// user.js with the proxy prefs, and the Proxyscope CA in the profile's NSS database, checked with
// the real certutil (Debian: libnss3-tools).
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include "engine/sysproxy/app_launcher.h"
#include "engine/sysproxy/process.h"
#include "engine/tls/certificate_authority.h"
#include "tests/support/test_support.h"

using namespace ps::engine;

class TestFirefoxProfile : public QObject {
  Q_OBJECT

  QTemporaryDir m_dir;
  std::string m_caPem;

 private slots:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    auto ca = tls::CertificateAuthority::loadOrCreate(m_dir.filePath("data").toStdString());
    QVERIFY2(ca.ok(), ca.ok() ? "" : ca.error().message.c_str());
    m_caPem = (*ca)->certPath();
  }

  void userJsHasTheProxyPrefs() {
    const QString profile = m_dir.filePath("p1");
    QVERIFY(QDir().mkpath(profile));
    auto note = writeFirefoxProfile(profile.toStdString(), {"127.0.0.1", 18080}, m_caPem);
    QVERIFY(note.ok());
    QFile f(profile + "/user.js");
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray prefs = f.readAll();
    for (const char* line : {"user_pref(\"network.proxy.type\", 1);", "user_pref(\"network.proxy.http\", \"127.0.0.1\");",
                             "user_pref(\"network.proxy.http_port\", 18080);", "user_pref(\"network.proxy.ssl\", \"127.0.0.1\");",
                             "user_pref(\"network.proxy.ssl_port\", 18080);", "user_pref(\"network.proxy.no_proxies_on\", \"\");",
                             "user_pref(\"network.proxy.allow_hijacking_localhost\", true);"}) {
      QVERIFY2(prefs.contains(line), line);
    }
  }

  void caImportedIntoTheNssDatabase() {
    if (!findInPath("certutil")) QSKIP("certutil is not installed (libnss3-tools)");
    const QString profile = m_dir.filePath("p2");
    QVERIFY(QDir().mkpath(profile));
    auto note = writeFirefoxProfile(profile.toStdString(), {"127.0.0.1", 8080}, m_caPem);
    QVERIFY(note.ok());
    QVERIFY2(note->empty(), note->c_str());
    QVERIFY(QFile::exists(profile + "/cert9.db"));
    // certutil -L lists "Proxyscope CA" with the trust flags C,, (trusted CA for TLS servers).
    auto listed = ps::test::run("certutil", {"-L", "-d", "sql:" + profile}, 10000);
    QCOMPARE(listed.exitCode, 0);
    const QString out = QString::fromUtf8(listed.out);
    auto line = out.split('\n').filter("Proxyscope CA");
    QCOMPARE(line.size(), 1);
    QVERIFY2(line.front().simplified().endsWith("C,,"), qPrintable(line.front()));
    // And it is the certificate we gave it (same DER as the PEM file).
    auto pem = ps::test::run("certutil", {"-L", "-d", "sql:" + profile, "-n", "Proxyscope CA", "-a"}, 10000);
    QCOMPARE(pem.exitCode, 0);
    QFile ca(QString::fromStdString(m_caPem));
    QVERIFY(ca.open(QIODevice::ReadOnly));
    auto body = [](QByteArray text) {
      text.replace("\r", "");
      QByteArray out;
      for (const QByteArray& l : text.split('\n')) {
        if (!l.startsWith("-----") && !l.isEmpty()) out += l;
      }
      return out;
    };
    QCOMPARE(body(pem.out), body(ca.readAll()));
  }

  // Without certutil the profile still has its prefs, and the note says what to do.
  void withoutCertutilANoteExplains() {
    const QByteArray savedPath = qgetenv("PATH");
    qputenv("PATH", m_dir.filePath("empty-bin").toUtf8());
    const QString profile = m_dir.filePath("p3");
    QVERIFY(QDir().mkpath(profile));
    auto note = writeFirefoxProfile(profile.toStdString(), {"127.0.0.1", 8080}, m_caPem);
    qputenv("PATH", savedPath);
    QVERIFY(note.ok());
    QVERIFY2(note->find("certutil") != std::string::npos, note->c_str());
    QVERIFY(QFile::exists(profile + "/user.js"));
    QVERIFY(!QFile::exists(profile + "/cert9.db"));
  }
};

QTEST_GUILESS_MAIN(TestFirefoxProfile)
#include "test_firefox_profile.moc"
