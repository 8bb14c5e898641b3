#pragma once
// Shared helpers for the test suites: temporary folders, running real client processes.
#include <QString>
#include <chrono>
#include <functional>
#include <QStringList>

namespace ps::test {

struct ProcessResult {
  int exitCode = -1;
  bool timedOut = false;
  QByteArray out;
  QByteArray err;
};

// Runs a real program (curl, openssl, the proxyscope binary) with a deadline; never hangs.
ProcessResult run(const QString& program, const QStringList& args, int timeoutMs = 30000,
                  const QByteArray& stdinData = {});

// A self-signed certificate and its key (PEM files) made by the real openssl command: subject
// CN=commonName, with subjectAltName (e.g. "IP:127.0.0.1,DNS:dev.test") when given. True on success.
bool makeSelfSignedCertificate(const QString& certPath, const QString& keyPath, const QString& commonName,
                               const QString& subjectAltName = {});

// Polls condition every 20 ms until it holds or timeout passes (for state that changes on engine
// threads, without an event loop); the last check's answer.
bool waitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

// The built proxyscope executable.
QString proxyscopeBinary();
QString testDataDir();

}  // namespace ps::test
