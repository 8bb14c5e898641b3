#pragma once
// ProxyProcess: the real proxyscope binary started headless on 127.0.0.1 port 0; the port is read
// from its first line. Every wait has a deadline; the destructor kills a process still running.
#include <QProcess>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QString>
#include <QStringList>

namespace ps::test {

class ProxyProcess {
 public:
  explicit ProxyProcess(const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment());
  ~ProxyProcess();
  // Starts `proxyscope --headless --listen 127.0.0.1:0 extraArgs`; false (with output()) on failure.
  bool start(const QStringList& extraArgs, int timeoutMs = 10000);
  QString port() const { return m_port; }
  QString proxyUrl() const { return "http://127.0.0.1:" + m_port; }
  // Reads stdout until a line matches; returns it or "".
  QString waitForLine(const QRegularExpression& pattern, int timeoutMs = 10000);
  // SIGTERM (or SIGKILL) and wait; returns the exit code (-1 when killed or still running).
  int stop(int signal, int timeoutMs = 15000);
  QString output();
  QString errors();
  qint64 pid() const { return m_process.processId(); }

 private:
  QProcess m_process;
  QString m_out;
  QString m_port;
};

}  // namespace ps::test
