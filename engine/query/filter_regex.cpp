#define PCRE2_CODE_UNIT_WIDTH 8
#include "engine/query/filter_regex.h"

#include <pcre2.h>

namespace ps::engine {

namespace {

// One match-data block per thread, reused by every search: an ovector of one pair is enough to
// learn whether there is a match (rc == 0 just means "more groups than room"), so no allocation
// per evaluation.
pcre2_match_data* threadMatchData() {
  struct Holder {
    pcre2_match_data* data = pcre2_match_data_create(1, nullptr);
    ~Holder() { pcre2_match_data_free(data); }
  };
  thread_local Holder holder;
  return holder.data;
}

}  // namespace

std::shared_ptr<const FilterRegex> FilterRegex::compile(std::string_view pattern, CompileError* error) {
  int code = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* re = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), PCRE2_CASELESS, &code,
                                 &offset, nullptr);
  if (!re) {
    if (error) {
      PCRE2_UCHAR buffer[256];
      pcre2_get_error_message(code, buffer, sizeof buffer);
      error->message = reinterpret_cast<const char*>(buffer);
      error->offset = offset;
    }
    return nullptr;
  }
  pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);  // optional: the interpreter is used when JIT is unavailable
  return std::shared_ptr<const FilterRegex>(new FilterRegex(re, std::string(pattern)));
}

FilterRegex::~FilterRegex() { pcre2_code_free(static_cast<pcre2_code*>(m_code)); }

bool FilterRegex::search(std::string_view subject) const {
  auto* re = static_cast<pcre2_code*>(m_code);
  pcre2_match_data* md = threadMatchData();
  const auto* data = reinterpret_cast<PCRE2_SPTR>(subject.data());
  int rc = pcre2_match(re, data, subject.size(), 0, 0, md, nullptr);
  if (rc == PCRE2_ERROR_JIT_STACKLIMIT) {
    // The JIT's small machine stack ran out on a long subject: the interpreter backtracks on the
    // heap instead.
    rc = pcre2_match(re, data, subject.size(), 0, PCRE2_NO_JIT, md, nullptr);
  }
  return rc >= 0;  // no match, match limit and other errors all count as "no match"
}

}  // namespace ps::engine
