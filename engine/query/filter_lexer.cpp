#include "engine/query/filter_lexer.h"

#include "engine/query/text_match.h"

namespace ps::engine {

namespace {

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool isIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isIdentChar(char c) { return isIdentStart(c) || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'; }

FilterError unterminated(std::string_view text, size_t at) {
  return {"unterminated quote: add a closing \"", at, text.size() - at};
}

}  // namespace

std::optional<std::string> unquote(std::string_view text, size_t& consumed) {
  std::string out;
  for (size_t i = 1; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"') {
      consumed = i + 1;
      return out;
    }
    if (c == '\\' && i + 1 < text.size() && (text[i + 1] == '"' || text[i + 1] == '\\')) {
      out += text[++i];
      continue;
    }
    out += c;
  }
  return std::nullopt;
}

FilterLexResult lexFilter(std::string_view text) {
  FilterLexResult r;
  auto push = [&](FilterToken::Kind kind, size_t pos, size_t len, std::string tokenText = {}) {
    FilterToken t;
    t.kind = kind;
    t.position = pos;
    t.length = len;
    t.text = std::move(tokenText);
    r.tokens.push_back(std::move(t));
  };
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (isSpace(c)) {
      ++i;
      continue;
    }
    if (c == '(' || c == ')') {
      push(c == '(' ? FilterToken::Kind::LParen : FilterToken::Kind::RParen, i, 1);
      ++i;
      continue;
    }
    if (c == '-') {
      // A leading '-' negates the term glued to it; a free-standing one is an error the parser
      // reports ("nothing to negate"), so it is still a Minus token.
      push(FilterToken::Kind::Minus, i, 1);
      ++i;
      continue;
    }
    if (c == '"') {
      size_t consumed = 0;
      auto phrase = unquote(text.substr(i), consumed);
      if (!phrase) {
        r.error = unterminated(text, i);
        return r;
      }
      push(FilterToken::Kind::Quoted, i, consumed, std::move(*phrase));
      i += consumed;
      continue;
    }
    // A field predicate "name:value" when an identifier is followed by ':' (but not "://", so a
    // pasted URL stays a full-text word).
    size_t j = i;
    if (isIdentStart(c)) {
      while (j < text.size() && isIdentChar(text[j])) ++j;
    }
    if (j > i && j < text.size() && text[j] == ':' && text.substr(j, 3) != "://") {
      FilterToken t;
      t.kind = FilterToken::Kind::Field;
      t.position = i;
      t.text = std::string(text.substr(i, j - i));
      t.valuePosition = j + 1;
      // The value runs to the next blank or unbalanced ')'; quoted segments may hold either, and
      // balanced parentheses stay inside so regex groups need no quoting: path:~^/(a|b)/
      size_t k = j + 1;
      int depth = 0;
      while (k < text.size()) {
        const char v = text[k];
        if (v == '"') {
          size_t consumed = 0;
          if (!unquote(text.substr(k), consumed)) {
            r.error = unterminated(text, k);
            return r;
          }
          k += consumed;
          continue;
        }
        if (v == '\\' && k + 1 < text.size()) {  // a regex escape such as \( keeps its character
          k += 2;
          continue;
        }
        if (isSpace(v)) break;
        if (v == '(') ++depth;
        if (v == ')') {
          if (depth == 0) break;
          --depth;
        }
        ++k;
      }
      t.value = std::string(text.substr(j + 1, k - j - 1));
      t.length = k - i;
      r.tokens.push_back(std::move(t));
      i = k;
      continue;
    }
    // A bare word: to the next blank or parenthesis.
    j = i;
    while (j < text.size() && !isSpace(text[j]) && text[j] != '(' && text[j] != ')') ++j;
    const std::string_view word = text.substr(i, j - i);
    FilterToken::Kind kind = FilterToken::Kind::Word;
    if (iequals(word, "and"))
      kind = FilterToken::Kind::And;
    else if (iequals(word, "or"))
      kind = FilterToken::Kind::Or;
    else if (iequals(word, "not"))
      kind = FilterToken::Kind::Not;
    push(kind, i, j - i, std::string(word));
    i = j;
  }
  push(FilterToken::Kind::End, text.size(), 0);
  return r;
}

}  // namespace ps::engine
