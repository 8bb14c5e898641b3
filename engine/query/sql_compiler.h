#pragma once
// Compiles a filter tree to a parameterised WHERE fragment over the store's schema
// (store-contract: flows, bodies, flows_fts and flows_body_fts as full_text_sql.h describes them;
// functions from sql_functions.h). User text only ever travels as a bound parameter. Every
// predicate yields 0 or 1, never NULL, so NOT behaves like the in-memory evaluator on flows without
// a response.
#include "engine/query/filter_ast.h"
#include "engine/store/sql_filter.h"

namespace ps::engine {

SqlFilter compileToSql(const FilterNode& node);

// 'a%b_c' → 'a\%b\_c' for LIKE ... ESCAPE '\'.
std::string escapeLike(std::string_view text);

}  // namespace ps::engine
