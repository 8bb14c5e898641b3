#include "engine/proxy/json_locator.h"

#include <vector>

namespace ps::engine {

namespace {

// A forgiving scanner over valid JSON: it only needs to skip values and read member names.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : m_text(text) {}

  size_t pos() const { return m_pos; }
  bool atEnd() const { return m_pos >= m_text.size(); }
  char peek() const { return atEnd() ? '\0' : m_text[m_pos]; }

  void skipSpace() {
    while (!atEnd() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) ++m_pos;
  }
  bool consume(char c) {
    skipSpace();
    if (peek() != c) return false;
    ++m_pos;
    return true;
  }

  // Reads a string at the cursor; escapes are decoded only as far as names need (\" \\ \/ and \uXXXX
  // below 0x80), which is enough to compare member names.
  std::optional<std::string> readString() {
    skipSpace();
    if (peek() != '"') return std::nullopt;
    ++m_pos;
    std::string out;
    while (!atEnd()) {
      char c = m_text[m_pos++];
      if (c == '"') return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (atEnd()) return std::nullopt;
      char e = m_text[m_pos++];
      switch (e) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'u': {
          if (m_pos + 4 > m_text.size()) return std::nullopt;
          unsigned value = std::stoul(std::string(m_text.substr(m_pos, 4)), nullptr, 16);
          m_pos += 4;
          out += value < 0x80 ? static_cast<char>(value) : '?';
          break;
        }
        default: out += e;
      }
    }
    return std::nullopt;
  }

  // Skips one value of any type.
  bool skipValue() {
    skipSpace();
    char c = peek();
    if (c == '"') return readString().has_value();
    if (c == '{' || c == '[') {
      char close = c == '{' ? '}' : ']';
      ++m_pos;
      if (consume(close)) return true;
      for (;;) {
        if (c == '{') {
          if (!readString() || !consume(':')) return false;
        }
        if (!skipValue()) return false;
        if (consume(',')) continue;
        return consume(close);
      }
    }
    // number, true, false, null
    size_t start = m_pos;
    while (!atEnd() && peek() != ',' && peek() != '}' && peek() != ']' && peek() != ' ' && peek() != '\n' &&
           peek() != '\r' && peek() != '\t') {
      ++m_pos;
    }
    return m_pos > start;
  }

  void seek(size_t pos) { m_pos = pos; }

 private:
  std::string_view m_text;
  size_t m_pos = 0;
};

std::vector<std::string> splitPointer(std::string_view pointer) {
  std::vector<std::string> tokens;
  if (pointer.empty()) return tokens;
  size_t start = 1;  // pointer begins with '/'
  for (;;) {
    size_t slash = pointer.find('/', start);
    std::string_view raw = pointer.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    std::string token;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '~' && i + 1 < raw.size()) {
        token += raw[i + 1] == '1' ? '/' : '~';
        ++i;
      } else {
        token += raw[i];
      }
    }
    tokens.push_back(std::move(token));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return tokens;
}

}  // namespace

TextPosition positionAt(std::string_view text, size_t offset) {
  TextPosition p;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++p.line;
      p.column = 1;
    } else {
      ++p.column;
    }
  }
  return p;
}

std::optional<size_t> locateJsonPointer(std::string_view text, std::string_view pointer) {
  Scanner s(text);
  s.skipSpace();
  for (const std::string& token : splitPointer(pointer)) {
    s.skipSpace();
    size_t containerPos = s.pos();
    if (s.peek() == '{') {
      s.consume('{');
      bool found = false;
      if (!s.consume('}')) {
        for (;;) {
          auto name = s.readString();
          if (!name || !s.consume(':')) return std::nullopt;
          s.skipSpace();
          if (*name == token) {
            found = true;
            break;
          }
          if (!s.skipValue()) return std::nullopt;
          if (!s.consume(',')) break;
        }
      }
      if (!found) return containerPos;
    } else if (s.peek() == '[') {
      size_t index = 0;
      try {
        index = std::stoul(token);
      } catch (...) {
        return containerPos;
      }
      s.consume('[');
      for (size_t i = 0; i < index; ++i) {
        if (!s.skipValue() || !s.consume(',')) return containerPos;
      }
      s.skipSpace();
    } else {
      return s.pos();
    }
  }
  s.skipSpace();
  return s.pos();
}

std::string escapePointerToken(std::string_view token) {
  std::string out;
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace ps::engine
