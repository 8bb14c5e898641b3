#pragma once
// Filter: one parsed filter expression, the single grammar used by the filter bar, breakpoint
// rules, HAR export selection and the CLI. Parse once, then evaluate in memory (live rows,
// breakpoints) or compile to parameterised SQL (stored sessions). Both give the same answers.
//
//   auto parsed = ps::engine::parseFilter("host:api status:>=400 -is:replay");
//   if (!parsed.ok()) underline(parsed.error.position, parsed.error.length, parsed.error.message);
//   bool hit = parsed.filter->matches(flow);          // any thread; no locks, no allocation*
//   SqlFilter sql = parsed.filter->toSql();            // WHERE fragment over `flows` + params
//
// (*) except body:/full-text predicates on content-encoded bodies, which are decoded per call.
// A Filter is an immutable value: cheap to copy (one shared_ptr), safe to share between threads.
#include <optional>
#include <string>
#include <string_view>

#include "engine/core/flow.h"
#include "engine/query/filter_ast.h"
#include "engine/query/filter_error.h"
#include "engine/store/sql_filter.h"

namespace ps::engine {

class Filter {
 public:
  Filter() = default;  // the empty filter: matches every flow
  explicit Filter(FilterNodePtr root, std::string text) : m_root(std::move(root)), m_text(std::move(text)) {}

  bool empty() const { return !m_root; }
  bool matches(const Flow& flow) const;
  // WHERE fragment over the contract schema (engine/store, see store-contract): `flows` columns,
  // `bodies`, `flows_fts`, and the SQL functions of registerSqlFunctions(). Empty where = all.
  SqlFilter toSql() const;
  // True when the answer may change once the response (or the flow's end) is known: status,
  // res.*, type, size, duration, header:/body: (either side), full text, is:error. A breakpoint
  // rule for which this is false can be decided on the request alone.
  bool referencesResponse() const;
  std::string canonical() const { return m_root ? toCanonicalString(*m_root) : std::string(); }
  const std::string& text() const { return m_text; }
  const FilterNode* root() const { return m_root.get(); }

 private:
  FilterNodePtr m_root;
  std::string m_text;
};

struct FilterParseResult {
  std::optional<Filter> filter;  // set on success
  FilterError error;             // meaningful only when !ok()
  bool ok() const { return filter.has_value(); }
};

// Parses a filter; blank text gives the empty filter (matches everything).
FilterParseResult parseFilter(std::string_view text);

// FilterError positions are byte offsets into the UTF-8 text; Qt's QString counts UTF-16 units.
// utf16Offset(text, error.position) converts one for the filter bar's underline.
size_t utf16Offset(std::string_view utf8, size_t byteOffset);

}  // namespace ps::engine
