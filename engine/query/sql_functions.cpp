#include "engine/query/sql_functions.h"

#include <sqlite3.h>

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "engine/query/filter_regex.h"
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

// Minimal reader for the contract's header JSON: [["Name","value"], ...]. Strings are decoded
// (\" \\ \/ \b \f \n \r \t \uXXXX with surrogate pairs) into reused buffers.
class HeaderJsonReader {
 public:
  explicit HeaderJsonReader(std::string_view json) : m_s(json) {}

  // Advances to the next pair; false at the end or on malformed input.
  bool next(std::string& name, std::string& value) {
    skipSpace();
    if (!m_started) {
      if (!eat('[')) return false;
      m_started = true;
      skipSpace();
      if (eat(']')) return false;
    } else {
      if (!eat(',')) return false;
    }
    skipSpace();
    if (!eat('[')) return false;
    if (!readString(name)) return false;
    skipSpace();
    if (!eat(',')) return false;
    if (!readString(value)) return false;
    skipSpace();
    return eat(']');
  }

 private:
  void skipSpace() {
    while (m_i < m_s.size() && (m_s[m_i] == ' ' || m_s[m_i] == '\n' || m_s[m_i] == '\r' || m_s[m_i] == '\t')) ++m_i;
  }
  bool eat(char c) {
    skipSpace();
    if (m_i < m_s.size() && m_s[m_i] == c) {
      ++m_i;
      return true;
    }
    return false;
  }
  bool hex4(unsigned& out) {
    if (m_i + 4 > m_s.size()) return false;
    out = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = m_s[m_i++];
      out <<= 4;
      if (c >= '0' && c <= '9')
        out |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f')
        out |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        out |= static_cast<unsigned>(c - 'A' + 10);
      else
        return false;
    }
    return true;
  }
  static void appendUtf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  bool readString(std::string& out) {
    out.clear();
    if (!eat('"')) return false;
    while (m_i < m_s.size()) {
      const char c = m_s[m_i++];
      if (c == '"') return true;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (m_i >= m_s.size()) return false;
      const char e = m_s[m_i++];
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          unsigned cp = 0;
          if (!hex4(cp)) return false;
          if (cp >= 0xD800 && cp < 0xDC00 && m_i + 1 < m_s.size() && m_s[m_i] == '\\' && m_s[m_i + 1] == 'u') {
            m_i += 2;
            unsigned low = 0;
            if (!hex4(low)) return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          appendUtf8(out, cp);
          break;
        }
        default:
          return false;
      }
    }
    return false;
  }

  std::string_view m_s;
  size_t m_i = 0;
  bool m_started = false;
};

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
    if (iequalsAscii(name, wanted)) {
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
    if (!iequalsAscii(name, wanted)) continue;
    bool hit = exists;
    if (!hit && re)
      hit = re->search(value);
    else if (!hit && mode == "eq")
      hit = iequalsAscii(value, needle);
    else if (!hit)
      hit = icontains(value, needle);
    if (hit) {
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
}

}  // namespace ps::engine
