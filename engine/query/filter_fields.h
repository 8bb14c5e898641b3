#pragma once
// The filter language's vocabulary: field names with one-line help, content-type families, is:
// values, and what the filter bar needs for completion. One table feeds the parser, the
// evaluators and the UI, so they cannot drift apart.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/query/filter_ast.h"

namespace ps::engine {

struct FilterFieldInfo {
  std::string name;    // as typed, without the colon: "host", "res.header", "mime"
  std::string syntax;  // e.g. "status:>=400 | 4xx | 200-299"
  std::string help;    // one line
};

// Every field name the parser accepts (aliases included), in the order the filter bar shows them.
std::vector<FilterFieldInfo> filterFields();
std::vector<std::string> fieldNames();

// Case-insensitive; nullopt for unknown names.
std::optional<FilterField> lookupField(std::string_view name);
// The closest known field name (edit distance <= 2, or a known name starting with it), else "".
std::string suggestField(std::string_view unknownName);

// Content-type families for type:/mime:. A family matches when any of its patterns does.
struct MimePattern {
  bool prefix;       // true: the Content-Type starts with `text`; false: contains it
  std::string text;  // lower-case
};
struct MimeFamily {
  std::string name;
  std::vector<MimePattern> patterns;
};
const std::vector<MimeFamily>& mimeFamilies();
int findMimeFamily(std::string_view name);  // -1 when unknown

// is: values with a meaning of their own (anything else is a tag).
std::optional<FilterFlag> lookupFlag(std::string_view name);

// Values worth offering after "field:" (methods, families, is: values, status classes...).
std::vector<std::string> valueSuggestions(std::string_view fieldName);

// What the user is typing at the cursor, for the filter bar's completer.
struct FilterCompletion {
  enum class Kind { FieldOrText, Value } kind = Kind::FieldOrText;
  std::string field;        // Kind::Value: the field name as typed ("res.header")
  std::string prefix;       // what is typed so far of the field name or the value
  size_t replaceStart = 0;  // byte range the chosen completion replaces
  size_t replaceLength = 0;
};
FilterCompletion completionAt(std::string_view text, size_t cursor);

}  // namespace ps::engine
