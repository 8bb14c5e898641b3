#include "engine/store/flow_row_codec.h"

#include <nlohmann/json.hpp>

#include <sstream>

namespace ps::engine {

namespace {

// Length of the valid UTF-8 sequence at s[i] (RFC 3629 section 4), 0 when the bytes there are not one.
size_t utf8SequenceLength(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return 1;
  size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
  }
  if (c == 0xE0 && b(i + 1) < 0xA0) return 0;  // overlong
  if (c == 0xED && b(i + 1) > 0x9F) return 0;  // surrogates
  if (c == 0xF0 && b(i + 1) < 0x90) return 0;  // overlong
  if (c == 0xF4 && b(i + 1) > 0x8F) return 0;  // above U+10FFFF
  return n;
}

// JSON string (RFC 8259 section 7); bytes that are not UTF-8 become U+FFFD, as JSON text must be UTF-8.
void appendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
      ++i;
    } else if (c < 0x20) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
      ++i;
    } else if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
    } else if (size_t n = utf8SequenceLength(s, i); n != 0) {
      out.append(s.data() + i, n);
      i += n;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  out += '"';
}

void appendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// A reader for exactly what headersToJson() writes ([["name","value"],...], no whitespace); false
// on anything else, so the caller falls back to the general parser.
class PairArrayReader {
 public:
  explicit PairArrayReader(std::string_view s) : m_s(s) {}

  bool read(Headers& headers) {
    if (!eat('[')) return false;
    if (eat(']')) return m_i == m_s.size();
    while (true) {
      std::string name, value;
      if (!eat('[') || !string(name) || !eat(',') || !string(value) || !eat(']')) return false;
      headers.add(std::move(name), std::move(value));
      if (eat(']')) return m_i == m_s.size();
      if (!eat(',')) return false;
    }
  }

 private:
  bool eat(char c) {
    if (m_i < m_s.size() && m_s[m_i] == c) {
      ++m_i;
      return true;
    }
    return false;
  }
  bool hex4(uint32_t& v) {
    if (m_i + 4 > m_s.size()) return false;
    v = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = m_s[m_i++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<uint32_t>(c - 'A' + 10);
      else return false;
    }
    return true;
  }
  bool string(std::string& out) {
    if (!eat('"')) return false;
    while (m_i < m_s.size()) {
      const char c = m_s[m_i++];
      if (c == '"') return true;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (m_i >= m_s.size()) return false;
      const char e = m_s[m_i++];
      switch (e) {
        case '"': case '\\': case '/': out += e; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          uint32_t cp = 0;
          if (!hex4(cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDFFF) return false;  // pairs: left to the general parser
          appendUtf8(out, cp);
          break;
        }
        default: return false;
      }
    }
    return false;
  }

  std::string_view m_s;
  size_t m_i = 0;
};

}  // namespace

// Hand-written (nlohmann's DOM costs more than the rest of a row write); same JSON as before.
std::string headersToJson(const Headers& headers) {
  std::string out;
  out.reserve(64);
  out += '[';
  bool first = true;
  for (const auto& field : headers) {
    if (!first) out += ',';
    first = false;
    out += '[';
    appendJsonString(out, field.name);
    out += ',';
    appendJsonString(out, field.value);
    out += ']';
  }
  out += ']';
  return out;
}

Headers headersFromJson(const std::string& json) {
  Headers headers;
  if (json.empty()) return headers;
  if (PairArrayReader(json).read(headers)) return headers;
  headers = Headers{};
  auto parsed = nlohmann::json::parse(json, nullptr, false);
  if (!parsed.is_array()) return headers;
  for (const auto& pair : parsed) {
    if (pair.is_array() && pair.size() == 2 && pair[0].is_string() && pair[1].is_string()) {
      headers.add(pair[0].get<std::string>(), pair[1].get<std::string>());
    }
  }
  return headers;
}

std::string headerLinesFromJson(const std::string& json) {
  std::string out;
  for (const auto& field : headersFromJson(json)) {
    out += field.name;
    out += ": ";
    out += field.value;
    out += '\n';
  }
  return out;
}

std::string tagsToColumn(const std::vector<std::string>& tags) {
  std::string out = " ";
  for (const auto& tag : tags) {
    out += tag;
    out += ' ';
  }
  if (tags.empty()) out += ' ';
  return out;
}

std::vector<std::string> tagsFromColumn(const std::string& column) {
  std::vector<std::string> tags;
  std::istringstream in(column);
  std::string tag;
  while (in >> tag) tags.push_back(tag);
  return tags;
}

const char* modeToColumn(ProxyMode mode) { return mode == ProxyMode::Reverse ? "reverse" : "forward"; }
ProxyMode modeFromColumn(const std::string& column) {
  return column == "reverse" ? ProxyMode::Reverse : ProxyMode::Forward;
}

const char* kindToColumn(FlowKind kind) {
  switch (kind) {
    case FlowKind::Http: return "http";
    case FlowKind::Tunnel: return "tunnel";
    case FlowKind::WebSocket: return "websocket";
  }
  return "http";
}

FlowKind kindFromColumn(const std::string& column) {
  if (column == "tunnel") return FlowKind::Tunnel;
  if (column == "websocket") return FlowKind::WebSocket;
  return FlowKind::Http;
}

ErrorKind errorKindFromColumn(const std::string& column) {
  for (int k = static_cast<int>(ErrorKind::None); k <= static_cast<int>(ErrorKind::Internal); ++k) {
    if (column == toString(static_cast<ErrorKind>(k))) return static_cast<ErrorKind>(k);
  }
  return ErrorKind::Internal;
}

std::string versionToColumn(int major, int minor) { return std::to_string(major) + "." + std::to_string(minor); }

void versionFromColumn(const std::string& column, int& major, int& minor) {
  auto dot = column.find('.');
  if (column.empty()) return;
  major = std::atoi(column.substr(0, dot).c_str());
  minor = dot == std::string::npos ? 0 : std::atoi(column.substr(dot + 1).c_str());
}

std::pair<std::string, std::string> splitPathQuery(const std::string& pathAndQuery) {
  auto q = pathAndQuery.find('?');
  if (q == std::string::npos) return {pathAndQuery, ""};
  return {pathAndQuery.substr(0, q), pathAndQuery.substr(q + 1)};
}

}  // namespace ps::engine
