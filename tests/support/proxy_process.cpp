#include "tests/support/proxy_process.h"

#include <signal.h>

#include <QElapsedTimer>

#include "tests/support/test_support.h"

namespace ps::test {

ProxyProcess::ProxyProcess(const QProcessEnvironment& env) { m_process.setProcessEnvironment(env); }

ProxyProcess::~ProxyProcess() {
  if (m_process.state() != QProcess::NotRunning) {
    m_process.kill();
    m_process.waitForFinished(5000);
  }
}

bool ProxyProcess::start(const QStringList& extraArgs, int timeoutMs) {
  m_process.start(proxyscopeBinary(), QStringList{"--headless", "--listen", "127.0.0.1:0"} + extraArgs);
  if (!m_process.waitForStarted(timeoutMs)) return false;
  QString line = waitForLine(QRegularExpression("listening on 127\\.0\\.0\\.1:(\\d+)"), timeoutMs);
  if (line.isEmpty()) return false;
  m_port = line.section(':', -1).trimmed();
  return true;
}

QString ProxyProcess::waitForLine(const QRegularExpression& pattern, int timeoutMs) {
  QElapsedTimer timer;
  timer.start();
  while (true) {
    m_out += QString::fromUtf8(m_process.readAllStandardOutput());
    for (const auto& line : m_out.split('\n')) {
      if (pattern.match(line).hasMatch()) return line;
    }
    if (timer.elapsed() > timeoutMs || m_process.state() == QProcess::NotRunning) return {};
    m_process.waitForReadyRead(100);
  }
}

int ProxyProcess::stop(int signal, int timeoutMs) {
  if (m_process.state() == QProcess::NotRunning) return m_process.exitCode();
  ::kill(static_cast<pid_t>(m_process.processId()), signal);
  if (!m_process.waitForFinished(timeoutMs)) return -1;
  m_out += QString::fromUtf8(m_process.readAllStandardOutput());
  return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1;
}

QString ProxyProcess::output() {
  m_out += QString::fromUtf8(m_process.readAllStandardOutput());
  return m_out;
}

QString ProxyProcess::errors() { return QString::fromUtf8(m_process.readAllStandardError()); }

}  // namespace ps::test
