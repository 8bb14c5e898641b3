#pragma once
// Full-text matching with FTS5 semantics, so the in-memory evaluator and the SQLite index agree.
// Text is split like FTS5's default unicode61 tokenizer: tokens are runs of ASCII letters/digits
// and non-ASCII bytes; everything else separates; ASCII is case-folded. A query is a phrase: its
// tokens must appear consecutively, the last one as a prefix (FTS5 `"a b"*`), so typing "exam"
// already finds "example.com".
// Known divergence: FTS5 also folds non-ASCII case and diacritics and splits on non-ASCII
// punctuation; here non-ASCII bytes compare exactly. Lower-case non-ASCII queries agree.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ps::engine {

// Lower-cased tokens of a query text.
std::vector<std::string> fullTextTokens(std::string_view text);
// Appends the tokens of `text` (views into it, not folded) to `out`.
void appendTextTokens(std::string_view text, std::vector<std::string_view>& out);
// True when `query` (lower-cased, non-empty) occurs as a phrase in `doc`, last token as prefix.
bool containsPhrase(const std::vector<std::string_view>& doc, const std::vector<std::string>& query);
// The same test on a text, tokenized only where its first token occurs (no token list is built):
// textContainsPhrase(t, q) == containsPhrase(tokens of t, q).
bool textContainsPhrase(std::string_view text, const std::vector<std::string>& query);
// The FTS5 MATCH string for the same phrase: "tok1 tok2"*
std::string ftsPhraseQuery(const std::vector<std::string>& query);
// The FTS5 MATCH string for an index without positions (detail=none), which cannot match phrases:
// every token, the last as a prefix: "tok1" AND "tok2"*. A superset of the phrase's matches.
std::string ftsAllTokensQuery(const std::vector<std::string>& query);

// Bodies are full-text indexed up to this many bytes (the store keeps them whole): a capture of
// large JSON or HTML bodies would otherwise cost the writer its throughput, and a word deep in a big
// body is still found by body: filters. The store indexes, and body phrase checks read, this prefix.
inline constexpr size_t kFullTextBodyBytes = 64 * 1024;
// The indexed prefix of a body text, cut at a UTF-8 boundary.
std::string_view fullTextBodyPrefix(std::string_view text);

}  // namespace ps::engine
