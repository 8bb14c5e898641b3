#include "engine/query/full_text.h"

#include <algorithm>
#include <cstring>

#include "engine/query/text_match.h"

namespace ps::engine {

namespace {
bool isTokenByte(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u >= 0x80;
}
}  // namespace

void appendTextTokens(std::string_view text, std::vector<std::string_view>& out) {
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !isTokenByte(text[i])) ++i;
    const size_t start = i;
    while (i < text.size() && isTokenByte(text[i])) ++i;
    if (i > start) out.push_back(text.substr(start, i - start));
  }
}

std::vector<std::string> fullTextTokens(std::string_view text) {
  std::vector<std::string_view> views;
  appendTextTokens(text, views);
  std::vector<std::string> out;
  out.reserve(views.size());
  for (auto v : views) out.push_back(asciiLowered(v));
  return out;
}

bool containsPhrase(const std::vector<std::string_view>& doc, const std::vector<std::string>& query) {
  if (query.empty() || doc.size() < query.size()) return false;
  const size_t last = query.size() - 1;
  for (size_t i = 0; i + query.size() <= doc.size(); ++i) {
    bool hit = true;
    for (size_t q = 0; q < last && hit; ++q) hit = iequals(doc[i + q], query[q]);
    if (hit && istartsWith(doc[i + last], query[last])) return true;
  }
  return false;
}

bool textContainsPhrase(std::string_view text, const std::vector<std::string>& query) {
  if (query.empty() || query.front().empty()) return false;
  const size_t n = text.size();
  // Candidates: where the first token's first byte occurs, either case (memchr, not a byte loop).
  const char lower = query.front()[0];
  const char upper = lower >= 'a' && lower <= 'z' ? static_cast<char>(lower - 'a' + 'A') : lower;
  auto find = [&](char c, size_t from) {
    const void* p = from < n ? std::memchr(text.data() + from, c, n - from) : nullptr;
    return p ? static_cast<size_t>(static_cast<const char*>(p) - text.data()) : n;
  };
  size_t nextLower = find(lower, 0);
  size_t nextUpper = upper == lower ? n : find(upper, 0);
  while (true) {
    const size_t at = std::min(nextLower, nextUpper);
    if (at >= n) return false;
    if (at == nextLower) nextLower = find(lower, at + 1);
    if (at == nextUpper) nextUpper = find(upper, at + 1);
    // A token must start here.
    if (at > 0 && isTokenByte(text[at - 1])) continue;
    size_t pos = at;
    bool hit = true;
    for (size_t q = 0; q < query.size() && hit; ++q) {
      while (q > 0 && pos < n && !isTokenByte(text[pos])) ++pos;
      const size_t start = pos;
      while (pos < n && isTokenByte(text[pos])) ++pos;
      const std::string_view token = text.substr(start, pos - start);
      hit = !token.empty() && (q + 1 == query.size() ? istartsWith(token, query[q]) : iequals(token, query[q]));
    }
    if (hit) return true;
  }
}

namespace {
// Tokens never hold '"' (it is a separator), so they need no escaping; double any anyway.
void appendQuoted(std::string& out, std::string_view token) {
  for (char c : token) {
    if (c == '"') out += '"';
    out += c;
  }
}
}  // namespace

std::string ftsPhraseQuery(const std::vector<std::string>& query) {
  std::string out = "\"";
  for (size_t i = 0; i < query.size(); ++i) {
    if (i) out += ' ';
    appendQuoted(out, query[i]);
  }
  out += "\"*";
  return out;
}

std::string ftsAllTokensQuery(const std::vector<std::string>& query) {
  std::string out;
  for (size_t i = 0; i < query.size(); ++i) {
    if (i) out += " AND ";
    out += '"';
    appendQuoted(out, query[i]);
    out += '"';
  }
  if (!out.empty()) out += '*';
  return out;
}

std::string_view fullTextBodyPrefix(std::string_view text) {
  if (text.size() <= kFullTextBodyBytes) return text;
  size_t n = kFullTextBodyBytes;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  return text.substr(0, n);
}

}  // namespace ps::engine
