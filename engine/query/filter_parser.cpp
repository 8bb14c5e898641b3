// The filter language (issue 5): one grammar for the filter bar, breakpoints, rules, export and CLI.
//
//   filter    = [ orExpr ] ;
//   orExpr    = andExpr { "or" andExpr } ;
//   andExpr   = unary { [ "and" ] unary } ;            (* adjacent terms are ANDed *)
//   unary     = ( "not" | "-" ) unary | primary ;      (* "-" glued to its operand: -is:replay *)
//   primary   = "(" orExpr ")" | predicate | word | phrase ;
//   predicate = field ":" value ;                       (* no blank around ':' *)
//   field     = letter { letter | digit | "." | "_" | "-" } ;   (* see filterFields() *)
//   value     = { valueChar | phrase | "(" value ")" } ;        (* ends at a blank or unbalanced ")" *)
//   word      = char { char } - ( "and" | "or" | "not" ) ;      (* ends at a blank or parenthesis *)
//   phrase    = '"' { char - '"' | '\"' | '\\' } '"' ;
//
// Keywords are case-insensitive; precedence is not > and > or. Per-field values:
//   text     host: path: url: client: backend:   V substring | =V equal | ~RE regex (case-insensitive)
//   exact    method: scheme:                     V equal     | ~RE
//   number   status: port: id:                   N | >N | >=N | <N | <=N | =N | A-B | status:4xx
//   bytes    size: req.size: res.size:           same, with b k m g (k = 1024), decimals: <=1.5MB
//   time     duration:                           same, with us ms s m h (bare number = ms)
//   type     type:/mime: req.type: res.type:     family (json, image, ...) | a/b prefix | substring | =V | ~RE
//   header   header: req.header: res.header:     NAME exists | NAME=V equal | NAME:V substring | NAME=~RE
//   body     body: req.body: res.body:           V substring | ~RE over the decoded text body
//   flag     is:                                 error replay intercepted websocket tunnel http forward
//                                                reverse, anything else is a tag (is:cached)
// A value may be quoted ("a b", escapes \" and \\), also after an operator: path:~"a b", header:X="1 2".
// Bare words and phrases are full text over URL, headers and text bodies (FTS5 phrase semantics,
// the last token a prefix; see full_text.h). "word:..." with an unknown field is an error, except
// "scheme://..." which stays a word.
#include "engine/query/filter_parser.h"

#include "engine/query/filter_fields.h"
#include "engine/query/filter_lexer.h"
#include "engine/query/filter_values.h"
#include "engine/query/full_text.h"

namespace ps::engine {

namespace {

using Kind = FilterToken::Kind;

class Parser {
 public:
  explicit Parser(std::vector<FilterToken> tokens) : m_tokens(std::move(tokens)) {}

  FilterTreeResult run() {
    FilterTreeResult r;
    if (peek().kind == Kind::End) return r;
    FilterNodePtr root = parseOr();
    if (!m_error && peek().kind != Kind::End) {
      const auto& t = peek();
      fail(t.kind == Kind::RParen ? "unbalanced ')': no '(' to close" : "unexpected '" + t.text + "'", t);
    }
    if (m_error) {
      r.error = m_error;
      return r;
    }
    r.root = std::move(root);
    return r;
  }

 private:
  const FilterToken& peek() const { return m_tokens[m_pos]; }
  const FilterToken& take() { return m_tokens[m_pos < m_tokens.size() - 1 ? m_pos++ : m_pos]; }

  void fail(std::string message, size_t position, size_t length) {
    if (!m_error) m_error = FilterError{std::move(message), position, std::max<size_t>(length, 1)};
  }
  void fail(std::string message, const FilterToken& t) { fail(std::move(message), t.position, t.length); }

  static bool startsOperand(Kind k) {
    return k == Kind::LParen || k == Kind::Minus || k == Kind::Not || k == Kind::Word || k == Kind::Quoted ||
           k == Kind::Field;
  }

  // Reports an operator with nothing usable on its right.
  bool requireOperand(const FilterToken& op, const char* what) {
    if (startsOperand(peek().kind)) return true;
    fail(std::string("nothing after '") + what + "'", op);
    return false;
  }

  static FilterNodePtr combine(FilterNodeKind kind, FilterNodePtr left, FilterNodePtr right) {
    auto node = std::make_shared<FilterNode>();
    node->kind = kind;
    // Flatten a AND b AND c into one node so printing and SQL stay shallow.
    for (auto* side : {&left, &right}) {
      if ((*side)->kind == kind)
        node->children.insert(node->children.end(), (*side)->children.begin(), (*side)->children.end());
      else
        node->children.push_back(*side);
    }
    node->position = left->position;
    node->length = right->position + right->length - left->position;
    return node;
  }

  FilterNodePtr parseOr() {
    FilterNodePtr left = parseAnd();
    while (!m_error && peek().kind == Kind::Or) {
      const FilterToken& op = take();
      if (!requireOperand(op, "or")) return nullptr;
      FilterNodePtr right = parseAnd();
      if (m_error) return nullptr;
      left = combine(FilterNodeKind::Or, left, right);
    }
    return left;
  }

