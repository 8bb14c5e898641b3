#include "engine/tls/key_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ps::engine::tls {
namespace {

int keyLogIndex() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

void keyLogCallback(const SSL* ssl, const char* line) {
  auto* log = static_cast<KeyLog*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), keyLogIndex()));
  if (log) log->append(line);
}

}  // namespace

Result<std::shared_ptr<KeyLog>> KeyLog::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return Error{"cannot open key log " + path + ": " + std::strerror(errno)};
  return std::make_shared<KeyLog>(fd, path);
}

KeyLog::KeyLog(int fd, std::string path) : m_fd(fd), m_path(std::move(path)) {}

KeyLog::~KeyLog() { ::close(m_fd); }

void KeyLog::attach(SSL_CTX* ctx) {
  SSL_CTX_set_ex_data(ctx, keyLogIndex(), this);
  SSL_CTX_set_keylog_callback(ctx, keyLogCallback);
}

void KeyLog::append(const char* line) {
  std::string text(line);
  text += '\n';
  std::lock_guard lock(m_mutex);
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(m_fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a full disk loses key lines, never traffic
    done += static_cast<size_t>(n);
  }
}

}  // namespace ps::engine::tls
