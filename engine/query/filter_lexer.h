#pragma once
// FilterLexer: splits a filter text into tokens (see the grammar in filter_parser.cpp). Internal
// to engine/query.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/query/filter_error.h"

namespace ps::engine {

struct FilterToken {
  enum class Kind { LParen, RParen, Minus, Not, And, Or, Word, Quoted, Field, End };
  Kind kind = Kind::End;
  size_t position = 0;  // byte offset of the token's first character
  size_t length = 0;
  std::string text;   // Word: as typed; Quoted: unescaped; Field: the field name
  std::string value;  // Field: the raw value after ':' (quotes kept, for per-field parsing)
  size_t valuePosition = 0;
};

// Tokens ending with Kind::End, or the first lexical error (unterminated quote).
struct FilterLexResult {
  std::vector<FilterToken> tokens;
  std::optional<FilterError> error;
};
FilterLexResult lexFilter(std::string_view text);

// Removes the quotes of a quoted segment starting at text[0] == '"' and undoes \" and \\ (any
// other backslash is kept, so regexes keep theirs). Sets `consumed` to the bytes read including
// both quotes; nullopt when the closing quote is missing.
std::optional<std::string> unquote(std::string_view text, size_t& consumed);

}  // namespace ps::engine
