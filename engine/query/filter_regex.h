#pragma once
// FilterRegex: the filter language's regular expressions (`~` values and the SQL regexp()),
// on PCRE2: Perl-compatible syntax, case-insensitive, byte-oriented (ASCII case folding, like the
// rest of the language), JIT-compiled when available. PCRE2 backtracks on the heap under a match
// limit, so no pattern/body combination can overflow a thread's stack (libstdc++'s std::regex
// crashes on `(a|b)*z` over ~20 KB). A search that hits the limit counts as no match, in both
// evaluators alike. Immutable after compile(); search() is safe from any number of threads.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace ps::engine {

class FilterRegex {
 public:
  struct CompileError {
    std::string message;
    size_t offset = 0;  // byte offset in the pattern
  };

  // A compiled regex, or the reason it does not compile in `error`.
  static std::shared_ptr<const FilterRegex> compile(std::string_view pattern, CompileError* error = nullptr);
  ~FilterRegex();
  FilterRegex(const FilterRegex&) = delete;
  FilterRegex& operator=(const FilterRegex&) = delete;

  // True when the pattern matches anywhere in `subject`.
  bool search(std::string_view subject) const;
  const std::string& pattern() const { return m_pattern; }

 private:
  FilterRegex(void* code, std::string pattern) : m_code(code), m_pattern(std::move(pattern)) {}
  void* m_code;  // pcre2_code_8*, kept opaque so users need not include pcre2.h
  std::string m_pattern;
};

}  // namespace ps::engine
