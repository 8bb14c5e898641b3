#include "engine/http/http1_rules.h"

#include <llhttp.h>

#include <array>
#include <cstdint>
#include <cstring>

namespace ps::engine::http::rules {

namespace {

// Character classes as a table: every byte of every field is checked, on the hot path.
enum : uint8_t { kTchar = 1, kFieldValue = 2, kTargetChar = 4 };

constexpr std::array<uint8_t, 256> makeClasses() {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    // RFC 9110 5.6.2: tchar.
    const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    const bool sym = c == '!' || c == '#' || c == '$' || c == '%' || c == '&' || c == '\'' || c == '*' || c == '+' ||
                     c == '-' || c == '.' || c == '^' || c == '_' || c == '`' || c == '|' || c == '~';
    // RFC 9110 5.5: field-content is VCHAR, SP, HTAB and obs-text. Any other control character
    // (CR, LF, NUL, ...) is rejected.
    const bool value = c == '\t' || (c >= 0x20 && c != 0x7f);
    // RFC 9112 3.2 / RFC 3986: a request-target is visible ASCII. Controls, SP, DEL and bytes
    // above 0x7F are refused; printable delimiters that RFC 3986 does not allow unescaped ("{", "|",
    // "^", ...) are accepted, as nginx does, because real clients send them.
    const bool target = c > 0x20 && c < 0x7f;
    t[static_cast<size_t>(c)] =
        static_cast<uint8_t>((alnum || sym ? kTchar : 0) | (value ? kFieldValue : 0) | (target ? kTargetChar : 0));
  }
  return t;
}
constexpr std::array<uint8_t, 256> kClasses = makeClasses();

bool allOf(std::string_view s, uint8_t cls) {
  uint8_t acc = cls;
  for (char c : s) acc &= kClasses[static_cast<unsigned char>(c)];
  return acc == cls;
}

// Field values, eight bytes at a time: a word with no byte below 0x20 and none equal to 0x7f is all
// field-content (bytes from 0x80 are obs-text, allowed). A word that has one (HTAB is legal) goes
// through the table. Values are most of a head's bytes.
bool allFieldValue(std::string_view s) {
  constexpr uint64_t kOnes = 0x0101010101010101ull, kHighs = 0x8080808080808080ull;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    const uint64_t below20 = (w - kOnes * 0x20) & ~w & kHighs;  // a byte < 0x20 (bytes >= 0x80 never flag)
    const uint64_t del = w ^ (kOnes * 0x7f);
    const uint64_t isDel = (del - kOnes) & ~del & kHighs;  // a byte == 0x7f
    if ((below20 | isDel) != 0 && !allOf(s.substr(i, 8), kFieldValue)) return false;
  }
  return allOf(s.substr(i), kFieldValue);
}

}  // namespace

bool isToken(std::string_view s) { return !s.empty() && allOf(s, kTchar); }

const char* fieldNameProblem(std::string_view name) {
  if (name.empty()) return "empty header name";
  return allOf(name, kTchar) ? nullptr : "invalid character in header name";
}

const char* fieldValueProblem(std::string_view value) {
  if (allFieldValue(value)) return nullptr;
  // RFC 9112 5.2: a server MAY reject obs-fold with 400; a proxy must not pass it on unchanged.
  if (value.find_first_of("\r\n") != std::string_view::npos) return "obsolete line folding in header value";
  return "invalid character in header value";
}

const char* requestTargetProblem(std::string_view target) {
  if (target.empty()) return "empty request target";
  return allOf(target, kTargetChar) ? nullptr : "invalid character in request target";
}

const char* framingProblem(const Headers& headers) {
  size_t clCount = 0;
  std::string_view firstCl;
  bool te = false;
  for (const auto& f : headers) {
    if (iequals(f.name, "content-length")) {
      // RFC 9112 6.3 item 5: differing values leave the length unknowable.
      if (clCount > 0 && f.value != firstCl) return "conflicting Content-Length values";
      if (clCount == 0) firstCl = f.value;
      ++clCount;
    } else if (iequals(f.name, "transfer-encoding")) {
      te = true;
    }
  }
  // RFC 9112 6.1: a sender MUST NOT send Content-Length with Transfer-Encoding; a proxy that
  // forwarded both could be desynchronised from the next hop (request smuggling), so reject.
  if (te && clCount > 0) return "Content-Length and Transfer-Encoding both present";
  return nullptr;
}

const char* hostProblem(const Headers& headers, int versionMinor) {
  // RFC 9112 3.2: a server MUST answer 400 to an HTTP/1.1 request without Host, and to any
  // request with more than one Host field (two hosts let two hops route differently).
  size_t hosts = 0;
  for (const auto& f : headers) hosts += iequals(f.name, "host") ? 1 : 0;
  if (hosts > 1) return "more than one Host header";
  if (hosts == 0 && versionMinor >= 1) return "missing Host header";
  return nullptr;
}

std::string describeLlhttpError(int code, const char* llhttpReason) {
  std::string why;
  switch (code) {
    case HPE_INVALID_METHOD:
      why = "invalid method";
      break;
    case HPE_INVALID_URL:
      why = "invalid character in request target";
      break;
    case HPE_INVALID_VERSION:
      why = "invalid HTTP version";
      break;
    case HPE_INVALID_HEADER_TOKEN:
      why = "invalid character in header field";
      break;
    case HPE_INVALID_CONTENT_LENGTH:
      why = "invalid Content-Length";
      break;
    case HPE_UNEXPECTED_CONTENT_LENGTH:
      why = "Content-Length and Transfer-Encoding both present";
      break;
    case HPE_INVALID_CHUNK_SIZE:
      why = "invalid chunk size";
      break;
    case HPE_INVALID_STATUS:
      why = "invalid status code";
      break;
    case HPE_INVALID_TRANSFER_ENCODING:
      why = "invalid Transfer-Encoding";
      break;
    case HPE_CR_EXPECTED:
    case HPE_LF_EXPECTED:
      why = "malformed line ending";
      break;
    case HPE_UNEXPECTED_SPACE:
      why = "unexpected whitespace";
      break;
    case HPE_PAUSED_H2_UPGRADE:
      why = "HTTP/2 connection preface on an HTTP/1.1 connection";
      break;
    case HPE_CLOSED_CONNECTION:
      why = "data after a message that closes the connection";
      break;
    default:
      why = "malformed message";
      break;
  }
  if (llhttpReason && *llhttpReason) {
    why += " (";
    why += llhttpReason;
    why += ')';
  }
  return why;
}

}  // namespace ps::engine::http::rules
