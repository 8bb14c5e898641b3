#include "engine/query/full_text.h"

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
    for (size_t q = 0; q < last && hit; ++q) hit = iequalsAscii(doc[i + q], query[q]);
    if (hit && istartsWith(doc[i + last], query[last])) return true;
  }
  return false;
}

std::string ftsPhraseQuery(const std::vector<std::string>& query) {
  // Tokens never hold '"' (it is a separator), so the phrase needs no escaping; double any anyway.
  std::string out = "\"";
  for (size_t i = 0; i < query.size(); ++i) {
    if (i) out += ' ';
    for (char c : query[i]) {
      if (c == '"') out += '"';
      out += c;
    }
  }
  out += "\"*";
  return out;
}

}  // namespace ps::engine
