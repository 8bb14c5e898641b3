#include "tests/support/nginx_origin.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QThread>

namespace ps::test {

quint16 freeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  quint16 port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

bool waitForPort(quint16 port, int timeoutMs) {
  QElapsedTimer timer;
  timer.start();
  while (timer.elapsed() < timeoutMs) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    if (ok) return true;
    QThread::msleep(20);
  }
  return false;
}

NginxOrigin::~NginxOrigin() { stop(); }

bool NginxOrigin::start(const QString& prefixDir, const QString& rootDir, std::vector<NginxServer>& servers) {
  QDir().mkpath(prefixDir + "/logs");
  QString conf = "daemon off;\nmaster_process off;\nworker_processes 1;\nerror_log " + prefixDir + "/logs/error.log;\n"
                 "pid " + prefixDir + "/nginx.pid;\n";
  if (::geteuid() == 0) conf += "user root;\n";
  conf += "events { worker_connections 256; }\nhttp {\n  access_log off;\n  keepalive_requests 100000;\n"
          "  client_body_temp_path " + prefixDir + "/tmp;\n  proxy_temp_path " + prefixDir + "/tmp;\n"
          "  fastcgi_temp_path " + prefixDir + "/tmp;\n  uwsgi_temp_path " + prefixDir + "/tmp;\n"
          "  scgi_temp_path " + prefixDir + "/tmp;\n  default_type application/octet-stream;\n";
  for (auto& s : servers) {
    s.port = freeLoopbackPort();
    conf += "  server {\n    listen 127.0.0.1:" + QString::number(s.port) + (s.certFile.isEmpty() ? "" : " ssl") + ";\n";
    if (!s.certFile.isEmpty()) {
      conf += "    ssl_certificate " + s.certFile + ";\n    ssl_certificate_key " + s.keyFile + ";\n";
    }
    conf += "    root " + rootDir + ";\n  }\n";
  }
  conf += "}\n";
  QFile file(prefixDir + "/nginx.conf");
  if (!file.open(QIODevice::WriteOnly)) {
    m_error = "cannot write nginx.conf";
    return false;
  }
  file.write(conf.toUtf8());
  file.close();
  m_process.setProcessChannelMode(QProcess::MergedChannels);
  m_process.start("nginx", {"-p", prefixDir, "-c", prefixDir + "/nginx.conf"});
  if (!m_process.waitForStarted(5000)) {
    m_error = "cannot start nginx: " + m_process.errorString();
    return false;
  }
  for (const auto& s : servers) {
    if (!waitForPort(s.port, 10000)) {
      QFile log(prefixDir + "/logs/error.log");
      log.open(QIODevice::ReadOnly);
      m_error = "nginx did not listen on " + QString::number(s.port) + ": " + m_process.readAll() + log.readAll();
      return false;
    }
  }
  return true;
}

void NginxOrigin::stop() {
  if (m_process.state() == QProcess::NotRunning) return;
  m_process.terminate();
  if (!m_process.waitForFinished(5000)) {
    m_process.kill();
    m_process.waitForFinished(5000);
  }
}

}  // namespace ps::test
