#pragma once
// Text helpers shared by the HAR and cURL code: UTF-8 checks, base64, percent-decoding, query
// strings, cookies, form bodies and ISO 8601 / HTTP dates. Plain functions over string_view.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ps::engine::har {

struct NameValue {
  std::string name;
  std::string value;
};

// Well-formed UTF-8 (no overlongs, no surrogates).
bool isValidUtf8(std::string_view s);
// Shown as text: valid UTF-8 and no C0 control other than TAB, LF, CR, FF (and no DEL). Anything
// else is treated as binary (base64 in HAR, printf octal escapes in cURL).
bool isText(std::string_view s);

std::string base64Encode(std::string_view bytes);
// Accepts padded or unpadded standard base64, ignoring ASCII whitespace; nullopt when malformed.
std::optional<std::string> base64Decode(std::string_view text);

// %XX decoding; '+' becomes a space when plusIsSpace (application/x-www-form-urlencoded).
std::string percentDecode(std::string_view s, bool plusIsSpace);
// "a=1&b=%20x&c" → pairs, names and values percent-decoded (with '+' as space). A pair whose
// decoding is not UTF-8 is kept undecoded, so JSON can carry it.
std::vector<NameValue> parseQuery(std::string_view query);

// RFC 6265 5.4: the Cookie field, "a=1; b=2".
std::vector<NameValue> parseCookieHeader(std::string_view value);

// RFC 6265 5.2: one Set-Cookie field with its attributes.
struct SetCookie {
  std::string name;
  std::string value;
  std::optional<std::string> path;
  std::optional<std::string> domain;
  std::optional<int64_t> expires;  // microseconds since the epoch
  std::optional<int64_t> maxAge;   // seconds
  std::optional<std::string> sameSite;
  bool httpOnly = false;
  bool secure = false;
};
std::optional<SetCookie> parseSetCookie(std::string_view value);

// "type/subtype" in lower case, parameters dropped.
std::string mimeEssence(std::string_view contentType);
// A parameter of a media type (RFC 9110 8.3.1), unquoted; nullopt when absent.
std::optional<std::string> mimeParameter(std::string_view contentType, std::string_view name);

// RFC 7578 multipart/form-data.
struct FormPart {
  std::string name;
  std::optional<std::string> fileName;
  std::string contentType;
  std::string value;
};
std::optional<std::vector<FormPart>> parseMultipart(std::string_view body, std::string_view boundary);

// "2026-11-26T23:58:10.123Z" (HAR 1.2: ISO 8601 with milliseconds and a zone designator).
std::string formatIso8601(int64_t micros);
// ISO 8601 date-time with any fraction length and a "Z" or ±hh:mm offset → microseconds.
std::optional<int64_t> parseIso8601(std::string_view text);
// RFC 9110 5.6.7 IMF-fixdate, plus the RFC 850 / cookie "06-Nov-1994" variants → microseconds.
std::optional<int64_t> parseHttpDate(std::string_view text);

std::string toLower(std::string_view s);
std::string_view trimSpaces(std::string_view s);

}  // namespace ps::engine::har

namespace ps::engine::har {

// An absolute URL split for a Request: scheme lower-cased (defaultScheme when the text has none),
// host without IPv6 brackets, the scheme's default port when absent, path with query ("/" when
// empty), fragment dropped, userinfo ("user:pass") kept apart.
struct UrlParts {
  std::string scheme;
  std::string host;
  uint16_t port = 0;
  std::string path;
  std::string userinfo;
};
std::optional<UrlParts> parseUrl(std::string_view url, std::string_view defaultScheme = {});
uint16_t defaultPortFor(std::string_view scheme);

}  // namespace ps::engine::har
