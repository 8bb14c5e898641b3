#pragma once
// Full text in a session file (store-contract). Two FTS5 tables share the flow id as rowid:
//   flows_fts      (url, headers)          detail=full: positions kept, the index matches phrases.
//   flows_body_fts (req_body, res_body)    detail=none: no positions, so the index only finds the
//                                          flows holding every token, and body_phrase()
//                                          (sql_functions.h) checks the phrase in the body text.
// Bodies are most of the indexed text; without positions they index ~2x faster into a ~4x smaller
// index, and a body phrase (rarer than a word) pays a check per candidate flow instead.
// Files written before the split have one flows_fts over all four columns (detail=full); readers
// give them an empty temp.flows_body_fts (engine/store/flow_store_schema.h), and the same SQL answers
// the same.
#include <optional>
#include <string>
#include <vector>

#include "engine/store/sql_filter.h"

namespace ps::engine {

struct FullTextQuery {
  std::vector<std::string> tokens;  // lower-cased; the last one a prefix
  std::string phrase;               // flows_fts MATCH: "a b"*
  std::string allTokens;            // flows_body_fts MATCH: "a" AND "b"*
  std::string checkTokens;          // "a b" for body_phrase() when there are two tokens or more, else ""
};

// The query for a phrase's lower-cased tokens (non-empty).
FullTextQuery fullTextQuery(const std::vector<std::string>& tokens);
// Asks the body index for the terms the last token's prefix stands for (from its vocabulary)
// instead of the prefix: "a" AND ("tango" OR "tangos"). Same matches; FTS5 reads a prefix by
// merging every matching doclist into memory first, ~5x slower on the position-less index.
void narrowLastToken(FullTextQuery& q, const std::vector<std::string>& terms);

// Ids of the flows matching q in url and headers; in a body (checked). Each is one SELECT of
// rowids, with its parameters.
SqlFilter fullTextHeadIds(const FullTextQuery& q);
SqlFilter fullTextBodyIds(const FullTextQuery& q);
// The WHERE fragment a bare word or phrase compiles to: flows.id IN (head ids UNION ALL body ids).
SqlFilter fullTextWhere(const FullTextQuery& q);
// The query of a filter that is exactly one full-text predicate (as compiled by fullTextWhere,
// whatever wraps it in parentheses), else nullopt.
std::optional<FullTextQuery> pureFullText(const SqlFilter& filter);

}  // namespace ps::engine
