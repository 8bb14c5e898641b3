#include "engine/query/sql_functions.h"

#include <sqlite3.h>

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "engine/core/header_json.h"
#include "engine/query/filter_regex.h"
#include "engine/query/full_text.h"
#include "engine/query/text_match.h"

namespace ps::engine {

namespace {

// Per-connection cache of compiled patterns. A connection is used by one thread at a time, so
// no lock. Bounded: cleared when full (filters use a handful of patterns).
struct RegexCache {
  static constexpr size_t kMaxEntries = 256;
  std::unordered_map<std::string, std::shared_ptr<const FilterRegex>> entries;
};

std::string_view textArg(sqlite3_value* v) {
  const auto* p = reinterpret_cast<const char*>(sqlite3_value_text(v));
  return p ? std::string_view(p, static_cast<size_t>(sqlite3_value_bytes(v))) : std::string_view();
}

// The compiled regex for argument `arg`, from the statement's auxdata (constant patterns are
// compiled once per statement), else the connection cache. nullptr after reporting an error.
const FilterRegex* patternArg(sqlite3_context* ctx, int argc, sqlite3_value** argv, int arg) {
  (void)argc;
  if (auto* cached = static_cast<std::shared_ptr<const FilterRegex>*>(sqlite3_get_auxdata(ctx, arg))) {
    return cached->get();
  }
  auto* cache = static_cast<RegexCache*>(sqlite3_user_data(ctx));
  const std::string pattern(textArg(argv[arg]));
  std::shared_ptr<const FilterRegex> re;
  if (auto it = cache->entries.find(pattern); it != cache->entries.end()) {
    re = it->second;
  } else {
    FilterRegex::CompileError error;
    re = FilterRegex::compile(pattern, &error);
    if (!re) {
      const std::string message = "invalid regular expression '" + pattern + "': " + error.message;
      sqlite3_result_error(ctx, message.c_str(), -1);
      return nullptr;
    }
    if (cache->entries.size() >= RegexCache::kMaxEntries) cache->entries.clear();
    cache->entries.emplace(pattern, re);
  }
  const FilterRegex* raw = re.get();
  sqlite3_set_auxdata(ctx, arg, new std::shared_ptr<const FilterRegex>(std::move(re)),
                      [](void* p) { delete static_cast<std::shared_ptr<const FilterRegex>*>(p); });
  return raw;
}

void regexpFunction(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
    sqlite3_result_int(ctx, 0);
    return;
  }
  const FilterRegex* re = patternArg(ctx, argc, argv, 0);
  if (!re) return;
  const std::string_view value = textArg(argv[1]);
  sqlite3_result_int(ctx, re->search(value) ? 1 : 0);
}


// Cheap rejection before parsing: a plain ASCII header name that does not occur anywhere in the
// JSON text cannot be one of its names (such names are never escaped in JSON).
bool cannotContainName(std::string_view json, std::string_view name) {
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7F || c == '"' || c == '\\' || c == '/') return false;
  }
  return !icontains(json, asciiLowered(name));
}

void headerValueFunction(sqlite3_context* ctx, int, sqlite3_value** argv) {
  const std::string_view json = textArg(argv[0]);
  const std::string_view wanted = textArg(argv[1]);
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || cannotContainName(json, wanted)) {
    sqlite3_result_null(ctx);
    return;
  }
  HeaderJsonReader reader(json);
  std::string name;
  std::string value;
  while (reader.next(name, value)) {
    if (iequals(name, wanted)) {
      sqlite3_result_text(ctx, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
      return;
    }
  }
  sqlite3_result_null(ctx);
}

void headerHasFunction(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  const std::string_view json = textArg(argv[0]);
  const std::string_view wanted = textArg(argv[1]);
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || cannotContainName(json, wanted)) {
    sqlite3_result_int(ctx, 0);
    return;
  }
  const bool exists = sqlite3_value_type(argv[2]) == SQLITE_NULL;
  const std::string_view mode = textArg(argv[3]);
  const std::string needle = asciiLowered(textArg(argv[2]));
  const FilterRegex* re = nullptr;
  if (!exists && mode == "regex") {
    re = patternArg(ctx, argc, argv, 2);
    if (!re) return;
  } else if (!exists && mode != "eq" && mode != "contains") {
    sqlite3_result_error(ctx, "header_has: mode must be 'eq', 'contains' or 'regex'", -1);
    return;
  }
  HeaderJsonReader reader(json);
  std::string name;
  std::string value;
  while (reader.next(name, value)) {
    if (!iequals(name, wanted)) continue;
    bool hit = exists;
    if (!hit && re)
      hit = re->search(value);
    else if (!hit && mode == "eq")
      hit = iequals(value, needle);
    else if (!hit)
      hit = icontains(value, needle);
    if (hit) {
      sqlite3_result_int(ctx, 1);
      return;
    }
  }
  sqlite3_result_int(ctx, 0);
}

// body_phrase(tokens, req_text, res_text): the phrase in the indexed prefix of either body text.
void bodyPhraseFunction(sqlite3_context* ctx, int /*argc*/, sqlite3_value** argv) {
  const std::vector<std::string> query = fullTextTokens(textArg(argv[0]));
  for (int i = 1; i <= 2 && !query.empty(); ++i) {
    if (sqlite3_value_type(argv[i]) == SQLITE_NULL) continue;
    if (textContainsPhrase(fullTextBodyPrefix(textArg(argv[i])), query)) {
      sqlite3_result_int(ctx, 1);
      return;
    }
  }
  sqlite3_result_int(ctx, 0);
}

}  // namespace

void registerSqlFunctions(sqlite3* db) {
  const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC;
  // Each function owns its cache (SQLite destroys it with the connection, or when the function is
  // registered again), so registering twice never leaves a dangling pointer.
  auto destroy = [](void* p) { delete static_cast<RegexCache*>(p); };
  sqlite3_create_function_v2(db, "regexp", 2, flags, new RegexCache, regexpFunction, nullptr, nullptr, destroy);
  sqlite3_create_function_v2(db, "header_value", 2, flags, nullptr, headerValueFunction, nullptr, nullptr, nullptr);
  sqlite3_create_function_v2(db, "header_has", 4, flags, new RegexCache, headerHasFunction, nullptr, nullptr, destroy);
  sqlite3_create_function_v2(db, "body_phrase", 3, flags, nullptr, bodyPhraseFunction, nullptr, nullptr, nullptr);
}

}  // namespace ps::engine
