#pragma once
// Headers: an ordered list of fields exactly as received. Case, order and duplicates are kept
// (RFC 9110 5.3: order matters for fields that may repeat); look-ups ignore case.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ps::engine {

struct HeaderField {
  std::string name;
  std::string value;
  bool operator==(const HeaderField&) const = default;
};

// ASCII case-insensitive equality (header names are tokens). Inline: it runs on every field of every
// head, mostly against names of another length, where it is one comparison.
inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const char x = a[i], y = b[i];
    if (x == y) continue;
    // Equal ignoring case only when they differ by 0x20 and are letters.
    if ((x | 0x20) != (y | 0x20) || static_cast<unsigned char>((x | 0x20) - 'a') > 'z' - 'a') return false;
  }
  return true;
}

// ASCII lower-casing (host names, schemes, tokens); other bytes are kept as they are.
inline char asciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

inline std::string asciiLowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = asciiLower(c);
  return out;
}

class Headers {
 public:
  using const_iterator = std::vector<HeaderField>::const_iterator;

  Headers() = default;
  Headers(std::initializer_list<HeaderField> fields) : m_fields(fields) {}

  void add(std::string name, std::string value) { m_fields.push_back({std::move(name), std::move(value)}); }
  // Replaces every field of that name with one (kept at the first one's position, else appended).
  void set(std::string_view name, std::string value);
  // Removes every field of that name; returns how many were removed.
  size_t remove(std::string_view name);
  bool has(std::string_view name) const;
  // The first value of the name, if any.
  std::optional<std::string_view> get(std::string_view name) const;
  std::vector<std::string_view> getAll(std::string_view name) const;
  // True when a comma-separated list field (e.g. Connection) holds the token, ignoring case.
  bool hasToken(std::string_view name, std::string_view token) const;

  const std::vector<HeaderField>& fields() const { return m_fields; }
  std::vector<HeaderField>& fields() { return m_fields; }
  size_t size() const { return m_fields.size(); }
  bool empty() const { return m_fields.empty(); }
  const_iterator begin() const { return m_fields.begin(); }
  const_iterator end() const { return m_fields.end(); }
  bool operator==(const Headers&) const = default;

 private:
  std::vector<HeaderField> m_fields;
};

}  // namespace ps::engine
