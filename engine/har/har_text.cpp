#include "engine/har/har_text.h"

#include <array>

namespace ps::engine::har {

namespace {

constexpr std::string_view kBase64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string toLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view trimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool isValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t n = 0;
    uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) { n = 1; cp = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { n = 2; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { n = 3; cp = c & 0x07; }
    else return false;
    if (i + n >= s.size()) return false;
    for (size_t k = 1; k <= n; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr std::array<uint32_t, 4> kMin{0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

bool isText(std::string_view s) {
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') || c == 0x7F) return false;
  }
  return isValidUtf8(s);
}

std::string base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t v = (uint32_t(uint8_t(bytes[i])) << 16) | (uint32_t(uint8_t(bytes[i + 1])) << 8) | uint8_t(bytes[i + 2]);
    out += kBase64[(v >> 18) & 63];
    out += kBase64[(v >> 12) & 63];
    out += kBase64[(v >> 6) & 63];
    out += kBase64[v & 63];
  }
  if (i < bytes.size()) {
    uint32_t v = uint32_t(uint8_t(bytes[i])) << 16;
    if (i + 1 < bytes.size()) v |= uint32_t(uint8_t(bytes[i + 1])) << 8;
    out += kBase64[(v >> 18) & 63];
    out += kBase64[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? kBase64[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> base64Decode(std::string_view text) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  bool padding = false;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '=') {
      padding = true;
      continue;
    }
    if (padding) return std::nullopt;  // data after padding
    size_t v = kBase64.find(c);
    if (v == std::string_view::npos) {
      if (c == '-') v = 62;  // tolerate the URL-safe alphabet
      else if (c == '_') v = 63;
      else return std::nullopt;
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  if (bits >= 6) return std::nullopt;  // a lone trailing sextet cannot encode a byte
  return out;
}

std::string percentDecode(std::string_view s, bool plusIsSpace) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hexValue(s[i + 1]) >= 0 && hexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(hexValue(s[i + 1]) * 16 + hexValue(s[i + 2]));
      i += 2;
    } else if (plusIsSpace && s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<NameValue> parseQuery(std::string_view query) {
  std::vector<NameValue> out;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string_view rawName = pair.substr(0, eq);
    std::string_view rawValue = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    std::string name = percentDecode(rawName, true);
    std::string value = percentDecode(rawValue, true);
    if (!isValidUtf8(name)) name = std::string(rawName);
    if (!isValidUtf8(value)) value = std::string(rawValue);
    out.push_back({std::move(name), std::move(value)});
  }
  return out;
}

std::vector<NameValue> parseCookieHeader(std::string_view value) {
  std::vector<NameValue> out;
  while (!value.empty()) {
    size_t semi = value.find(';');
    std::string_view pair = trimSpaces(value.substr(0, semi));
    value = semi == std::string_view::npos ? std::string_view() : value.substr(semi + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos) {
      out.push_back({"", std::string(pair)});  // RFC 6265bis: a nameless cookie
    } else {
      out.push_back({std::string(trimSpaces(pair.substr(0, eq))), std::string(trimSpaces(pair.substr(eq + 1)))});
    }
  }
  return out;
}

std::optional<SetCookie> parseSetCookie(std::string_view value) {
  size_t semi = value.find(';');
  std::string_view pair = trimSpaces(value.substr(0, semi));
  size_t eq = pair.find('=');
  if (eq == std::string_view::npos) return std::nullopt;  // RFC 6265 5.2 step 2: ignore it
  SetCookie c;
  c.name = std::string(trimSpaces(pair.substr(0, eq)));
  c.value = std::string(trimSpaces(pair.substr(eq + 1)));
  std::string_view rest = semi == std::string_view::npos ? std::string_view() : value.substr(semi + 1);
  while (!rest.empty()) {
    size_t next = rest.find(';');
    std::string_view attr = trimSpaces(rest.substr(0, next));
    rest = next == std::string_view::npos ? std::string_view() : rest.substr(next + 1);
    size_t aeq = attr.find('=');
    std::string key = toLower(trimSpaces(attr.substr(0, aeq)));
    std::string_view val = aeq == std::string_view::npos ? std::string_view() : trimSpaces(attr.substr(aeq + 1));
    if (key == "path") c.path = std::string(val);
    else if (key == "domain") c.domain = std::string(val);
    else if (key == "expires") c.expires = parseHttpDate(val);
    else if (key == "max-age") {
      try {
        c.maxAge = std::stoll(std::string(val));
      } catch (...) {
      }
    } else if (key == "samesite") c.sameSite = std::string(val);
    else if (key == "httponly") c.httpOnly = true;
    else if (key == "secure") c.secure = true;
  }
  return c;
}

std::string mimeEssence(std::string_view contentType) {
  return toLower(trimSpaces(contentType.substr(0, contentType.find(';'))));
}

std::optional<std::string> mimeParameter(std::string_view contentType, std::string_view name) {
  size_t semi = contentType.find(';');
  while (semi != std::string_view::npos) {
    std::string_view rest = contentType.substr(semi + 1);
    size_t next = rest.find(';');
    std::string_view param = trimSpaces(rest.substr(0, next));
    size_t eq = param.find('=');
    if (eq != std::string_view::npos && toLower(trimSpaces(param.substr(0, eq))) == toLower(name)) {
      std::string_view v = trimSpaces(param.substr(eq + 1));
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      return std::string(v);
    }
    semi = next == std::string_view::npos ? next : semi + 1 + next;
  }
  return std::nullopt;
}

std::optional<std::vector<FormPart>> parseMultipart(std::string_view body, std::string_view boundary) {
  if (boundary.empty()) return std::nullopt;
  const std::string delimiter = "--" + std::string(boundary);
  std::vector<FormPart> parts;
  size_t pos = body.find(delimiter);
  if (pos == std::string_view::npos) return std::nullopt;
  while (true) {
    pos += delimiter.size();
    if (body.substr(pos, 2) == "--") return parts;  // close delimiter
    size_t headStart = body.find("\r\n", pos);
    if (headStart == std::string_view::npos) return std::nullopt;
    headStart += 2;
    size_t headEnd = body.find("\r\n\r\n", headStart);
    size_t next = body.find("\r\n" + delimiter, headStart);
    if (next == std::string_view::npos) return std::nullopt;
    FormPart part;
    std::string_view head;
    size_t contentStart = 0;
    if (headEnd != std::string_view::npos && headEnd < next) {
      head = body.substr(headStart, headEnd - headStart);
      contentStart = headEnd + 4;
    } else {
      head = body.substr(headStart, next - headStart);  // no blank line: a part with only headers
      contentStart = next;
    }
    part.value = std::string(body.substr(contentStart, next - contentStart));
    while (!head.empty()) {
      size_t eol = head.find("\r\n");
      std::string_view line = head.substr(0, eol);
      head = eol == std::string_view::npos ? std::string_view() : head.substr(eol + 2);
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      std::string key = toLower(trimSpaces(line.substr(0, colon)));
      std::string_view val = trimSpaces(line.substr(colon + 1));
      if (key == "content-type") {
        part.contentType = std::string(val);
      } else if (key == "content-disposition") {
        std::string asType = "x;" + std::string(val.substr(val.find(';') == std::string_view::npos ? val.size() : val.find(';') + 1));
        part.name = mimeParameter(asType, "name").value_or("");
        part.fileName = mimeParameter(asType, "filename");
      }
    }
    parts.push_back(std::move(part));
    pos = next + 2;
  }
}

}  // namespace ps::engine::har

namespace ps::engine::har {

uint16_t defaultPortFor(std::string_view scheme) { return scheme == "https" || scheme == "wss" ? 443 : 80; }

std::optional<UrlParts> parseUrl(std::string_view url, std::string_view defaultScheme) {
  UrlParts u;
  url = trimSpaces(url);
  size_t sep = url.find("://");
  if (sep != std::string_view::npos && url.find_first_of("/?#") > sep) {
    u.scheme = toLower(url.substr(0, sep));
    url.remove_prefix(sep + 3);
  } else if (!defaultScheme.empty()) {
    u.scheme = std::string(defaultScheme);
  } else {
    return std::nullopt;
  }
  if (u.scheme != "http" && u.scheme != "https" && u.scheme != "ws" && u.scheme != "wss") return std::nullopt;
  size_t authEnd = url.find_first_of("/?#");
  std::string_view authority = url.substr(0, authEnd);
  std::string_view rest = authEnd == std::string_view::npos ? std::string_view() : url.substr(authEnd);
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    u.userinfo = std::string(authority.substr(0, at));
    authority.remove_prefix(at + 1);
  }
  std::string_view portText;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    u.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      portText = after.substr(1);
    }
  } else {
    size_t colon = authority.rfind(':');
    u.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) portText = authority.substr(colon + 1);
  }
  if (u.host.empty()) return std::nullopt;
  u.port = defaultPortFor(u.scheme);
  if (!portText.empty()) {
    unsigned long port = 0;
    for (char c : portText) {
      if (c < '0' || c > '9') return std::nullopt;
      port = port * 10 + static_cast<unsigned long>(c - '0');
      if (port > 65535) return std::nullopt;
    }
    u.port = static_cast<uint16_t>(port);
  }
  rest = rest.substr(0, rest.find('#'));
  u.path = std::string(rest);
  if (u.path.empty() || u.path.front() == '?') u.path.insert(0, "/");
  return u;
}

}  // namespace ps::engine::har
