#pragma once
// NginxOrigin: a real nginx serving a folder over HTTPS (and plain HTTP) on loopback ports, for
// integration tests. One instance, one temporary prefix; stopped (and waited for) on destruction.
#include <QProcess>
#include <QString>
#include <vector>

namespace ps::test {

struct NginxServer {
  QString certFile;  // PEM chain; empty = plain HTTP
  QString keyFile;
  quint16 port = 0;  // filled by start()
};

class NginxOrigin {
 public:
  NginxOrigin() = default;
  ~NginxOrigin();
  NginxOrigin(const NginxOrigin&) = delete;
  NginxOrigin& operator=(const NginxOrigin&) = delete;

  // Serves rootDir on each server (ports picked free on 127.0.0.1). Waits until all accept.
  bool start(const QString& prefixDir, const QString& rootDir, std::vector<NginxServer>& servers);
  void stop();
  QString error() const { return m_error; }

 private:
  QProcess m_process;
  QString m_error;
};

// A free TCP port on 127.0.0.1 (bound and released; tiny race accepted for external servers).
quint16 freeLoopbackPort();
// Waits until 127.0.0.1:port accepts a TCP connection, up to timeoutMs.
bool waitForPort(quint16 port, int timeoutMs);

}  // namespace ps::test