  FilterNodePtr parseAnd() {
    FilterNodePtr left = parseUnary();
    while (!m_error) {
      if (peek().kind == Kind::And) {
        const FilterToken& op = take();
        if (!requireOperand(op, "and")) return nullptr;
      } else if (!startsOperand(peek().kind)) {
        break;
      }
      FilterNodePtr right = parseUnary();
      if (m_error) return nullptr;
      left = combine(FilterNodeKind::And, left, right);
    }
    return left;
  }

  // Recursion guard: a pasted or generated filter must not exhaust the stack (nor SQLite's
  // expression depth limit of 1000 once compiled).
  static constexpr int kMaxDepth = 100;
  bool enter(const FilterToken& t) {
    if (++m_depth <= kMaxDepth) return true;
    fail("filter nested too deeply (more than " + std::to_string(kMaxDepth) + " levels)", t);
    return false;
  }

  FilterNodePtr parseUnary() {
    const Kind k = peek().kind;
    if ((k == Kind::Not || k == Kind::Minus || k == Kind::LParen) && !enter(peek())) return nullptr;
    FilterNodePtr node = parseUnaryInner();
    if (k == Kind::Not || k == Kind::Minus || k == Kind::LParen) --m_depth;
    return node;
  }

  FilterNodePtr parseUnaryInner() {
    const Kind k = peek().kind;
    if (k == Kind::Not || k == Kind::Minus) {
      const FilterToken& op = take();
      if (k == Kind::Minus && (peek().kind == Kind::End || peek().position != op.position + 1)) {
        fail("nothing to negate after '-' (write it glued to a term: -host:x)", op);
        return nullptr;
      }
      if (!requireOperand(op, k == Kind::Not ? "not" : "-")) return nullptr;
      FilterNodePtr operand = parseUnary();
      if (m_error) return nullptr;
      auto node = std::make_shared<FilterNode>();
      node->kind = FilterNodeKind::Not;
      node->children.push_back(operand);
      node->position = op.position;
      node->length = operand->position + operand->length - op.position;
      return node;
    }
    return parsePrimary();
  }

  FilterNodePtr parsePrimary() {
    const FilterToken& t = take();
    switch (t.kind) {
      case Kind::LParen: {
        if (peek().kind == Kind::RParen) {
          fail("empty parentheses", t.position, peek().position + 1 - t.position);
          return nullptr;
        }
        FilterNodePtr inner = parseOr();
        if (m_error) return nullptr;
        if (peek().kind != Kind::RParen) {
          fail("unbalanced '(': missing ')'", t);
          return nullptr;
        }
        take();
        return inner;
      }
      case Kind::Field:
        return fieldPredicate(t);
      case Kind::Word:
      case Kind::Quoted:
        return fullText(t);
      case Kind::RParen:
        fail("unbalanced ')': no '(' to close", t);
        return nullptr;
      case Kind::And:
      case Kind::Or:
        fail("nothing before '" + t.text + "'", t);
        return nullptr;
      case Kind::End:
        fail("unexpected end of filter", t.position, 0);
        return nullptr;
      default:
        fail("unexpected '" + t.text + "'", t);
        return nullptr;
    }
  }

  FilterNodePtr fieldPredicate(const FilterToken& t) {
    const auto field = lookupField(t.text);
    if (!field) {
      std::string message = "unknown field '" + t.text + "'";
      const std::string suggestion = suggestField(t.text);
      if (!suggestion.empty()) message += " (did you mean '" + suggestion + "'?)";
      fail(std::move(message), t.position, t.text.size());
      return nullptr;
    }
    auto node = std::make_shared<FilterNode>();
    node->position = t.position;
    node->length = t.length;
    if (auto e = buildPredicate(t, *field, node->predicate)) {
      if (!m_error) m_error = *e;
      return nullptr;
    }
    return node;
  }

  FilterNodePtr fullText(const FilterToken& t) {
    auto node = std::make_shared<FilterNode>();
    node->position = t.position;
    node->length = t.length;
    node->predicate.field = FilterField::Text;
    node->predicate.op = FilterOp::Tokens;
    node->predicate.value = t.text;
    node->predicate.tokens = fullTextTokens(t.text);
    if (node->predicate.tokens.empty()) {
      fail("nothing to search for in '" + t.text + "': full text needs letters or digits", t);
      return nullptr;
    }
    return node;
  }

  std::vector<FilterToken> m_tokens;
  size_t m_pos = 0;
  int m_depth = 0;
  std::optional<FilterError> m_error;
};

}  // namespace

FilterTreeResult parseFilterTree(std::string_view text) {
  FilterLexResult lexed = lexFilter(text);
  if (lexed.error) {
    FilterTreeResult r;
    r.error = lexed.error;
    return r;
  }
  return Parser(std::move(lexed.tokens)).run();
}

}  // namespace ps::engine
