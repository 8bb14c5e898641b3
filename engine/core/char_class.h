#pragma once
// ASCII character classes as 256-entry tables built at compile time: routers and header builders
// test every byte of a host name or a field value with one look-up.
#include <array>
#include <cstddef>
#include <string_view>

namespace ps::engine {

// Letters, digits and the given symbols.
constexpr std::array<bool, 256> alnumAnd(std::string_view symbols) {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[static_cast<size_t>(c)] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[static_cast<size_t>(c)] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[static_cast<size_t>(c)] = true;
  for (char c : symbols) t[static_cast<unsigned char>(c)] = true;
  return t;
}

}  // namespace ps::engine
