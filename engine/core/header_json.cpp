#include "engine/core/header_json.h"

namespace ps::engine {

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

bool HeaderJsonReader::next(std::string& name, std::string& value) {
  if (m_closed) return false;
  if (!m_started) {
    if (!eat('[')) return false;
    m_started = true;
    if (eat(']')) {
      m_closed = true;
      return false;
    }
  } else {
    if (eat(']')) {
      m_closed = true;
      return false;
    }
    if (!eat(',')) return false;
  }
  if (!eat('[') || !readString(name) || !eat(',') || !readString(value)) return false;
  return eat(']');
}

bool HeaderJsonReader::finished() {
  skipSpace();
  return m_closed && m_i == m_s.size();
}

void HeaderJsonReader::skipSpace() {
  while (m_i < m_s.size() && (m_s[m_i] == ' ' || m_s[m_i] == '\n' || m_s[m_i] == '\r' || m_s[m_i] == '\t')) ++m_i;
}

bool HeaderJsonReader::eat(char c) {
  skipSpace();
  if (m_i < m_s.size() && m_s[m_i] == c) {
    ++m_i;
    return true;
  }
  return false;
}

bool HeaderJsonReader::hex4(uint32_t& out) {
  if (m_i + 4 > m_s.size()) return false;
  out = 0;
  for (int k = 0; k < 4; ++k) {
    const char c = m_s[m_i++];
    out <<= 4;
    if (c >= '0' && c <= '9') out |= static_cast<uint32_t>(c - '0');
    else if (c >= 'a' && c <= 'f') out |= static_cast<uint32_t>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') out |= static_cast<uint32_t>(c - 'A' + 10);
    else return false;
  }
  return true;
}

bool HeaderJsonReader::readString(std::string& out) {
  out.clear();
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
        if (cp >= 0xD800 && cp < 0xDC00 && m_i + 1 < m_s.size() && m_s[m_i] == '\\' && m_s[m_i + 1] == 'u') {
          m_i += 2;
          uint32_t low = 0;
          if (!hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        } else if (cp >= 0xD800 && cp <= 0xDFFF) {
          return false;  // a lone surrogate is no character
        }
        appendUtf8(out, cp);
        break;
      }
      default: return false;
    }
  }
  return false;
}

}  // namespace ps::engine
