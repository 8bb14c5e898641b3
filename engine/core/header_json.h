#pragma once
// The header-list JSON every part of the engine shares: [["Name","value"], ...] in the order
// received (engine/store writes it, engine/query's SQL functions and the store's decoder read it).
// A small streaming reader: nlohmann's DOM costs more than the rest of a row decode.
#include <cstdint>
#include <string>
#include <string_view>

namespace ps::engine {

// Appends code point cp as UTF-8 (RFC 3629). Callers pass scalar values (surrogates already paired).
void appendUtf8(std::string& out, uint32_t cp);

class HeaderJsonReader {
 public:
  explicit HeaderJsonReader(std::string_view json) : m_s(json) {}

  // Reads the next pair into name and value (buffers reused; \uXXXX decoded, surrogate pairs
  // joined). False at the end of the list or on malformed input: finished() tells which.
  bool next(std::string& name, std::string& value);
  // The closing ']' was read and nothing but whitespace follows it.
  bool finished();

 private:
  void skipSpace();
  bool eat(char c);
  bool hex4(uint32_t& out);
  bool readString(std::string& out);

  std::string_view m_s;
  size_t m_i = 0;
  bool m_started = false;
  bool m_closed = false;
};

}  // namespace ps::engine
