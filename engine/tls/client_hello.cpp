#include "engine/tls/client_hello.h"

#include <algorithm>
#include <cstdint>

namespace ps::engine::tls {
namespace {

// A forward-only reader over a byte range; any read past the end poisons it.
class Reader {
 public:
  explicit Reader(std::string_view data) : m_data(data) {}
  bool ok() const { return m_ok; }
  size_t remaining() const { return m_ok ? m_data.size() - m_pos : 0; }
  uint32_t u8() { return take(1); }
  uint32_t u16() { return take(2); }
  uint32_t u24() { return take(3); }
  void skip(size_t n) {
    if (!m_ok || n > m_data.size() - m_pos) m_ok = false;
    else m_pos += n;
  }
  std::string_view bytes(size_t n) {
    if (!m_ok || n > m_data.size() - m_pos) {
      m_ok = false;
      return {};
    }
    std::string_view out = m_data.substr(m_pos, n);
    m_pos += n;
    return out;
  }
  Reader sub(size_t n) { return Reader(bytes(n), m_ok); }

 private:
  Reader(std::string_view data, bool ok) : m_data(data), m_ok(ok) {}
  uint32_t take(size_t n) {
    if (!m_ok || n > m_data.size() - m_pos) {
      m_ok = false;
      return 0;
    }
    uint32_t v = 0;
    for (size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(m_data[m_pos++]);
    return v;
  }
  std::string_view m_data;
  size_t m_pos = 0;
  bool m_ok = true;
};

constexpr uint32_t kHandshakeRecord = 22;
constexpr uint32_t kClientHello = 1;
constexpr uint32_t kServerNameExtension = 0;
constexpr uint32_t kHostNameType = 0;

}  // namespace

bool looksLikeTlsClientHello(std::string_view b) {
  if (b.size() < 3) return false;
  auto at = [&](size_t i) { return static_cast<unsigned char>(b[i]); };
  // Record: type 22, legacy_record_version 0x0301..0x0304 (0x0300 for ancient SSLv3 hellos).
  if (at(0) != kHandshakeRecord || at(1) != 3 || at(2) > 4) return false;
  if (b.size() >= 5 && ((at(3) << 8) | at(4)) == 0) return false;
  return b.size() < 6 || at(5) == kClientHello;
}

std::optional<std::string> extractSni(std::string_view bytes) {
  if (!looksLikeTlsClientHello(bytes)) return std::nullopt;
  Reader record(bytes);
  record.skip(3);
  Reader fragment = record.sub(record.u16());
  if (fragment.u8() != kClientHello) return std::nullopt;
  // A ClientHello larger than one record continues in the next; the SNI comes early in the
  // extensions, so reading what this record holds is enough in practice. Clamp to it.
  size_t helloLength = fragment.u24();
  if (!fragment.ok()) return std::nullopt;
  Reader hello = fragment.sub(std::min(helloLength, fragment.remaining()));
  hello.skip(2 + 32);            // legacy_version, random
  hello.skip(hello.u8());        // legacy_session_id
  hello.skip(hello.u16());       // cipher_suites
  hello.skip(hello.u8());        // legacy_compression_methods
  if (!hello.ok() || hello.remaining() < 2) return std::nullopt;
  uint32_t extensionsLength = hello.u16();
  Reader extensions = hello.sub(std::min<size_t>(extensionsLength, hello.remaining()));
  while (extensions.ok() && extensions.remaining() >= 4) {
    uint32_t type = extensions.u16();
    Reader body = extensions.sub(extensions.u16());
    if (!extensions.ok()) return std::nullopt;
    if (type != kServerNameExtension) continue;
    Reader list = body.sub(body.u16());
    while (list.ok() && list.remaining() >= 3) {
      uint32_t nameType = list.u8();
      std::string_view name = list.bytes(list.u16());
      if (!list.ok()) return std::nullopt;
      if (nameType != kHostNameType || name.empty()) continue;
      // RFC 6066 §3: ASCII host name without a trailing dot; reject anything that could not be
      // one rather than issuing a certificate for it.
      for (char c : name) {
        auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f || c == '/' || c == '\\') return std::nullopt;
      }
      return std::string(name);
    }
    return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace ps::engine::tls
