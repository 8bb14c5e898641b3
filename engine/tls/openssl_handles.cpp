#include "engine/tls/openssl_handles.h"

#include <openssl/err.h>

namespace ps::engine::tls {

std::shared_ptr<X509> shareX509(X509* cert) {
  return std::shared_ptr<X509>(cert, [](X509* p) { X509_free(p); });
}

std::string takeOpenSslErrors() {
  std::string text;
  while (unsigned long code = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    if (!text.empty()) text += "; ";
    text += buf;
  }
  return text;
}

}  // namespace ps::engine::tls
