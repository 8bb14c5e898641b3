#pragma once
// KeyLog: NSS key log lines (the SSLKEYLOGFILE format Wireshark reads) for every TLS session on
// the contexts it is attached to, client side and upstream side. The file is created with mode
// 0600 (it decrypts everything) and appended to; lines from many threads never interleave.
#include <memory>
#include <mutex>
#include <string>

#include "engine/core/result.h"
#include "engine/tls/openssl_handles.h"

namespace ps::engine::tls {

class KeyLog {
 public:
  static Result<std::shared_ptr<KeyLog>> open(const std::string& path);
  ~KeyLog();
  KeyLog(const KeyLog&) = delete;
  KeyLog& operator=(const KeyLog&) = delete;

  // Installs the key log callback on ctx. The KeyLog must outlive ctx's sessions (contexts hold
  // a shared_ptr to it through their owner).
  void attach(SSL_CTX* ctx);
  void append(const char* line);
  const std::string& path() const { return m_path; }

  KeyLog(int fd, std::string path);

 private:
  int m_fd;
  std::string m_path;
  std::mutex m_mutex;
};

}  // namespace ps::engine::tls
