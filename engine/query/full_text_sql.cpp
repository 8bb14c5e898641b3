#include "engine/query/full_text_sql.h"

#include "engine/query/full_text.h"

namespace ps::engine {

namespace {

constexpr std::string_view kHeadIds = "SELECT rowid FROM flows_fts WHERE flows_fts MATCH ?";
constexpr std::string_view kBodyIds = "SELECT rowid FROM flows_body_fts WHERE flows_body_fts MATCH ?";
// The phrase in the indexed text of either body (a phrase never spans the two, as in FTS5).
constexpr std::string_view kBodyCheck =
    " AND body_phrase(?, (SELECT text FROM bodies WHERE flow_id = flows_body_fts.rowid AND part = 'req'), "
    "(SELECT text FROM bodies WHERE flow_id = flows_body_fts.rowid AND part = 'res'))";
constexpr std::string_view kWhereHead = "flows.id IN (";

std::vector<std::variant<int64_t, double, std::string>> params(const FullTextQuery& q) {
  std::vector<std::variant<int64_t, double, std::string>> out{q.phrase, q.allTokens};
  if (!q.checkTokens.empty()) out.emplace_back(q.checkTokens);
  return out;
}

std::string bodyIds(const FullTextQuery& q) {
  std::string sql(kBodyIds);
  if (!q.checkTokens.empty()) sql += kBodyCheck;
  return sql;
}

// Removes spaces and parentheses that wrap the whole text: "(a) AND (b)" keeps its own.
std::string_view unwrap(std::string_view w) {
  while (true) {
    while (!w.empty() && w.front() == ' ') w.remove_prefix(1);
    while (!w.empty() && w.back() == ' ') w.remove_suffix(1);
    if (w.size() < 2 || w.front() != '(' || w.back() != ')') return w;
    int depth = 0;
    for (size_t i = 0; i + 1 < w.size(); ++i) {
      depth += w[i] == '(' ? 1 : w[i] == ')' ? -1 : 0;
      if (depth == 0) return w;
    }
    w = w.substr(1, w.size() - 2);
  }
}

}  // namespace

FullTextQuery fullTextQuery(const std::vector<std::string>& tokens) {
  FullTextQuery q;
  q.phrase = ftsPhraseQuery(tokens);
  q.allTokens = ftsAllTokensQuery(tokens);
  if (tokens.size() > 1) {
    for (size_t i = 0; i < tokens.size(); ++i) {
      if (i) q.checkTokens += ' ';
      q.checkTokens += tokens[i];
    }
  }
  return q;
}

SqlFilter fullTextIds(const FullTextQuery& q, bool distinct) {
  std::string sql(kHeadIds);
  sql += distinct ? " UNION " : " UNION ALL ";
  sql += bodyIds(q);
  return SqlFilter{std::move(sql), params(q)};
}

SqlFilter fullTextWhere(const FullTextQuery& q) {
  SqlFilter ids = fullTextIds(q, false);
  return SqlFilter{std::string(kWhereHead) + ids.where + ")", std::move(ids.params)};
}

std::optional<FullTextQuery> pureFullText(const SqlFilter& filter) {
  if (filter.params.size() != 2 && filter.params.size() != 3) return std::nullopt;
  for (const auto& p : filter.params) {
    if (!std::holds_alternative<std::string>(p)) return std::nullopt;
  }
  FullTextQuery q;
  q.phrase = std::get<std::string>(filter.params[0]);
  q.allTokens = std::get<std::string>(filter.params[1]);
  if (filter.params.size() == 3) {
    q.checkTokens = std::get<std::string>(filter.params[2]);
    if (q.checkTokens.empty()) return std::nullopt;
  }
  if (unwrap(filter.where) != fullTextWhere(q).where) return std::nullopt;
  return q;
}

}  // namespace ps::engine
