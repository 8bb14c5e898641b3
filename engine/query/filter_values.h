#pragma once
// Per-field value parsing for the filter parser: operands (plain, =exact, ~regex, quoted),
// numbers with units and ranges, header NAME[=|:]VALUE. Internal to engine/query.
#include <optional>

#include "engine/query/filter_ast.h"
#include "engine/query/filter_error.h"
#include "engine/query/filter_lexer.h"

namespace ps::engine {

// Fills `out` from a Field token whose field is already known; returns the first error.
std::optional<FilterError> buildPredicate(const FilterToken& token, FilterField field, FilterPredicate& out);

}  // namespace ps::engine
