#include "tests/support/test_support.h"

#include <thread>

#include <QProcess>

namespace ps::test {

ProcessResult run(const QString& program, const QStringList& args, int timeoutMs, const QByteArray& stdinData) {
  ProcessResult result;
  QProcess process;
  process.start(program, args);
  if (!process.waitForStarted(10000)) {
    result.err = "could not start " + program.toUtf8() + ": " + process.errorString().toUtf8();
    return result;
  }
  if (!stdinData.isEmpty()) process.write(stdinData);
  process.closeWriteChannel();
  if (!process.waitForFinished(timeoutMs)) {
    result.timedOut = true;
    process.kill();
    process.waitForFinished(5000);
  }
  result.out = process.readAllStandardOutput();
  result.err = process.readAllStandardError();
  result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
  return result;
}

bool makeSelfSignedCertificate(const QString& certPath, const QString& keyPath, const QString& commonName,
                               const QString& subjectAltName) {
  QStringList args{"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                   "-subj", "/CN=" + commonName, "-keyout", keyPath, "-out", certPath};
  if (!subjectAltName.isEmpty()) args << "-addext" << "subjectAltName=" + subjectAltName;
  return run(QStringLiteral("openssl"), args).exitCode == 0;
}

bool waitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

QString proxyscopeBinary() { return QStringLiteral(PROXYSCOPE_BINARY); }
QString testDataDir() { return QStringLiteral(PROXYSCOPE_TEST_DATA_DIR); }

}  // namespace ps::test
