#pragma once
// ASCII case-folding comparisons shared by the in-memory evaluator and the SQL functions. They
// fold ASCII only, exactly like SQLite's LIKE and COLLATE NOCASE, so both evaluators agree on
// non-ASCII text (compared byte for byte). Inline because the live table runs them per row.
#include <cstddef>
#include <string>
#include <string_view>

#include "engine/core/headers.h"  // iequals, asciiLower: the one ASCII case folding

namespace ps::engine {

// needleLower must already be lower-cased.
inline bool istartsWith(std::string_view hay, std::string_view needleLower) {
  if (needleLower.size() > hay.size()) return false;
  for (size_t i = 0; i < needleLower.size(); ++i) {
    if (asciiLower(hay[i]) != needleLower[i]) return false;
  }
  return true;
}

// needleLower must already be lower-cased; an empty needle is found everywhere.
inline bool icontains(std::string_view hay, std::string_view needleLower) {
  if (needleLower.empty()) return true;
  if (needleLower.size() > hay.size()) return false;
  const char first = needleLower[0];
  const size_t last = hay.size() - needleLower.size();
  for (size_t i = 0; i <= last; ++i) {
    if (asciiLower(hay[i]) != first) continue;
    size_t j = 1;
    while (j < needleLower.size() && asciiLower(hay[i + j]) == needleLower[j]) ++j;
    if (j == needleLower.size()) return true;
  }
  return false;
}

}  // namespace ps::engine
