#include "engine/store/flow_row_codec.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstring>
#include <sstream>

#include "engine/core/header_json.h"

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

// Where the run of bytes from i that go into a JSON string as they are ends: printable ASCII other
// than '"' and '\\'. Eight bytes at a time: a word is plain unless it holds a byte below 0x20, one
// from 0x80, a quote or a backslash; such a word is finished byte by byte.
size_t plainRun(std::string_view s, size_t i) {
  constexpr uint64_t kOnes = 0x0101010101010101ull, kHighs = 0x8080808080808080ull;
  const auto hasZero = [](uint64_t v) { return (v - kOnes) & ~v & kHighs; };
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    const uint64_t special =
        ((w - kOnes * 0x20) & ~w & kHighs) | (w & kHighs) | hasZero(w ^ (kOnes * '"')) | hasZero(w ^ (kOnes * '\\'));
    if (special != 0) break;
  }
  for (; i < s.size(); ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x20 || b >= 0x80 || b == '"' || b == '\\') break;
  }
  return i;
}

// JSON string (RFC 8259 section 7); bytes that are not UTF-8 become U+FFFD, as JSON text must be UTF-8.
void appendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (size_t i = 0; i < s.size();) {
    // Printable ASCII other than '"' and '\\' (nearly every header byte) goes over in one append.
    const size_t run = plainRun(s, i);
    if (run > i) {
      out.append(s.data() + i, run - i);
      i = run;
      continue;
    }
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

}  // namespace

// Hand-written (nlohmann's DOM costs more than the rest of a row write); same JSON as before.
std::string headersToJson(const Headers& headers) {
  std::string out;
  size_t size = 2;
  for (const auto& field : headers) size += field.name.size() + field.value.size() + 8;
  out.reserve(size);  // exact unless something needs escaping
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
  HeaderJsonReader reader(json);
  std::string name, value;
  while (reader.next(name, value)) headers.add(name, value);
  if (reader.finished()) return headers;
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
