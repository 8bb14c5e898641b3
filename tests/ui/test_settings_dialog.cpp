// The Settings dialog: inline validation, persistence across instances (a temporary INI file),
// the theme, and the settings applied to a real running engine: a capture cap truncates a body a
// real curl fetched, and a pass-through host is then tunnelled instead of intercepted.
#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QPalette>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTcpServer>
#include <QTest>

#include "engine/net/engine.h"
#include "engine/tls/certificate_authority.h"
#include "tests/support/test_origin.h"
#include "tests/support/test_support.h"
#include "tests/support/tls_test_support.h"
#include "ui/engine_bridge.h"
#include "ui/main_window.h"
#include "ui/settings_dialog.h"

namespace eng = ps::engine;
using namespace ps::ui;

namespace {

std::unique_ptr<eng::Engine> makeEngine(const QString& dataDir, std::vector<std::string> insecure = {}) {
  auto config = std::make_shared<eng::EngineConfig>();
  config->listen = {"127.0.0.1", 0};
  config->dataDir = dataDir.toStdString();
  config->tls.insecureUpstream = std::move(insecure);  // the test origin's certificate is self-signed
  return eng::Engine::create(config);
}

// curl through the proxy; exit code 0 expected by the caller.
ps::test::ProcessResult curlVia(const EngineBridge& bridge, const QStringList& args) {
  QStringList all{QStringLiteral("-s"), QStringLiteral("-S"), QStringLiteral("--max-time"), QStringLiteral("10"),
                  QStringLiteral("-x"), QStringLiteral("http://") + bridge.listenAddress()};
  all += args;
  return ps::test::run(QStringLiteral("curl"), all, 20'000);
}

// The finished flows of the spy's batches (waits until `count` arrived; fewer on timeout).
QVector<FlowDetail> finishedFlows(const EngineBridge& bridge, QSignalSpy& spy, int count) {
  QVector<FlowDetail> flows;
  [[maybe_unused]] const bool all = QTest::qWaitFor(  // the caller checks the count
      [&] {
        while (!spy.isEmpty()) {
          for (const auto& s : spy.takeFirst().at(0).value<QVector<TopologySample>>()) {
            if (auto d = bridge.detail(s.flowId)) flows.push_back(*d);
          }
        }
        return flows.size() >= count;
      },
      10'000);
  return flows;
}

// A port free right now (bound and released), for listen addresses that must differ from port 0.
quint16 freePort() {
  QTcpServer server;
  return server.listen(QHostAddress::LocalHost, 0) ? server.serverPort() : 0;
}

const FlowDetail* ofKind(const QVector<FlowDetail>& flows, const QString& kind) {
  for (const auto& f : flows) {
    if (f.kind == kind) return &f;
  }
  return nullptr;
}

}  // namespace

class TestSettingsDialog : public QObject {
  Q_OBJECT

  QTemporaryDir m_dir;

 private slots:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    qRegisterMetaType<QVector<TopologySample>>();
  }

  void invalidFieldsShowInlineErrorsAndDisableOk() {
    auto engine = makeEngine(m_dir.filePath(QStringLiteral("data-validate")));
    EngineBridge bridge(*engine);
    QSettings store(m_dir.filePath(QStringLiteral("validate.ini")), QSettings::IniFormat);
    SettingsDialog dialog(bridge, store);
    QVERIFY(dialog.valid());
    QVERIFY(dialog.forwardListenError()->isHidden());

    dialog.forwardListenEdit()->setText(QStringLiteral("127.0.0.1:99999"));
    QVERIFY(!dialog.okButton()->isEnabled());
    QVERIFY(!dialog.forwardListenError()->isHidden());
    QVERIFY(!dialog.forwardListenError()->text().isEmpty());
    dialog.forwardListenEdit()->setText(QString());
    QVERIFY(!dialog.okButton()->isEnabled());
    dialog.forwardListenEdit()->setText(QStringLiteral("127.0.0.1:18080"));
    QVERIFY(dialog.okButton()->isEnabled());
    QVERIFY(dialog.forwardListenError()->isHidden());

    dialog.passThroughEdit()->setPlainText(QStringLiteral("*.bank.example\nhttps://pinned.app/"));
    QVERIFY(!dialog.okButton()->isEnabled());
    QVERIFY(dialog.passThroughError()->text().contains(QStringLiteral("pinned.app")));
    dialog.passThroughEdit()->setPlainText(QStringLiteral("*.bank.example\npinned.app"));
    QVERIFY(dialog.okButton()->isEnabled());
    QCOMPARE(dialog.values().passThrough, (QStringList{QStringLiteral("*.bank.example"), QStringLiteral("pinned.app")}));

    dialog.upstreamCaEdit()->setText(m_dir.filePath(QStringLiteral("missing.pem")));
    QVERIFY(!dialog.okButton()->isEnabled());
    QVERIFY(!dialog.apply().isEmpty());  // refused while invalid, nothing saved
    QVERIFY(!hasSavedSettings(store));
    dialog.upstreamCaEdit()->clear();
    QVERIFY(dialog.okButton()->isEnabled());

    // The same engine settings as a headless command line.
    const QString line = headlessCommandLine(dialog.values(), false);
    QVERIFY2(line.contains(QStringLiteral("--listen 127.0.0.1:18080")), qPrintable(line));
    QVERIFY2(line.contains(QStringLiteral("--pass-through '*.bank.example' --pass-through pinned.app")), qPrintable(line));
  }

  void persistsAcrossInstancesAndAppliesAtStart() {
    const QString path = m_dir.filePath(QStringLiteral("persist.ini"));
    SettingsValues wanted;
    {
      auto engine = makeEngine(m_dir.filePath(QStringLiteral("data-persist")));
      EngineBridge bridge(*engine);
      QSettings store(path, QSettings::IniFormat);
      SettingsDialog dialog(bridge, store);
      wanted = dialog.values();
      wanted.forwardListen = QStringLiteral("127.0.0.1:0");
      wanted.reverseListen = QStringLiteral("127.0.0.1:18001");
      wanted.bodyCaptureBytes = 64 * 1024;
      wanted.maxHeaderCount = 150;
      wanted.passThrough = {QStringLiteral("*.bank.example")};
      wanted.insecureUpstream = {QStringLiteral("self-signed.test")};
      wanted.theme = ThemeUi::Dark;
      dialog.setValues(wanted);
      QVERIFY(dialog.valid());
      QCOMPARE(dialog.apply(), QString());
      QVERIFY(QApplication::palette().color(QPalette::Window).lightness() < 100);  // dark applied
      QCOMPARE(bridge.settings().passThrough, wanted.passThrough);
    }
    {
      QSettings store(path, QSettings::IniFormat);  // a new instance reads the file again
      QVERIFY(hasSavedSettings(store));
      QCOMPARE(loadSettings(store), wanted);
    }
    {
      // A new start: the saved engine settings reach the engine through the one install call.
      auto engine = makeEngine(m_dir.filePath(QStringLiteral("data-persist2")));
      EngineBridge bridge(*engine);
      MainWindow window(bridge);
      installSettingsUi(window, /*commandLineWins=*/false, path);
      const SettingsValues applied = bridge.settings();
      QCOMPARE(applied.passThrough, wanted.passThrough);
      QCOMPARE(applied.insecureUpstream, wanted.insecureUpstream);
      QCOMPARE(applied.bodyCaptureBytes, wanted.bodyCaptureBytes);
      QCOMPARE(applied.maxHeaderCount, wanted.maxHeaderCount);
      QCOMPARE(applied.reverseListen, wanted.reverseListen);
      QCOMPARE(engine->config()->limits.bodyCaptureBytes, size_t(64 * 1024));
    }
    {
      // Engine options on the command line win: only the theme is applied.
      auto engine = makeEngine(m_dir.filePath(QStringLiteral("data-persist3")));
      EngineBridge bridge(*engine);
      MainWindow window(bridge);
      installSettingsUi(window, /*commandLineWins=*/true, path);
      QVERIFY(bridge.settings().passThrough.isEmpty());
    }
    applyTheme(ThemeUi::System);
    QVERIFY(QApplication::palette().color(QPalette::Window).lightness() >= 100);
  }

  void listenAddressesRestartAndModeSwitch() {
    auto engine = makeEngine(m_dir.filePath(QStringLiteral("data-listen")));
    EngineBridge bridge(*engine);
    QCOMPARE(bridge.start(), QString());
    const quint16 forward = freePort();
    const quint16 reverse = freePort();
    QVERIFY(forward != 0 && reverse != 0 && forward != reverse);
    QSettings store(m_dir.filePath(QStringLiteral("listen.ini")), QSettings::IniFormat);
    SettingsDialog dialog(bridge, store);
    dialog.forwardListenEdit()->setText(QStringLiteral("127.0.0.1:%1").arg(forward));
    dialog.reverseListenEdit()->setText(QStringLiteral("127.0.0.1:%1").arg(reverse));
    QCOMPARE(dialog.apply(), QString());
    // A running proxy moved to the new forward address ...
    QVERIFY(bridge.running());
    QCOMPARE(bridge.listenAddress(), QStringLiteral("127.0.0.1:%1").arg(forward));
    // ... and the toolbar's switch to reverse (address box unchanged) uses the reverse address.
    QCOMPARE(bridge.switchMode(ProxyModeUi::Reverse, bridge.listenAddress()), QString());
    QCOMPARE(bridge.listenAddress(), QStringLiteral("127.0.0.1:%1").arg(reverse));
    QCOMPARE(bridge.switchMode(ProxyModeUi::Forward, bridge.listenAddress()), QString());
    QCOMPARE(bridge.listenAddress(), QStringLiteral("127.0.0.1:%1").arg(forward));
    bridge.stop();
  }

  void reverseHttpsWithTheUsersCertificate() {
    // Settings → Reverse proxy HTTPS → "My own certificate and key": a wrong key is shown inline and
    // keeps OK disabled; the right pair, applied in reverse mode, serves https with that certificate.
    const QString dir = m_dir.filePath(QStringLiteral("reverse-tls"));
    QVERIFY(QDir().mkpath(dir));
    QVERIFY(ps::test::makeSelfSignedCertificate(dir + "/cert.pem", dir + "/key.pem", "dev.test", "IP:127.0.0.1"));
    auto other = ps::test::run(QStringLiteral("openssl"),
                               {"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", dir + "/other.pem"});
    QCOMPARE(other.exitCode, 0);

    auto engine = makeEngine(dir + QStringLiteral("/data"));
    EngineBridge bridge(*engine);
    QCOMPARE(bridge.start(), QString());
    QCOMPARE(bridge.switchMode(ProxyModeUi::Reverse, bridge.listenAddress()), QString());  // demo backends
    QSettings store(dir + QStringLiteral("/settings.ini"), QSettings::IniFormat);
    SettingsDialog dialog(bridge, store);
    QCOMPARE(dialog.reverseTlsCombo()->currentData().toInt(), int(ReverseTlsUi::Off));
    QVERIFY(!dialog.reverseCertEdit()->isEnabled());
    dialog.reverseListenEdit()->setText(QStringLiteral("127.0.0.1:%1").arg(freePort()));
    dialog.reverseTlsCombo()->setCurrentIndex(dialog.reverseTlsCombo()->findData(int(ReverseTlsUi::OwnCertificate)));
    dialog.reverseCertEdit()->setText(dir + QStringLiteral("/cert.pem"));
    dialog.reverseKeyEdit()->setText(dir + QStringLiteral("/other.pem"));
    QVERIFY(!dialog.valid());
    QVERIFY2(dialog.reverseTlsError()->text().contains(QStringLiteral("other.pem")), qPrintable(dialog.reverseTlsError()->text()));
    dialog.reverseKeyEdit()->setText(dir + QStringLiteral("/key.pem"));
    QVERIFY2(dialog.valid(), qPrintable(dialog.reverseTlsError()->text()));
    QCOMPARE(dialog.apply(), QString());
    QVERIFY(bridge.running());
    const QString url = QStringLiteral("https://") + bridge.listenAddress() + QStringLiteral("/tls");
    auto r = ps::test::run(QStringLiteral("curl"), {"-sS", "-v", "--max-time", "10", "--cacert", dir + "/cert.pem", url});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QVERIFY2(r.err.contains("CN=dev.test"), r.err.constData());
    QCOMPARE(bridge.settings().reverseTls, ReverseTlsUi::OwnCertificate);
    // The equivalent headless command line carries the same choice.
    QVERIFY(headlessCommandLine(dialog.values(), true).contains(QStringLiteral("--tls-cert")));
    bridge.stop();
  }

  void captureCapTruncatesBodies() {
    ps::test::TestOrigin origin;
    auto engine = makeEngine(m_dir.filePath(QStringLiteral("data-cap")));
    EngineBridge bridge(*engine);
    QCOMPARE(bridge.start(), QString());
    QSettings store(m_dir.filePath(QStringLiteral("cap.ini")), QSettings::IniFormat);
    SettingsDialog dialog(bridge, store);
    dialog.bodyCapKiB()->setValue(1);
    QCOMPARE(dialog.apply(), QString());
    QVERIFY(bridge.running());  // same listen address: no restart needed

    QSignalSpy spy(&bridge, &EngineBridge::flowsFinished);
    const auto r = curlVia(bridge, {QStringLiteral("-o"), QStringLiteral("/dev/null"), QString::fromStdString(origin.url("/big?size=5000"))});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    const auto flows = finishedFlows(bridge, spy, 1);
    QCOMPARE(flows.size(), 1);
    QCOMPARE(flows.front().response.bodySize, uint64_t(5000));  // every byte went through ...
    QCOMPARE(flows.front().response.body.size(), qsizetype(1024));  // ... 1 KiB of it was kept
    QVERIFY(flows.front().response.truncated());
    bridge.stop();
  }

  void passThroughHostIsTunnelledNotIntercepted() {
    // A TLS origin with a self-signed certificate for 127.0.0.1 (curl -k: trust is not the point).
    auto key = ps::engine::tls::generateKey();
    QVERIFY(key.ok());
    auto cert = ps::test::makeCertificate("localhost", key->get(), -1, 30);
    const QString certFile = m_dir.filePath(QStringLiteral("origin.pem"));
    const QString keyFile = m_dir.filePath(QStringLiteral("origin.key"));
    QVERIFY(ps::test::writeText(certFile.toStdString(), ps::test::toPem(cert.get())));
    QVERIFY(ps::test::writeText(keyFile.toStdString(), ps::test::toPem(key->get())));
    ps::test::TestOrigin origin(certFile.toStdString(), keyFile.toStdString());
    const QString url = QStringLiteral("https://127.0.0.1:%1/hello").arg(origin.port());

    auto engine = makeEngine(m_dir.filePath(QStringLiteral("data-pass")), {"127.0.0.1"});
    EngineBridge bridge(*engine);
    QCOMPARE(bridge.start(), QString());
    QSignalSpy spy(&bridge, &EngineBridge::flowsFinished);

    // Before: intercepted (a decrypted http flow beside the tunnel).
    auto r = curlVia(bridge, {QStringLiteral("-k"), QStringLiteral("--http1.1"), url});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QCOMPARE(r.out, QByteArray("hello world\n"));
    auto flows = finishedFlows(bridge, spy, 2);
    QVERIFY(ofKind(flows, QStringLiteral("http")) != nullptr);
    QVERIFY(ofKind(flows, QStringLiteral("tunnel")) && ofKind(flows, QStringLiteral("tunnel"))->tags.contains(QStringLiteral("intercepted")));

    QSettings store(m_dir.filePath(QStringLiteral("pass.ini")), QSettings::IniFormat);
    SettingsDialog dialog(bridge, store);
    dialog.passThroughEdit()->setPlainText(QStringLiteral("127.0.0.1"));
    QCOMPARE(dialog.apply(), QString());

    // After: one opaque tunnel, nothing decrypted.
    spy.clear();
    r = curlVia(bridge, {QStringLiteral("-k"), QStringLiteral("--http1.1"), url});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QCOMPARE(r.out, QByteArray("hello world\n"));
    flows = finishedFlows(bridge, spy, 1);
    QTest::qWait(200);  // a (wrong) decrypted flow would finish before the tunnel closes
    flows += finishedFlows(bridge, spy, 0);
    const FlowDetail* tunnel = ofKind(flows, QStringLiteral("tunnel"));
    QVERIFY(tunnel != nullptr);
    QVERIFY2(!tunnel->tags.contains(QStringLiteral("intercepted")), qPrintable(tunnel->tags));
    QVERIFY(ofKind(flows, QStringLiteral("http")) == nullptr);
    bridge.stop();
  }
};

QTEST_MAIN(TestSettingsDialog)
#include "test_settings_dialog.moc"
