#pragma once
// SQL functions the compiled filters call (store-contract). The store calls
// registerSqlFunctions() on every connection it opens; the query tests call it on an in-memory DB.
//   regexp(pattern, value)       1/0: PCRE2 search (FilterRegex), case-insensitive; `v REGEXP p` works.
//                                 Patterns are compiled once per statement (auxdata) and cached
//                                 per connection; an invalid pattern is an SQL error.
//   header_value(json, name)     the first value of the header (name case-insensitive) or NULL.
//   header_has(json, name, value_or_NULL, mode)
//                                1/0: a header of that name exists (value NULL) or one of its values
//                                 matches by mode 'eq' (case-insensitive equality), 'contains'
//                                 (case-insensitive substring) or 'regex' (as regexp()).
//   body_phrase(tokens, req_text, res_text)
//                                1/0: the full-text phrase (tokens separated by spaces, the last a
//                                 prefix) occurs in the indexed prefix of either text, as the
//                                 in-memory evaluator matches it (full_text.h, full_text_sql.h).
// `json` is the contract's header encoding: a JSON array of [name, value] string pairs; NULL or
// malformed JSON holds no headers.
struct sqlite3;

namespace ps::engine {

// Registers the four functions on `db` (deterministic, UTF-8). Call once per connection.
void registerSqlFunctions(sqlite3* db);

}  // namespace ps::engine
