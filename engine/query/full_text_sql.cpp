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

// An FTS5 string: "token", any '"' doubled.
std::string quoted(std::string_view token) {
  std::string out = "\"";
  for (char c : token) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
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
  q.tokens = tokens;
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

void narrowLastToken(FullTextQuery& q, const std::vector<std::string>& terms) {
  std::string out;
  for (size_t i = 0; i + 1 < q.tokens.size(); ++i) out += quoted(q.tokens[i]) + " AND ";
  if (terms.empty()) {
    out += quoted(q.tokens.back());  // no term starts so: the exact token matches nothing either
  } else {
    out += '(';
    for (size_t i = 0; i < terms.size(); ++i) out += (i ? " OR " : "") + quoted(terms[i]);
    out += ')';
  }
  q.allTokens = std::move(out);
}

SqlFilter fullTextHeadIds(const FullTextQuery& q) { return SqlFilter{std::string(kHeadIds), {q.phrase}}; }

SqlFilter fullTextBodyIds(const FullTextQuery& q) {
  SqlFilter out{std::string(kBodyIds), {q.allTokens}};
  if (!q.checkTokens.empty()) {
    out.where += kBodyCheck;
    out.params.emplace_back(q.checkTokens);
  }
  return out;
}

SqlFilter fullTextWhere(const FullTextQuery& q) {
  SqlFilter head = fullTextHeadIds(q);
  SqlFilter body = fullTextBodyIds(q);
  head.where = std::string(kWhereHead) + head.where + " UNION ALL " + body.where + ")";
  head.params.insert(head.params.end(), body.params.begin(), body.params.end());
  return head;
}

std::optional<FullTextQuery> pureFullText(const SqlFilter& filter) {
  if (filter.params.size() != 2 && filter.params.size() != 3) return std::nullopt;
  for (const auto& p : filter.params) {
    if (!std::holds_alternative<std::string>(p)) return std::nullopt;
  }
  // The tokens back from the phrase ("a b"*: tokens never hold a space or a quote), then the whole
  // query rebuilt from them must be the filter.
  const std::string& phrase = std::get<std::string>(filter.params[0]);
  if (phrase.size() < 4 || phrase.front() != '"' || !phrase.ends_with("\"*")) return std::nullopt;
  std::vector<std::string> tokens;
  std::string_view rest = std::string_view(phrase).substr(1, phrase.size() - 3);
  while (!rest.empty()) {
    const size_t space = rest.find(' ');
    tokens.emplace_back(rest.substr(0, space));
    rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
  }
  FullTextQuery q = fullTextQuery(tokens);
  const SqlFilter rebuilt = fullTextWhere(q);
  if (unwrap(filter.where) != rebuilt.where || filter.params != rebuilt.params) return std::nullopt;
  return q;
}

}  // namespace ps::engine
