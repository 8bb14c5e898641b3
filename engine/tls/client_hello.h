#pragma once
// Recognising a TLS ClientHello in the first bytes after CONNECT, and reading its SNI
// (RFC 8446 §4.1.2, §5.1; RFC 6066 §3). Pure functions over bytes; every read is bounds-checked.
#include <optional>
#include <string>
#include <string_view>

namespace ps::engine::tls {

// True when firstBytes start like a TLS handshake record carrying a ClientHello (content type
// 22, record version 3.x, handshake type 1 when that byte is present). Needs at least 3 bytes.
bool looksLikeTlsClientHello(std::string_view firstBytes);

// The host_name from the server_name extension, if the ClientHello in bytes (starting at the
// record header) is complete enough to contain it. nullopt for no SNI, truncation or garbage.
std::optional<std::string> extractSni(std::string_view bytes);

}  // namespace ps::engine::tls
