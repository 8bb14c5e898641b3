#pragma once
// FilterNode: the immutable syntax tree of one filter expression (see filter_parser.cpp for the
// grammar). Built once by parseFilter(); shared read-only between threads (the live table, the
// breakpoint matcher and the SQL compiler all walk the same tree). Regexes are compiled at parse
// time and stored in the tree, so evaluation never compiles anything.
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "engine/query/filter_regex.h"

namespace ps::engine {

// What a predicate looks at. Aliases (mime → Type) are resolved by the parser.
// clang-format off
enum class FilterField {
  Host, Method, Status, Path, Url, Scheme, Port, Id,
  Type, ReqType, ResType,                // Content-Type (Type: the response's, else the request's)
  Size, ReqSize, ResSize, Duration,      // Size is the response body size
  Header, ReqHeader, ResHeader,          // Header: request or response
  Body, ReqBody, ResBody,                // Body: request or response
  Backend, Client, Is,
  Text,                                  // bare words and quoted phrases (full text)
};
// clang-format on

// How a predicate compares.
enum class FilterOp {
  Contains,  // case-insensitive substring (ASCII folding)
  Equals,    // case-insensitive equality
  Prefix,    // case-insensitive prefix (full media types: type:application/json)
  Regex,     // PCRE2, case-insensitive, searched anywhere in the value
  Range,     // numeric lo <= v <= hi
  Family,    // content-type family (json, image, ...)
  Exists,    // header present
  Flag,      // is:...
  Tokens,    // full text: token phrase, last token as a prefix (FTS5 semantics)
};

// is: values. Anything else is a tag (is:cached → the tag "cached").
enum class FilterFlag { Error, Replay, Intercepted, WebSocket, Tunnel, Http, Forward, Reverse, Tag };

struct FilterPredicate {
  FilterField field = FilterField::Text;
  FilterOp op = FilterOp::Contains;
  std::string value;       // literal (as typed; lower-cased for Contains/Prefix), tag, family name
  std::string headerName;  // header predicates
  int64_t lo = std::numeric_limits<int64_t>::min();  // Range, inclusive
  int64_t hi = std::numeric_limits<int64_t>::max();
  FilterFlag flag = FilterFlag::Tag;
  int family = -1;                          // index into mimeFamilies() for Family
  std::vector<std::string> tokens;          // Tokens: lower-cased query tokens
  std::shared_ptr<const FilterRegex> regex;  // Regex: compiled at parse time
};

enum class FilterNodeKind { And, Or, Not, Predicate };

struct FilterNode {
  FilterNodeKind kind = FilterNodeKind::Predicate;
  std::vector<std::shared_ptr<const FilterNode>> children;  // And/Or: 2+, Not: 1
  FilterPredicate predicate;                                // kind == Predicate
  size_t position = 0;                                      // byte offset of the source text this node came from
  size_t length = 0;
};

using FilterNodePtr = std::shared_ptr<const FilterNode>;

// Canonical, unambiguous text of a tree, e.g. (AND host:contains("api") NOT status:>=400).
// Used by tests and for logging; re-parsing it is not a goal.
std::string toCanonicalString(const FilterNode& node);
const char* fieldName(FilterField field);

}  // namespace ps::engine
