#include "engine/query/sql_compiler.h"

#include "engine/query/filter.h"
#include "engine/query/filter_fields.h"
#include "engine/query/full_text_sql.h"

namespace ps::engine {

namespace {

class Compiler {
 public:
  SqlFilter& out() { return m_out; }

  void node(const FilterNode& n) {
    switch (n.kind) {
      case FilterNodeKind::Predicate:
        predicate(n.predicate);
        return;
      case FilterNodeKind::Not:
        sql("NOT (");
        node(*n.children.front());
        sql(")");
        return;
      case FilterNodeKind::And:
      case FilterNodeKind::Or: {
        sql("(");
        for (size_t i = 0; i < n.children.size(); ++i) {
          if (i) sql(n.kind == FilterNodeKind::And ? " AND " : " OR ");
          node(*n.children[i]);
        }
        sql(")");
        return;
      }
    }
  }

 private:
  void sql(std::string_view s) { m_out.where += s; }
  void param(std::string s) {
    m_out.where += '?';
    m_out.params.emplace_back(std::move(s));
  }
  void param(int64_t v) {
    m_out.where += '?';
    m_out.params.emplace_back(v);
  }

  // Text comparison of a (non-NULL) column expression, mirroring textMatches() in memory.
  void text(std::string_view column, const FilterPredicate& p) {
    switch (p.op) {
      case FilterOp::Contains:
        sql(column), sql(" LIKE "), param("%" + escapeLike(p.value) + "%"), sql(" ESCAPE '\\'");
        return;
      case FilterOp::Prefix:
        sql(column), sql(" LIKE "), param(escapeLike(p.value) + "%"), sql(" ESCAPE '\\'");
        return;
      case FilterOp::Equals:
        sql(column), sql(" = "), param(p.value), sql(" COLLATE NOCASE");
        return;
      case FilterOp::Regex:
        sql("regexp("), param(p.value), sql(", "), sql(column), sql(")");
        return;
      case FilterOp::Family: {
        sql("(");
        bool first = true;
        for (const auto& pattern : mimeFamilies()[static_cast<size_t>(p.family)].patterns) {
          if (!first) sql(" OR ");
          first = false;
          const std::string like =
              pattern.prefix ? escapeLike(pattern.text) + "%" : "%" + escapeLike(pattern.text) + "%";
          sql(column), sql(" LIKE "), param(like), sql(" ESCAPE '\\'");
        }
        sql(")");
        return;
      }
      default:
        sql("0");
        return;
    }
  }

  // Numeric range. A nullable column counts as 0 when NULL (sizes, duration, port: like the
  // in-memory evaluator) or never matches (status). Written without coalesce() so an index on
  // the column stays usable, and never NULL itself so NOT stays exact.
  void range(std::string_view column, const FilterPredicate& p, bool nullMatchesAsZero) {
    constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
    constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
    const bool zeroInRange = p.lo <= 0 && p.hi >= 0;
    sql("(");
    sql(column), sql(nullMatchesAsZero && zeroInRange ? " IS NULL OR " : " IS NOT NULL AND ");
    if (p.lo == p.hi) {
      sql(column), sql(" = "), param(p.lo);
    } else if (p.lo != kMin && p.hi != kMax) {
      sql(column), sql(" BETWEEN "), param(p.lo), sql(" AND "), param(p.hi);
    } else if (p.lo != kMin) {
      sql(column), sql(" >= "), param(p.lo);
    } else if (p.hi != kMax) {
      sql(column), sql(" <= "), param(p.hi);
    } else {
      sql("1");
    }
    sql(")");
  }

  void header(std::string_view column, const FilterPredicate& p) {
    sql("header_has("), sql(column), sql(", "), param(p.headerName), sql(", ");
    if (p.op == FilterOp::Exists)
      sql("NULL");
    else
      param(p.value);
    sql(p.op == FilterOp::Regex ? ", 'regex')" : p.op == FilterOp::Contains ? ", 'contains')" : ", 'eq')");
  }

  void body(const char* part, const FilterPredicate& p) {
    sql("flows.id IN (SELECT flow_id FROM bodies WHERE ");
    if (part) sql("part = '"), sql(part), sql("' AND ");
    sql("text IS NOT NULL AND ");
    text("text", p);
    sql(")");
  }

  void tag(std::string_view tagName) {
    sql("coalesce(flows.tags, '') LIKE "), param("% " + escapeLike(tagName) + " %"), sql(" ESCAPE '\\'");
  }

  void flag(const FilterPredicate& p) {
    switch (p.flag) {
      case FilterFlag::Error:
        sql("coalesce(flows.error_kind, '') NOT IN ('', 'none')");
        return;
      case FilterFlag::Replay:
        sql("(coalesce(flows.replay_of, 0) <> 0 OR "), tag("replay"), sql(")");
        return;
      case FilterFlag::Intercepted:
        tag("intercepted");
        return;
      case FilterFlag::WebSocket:
        sql("coalesce(flows.kind, '') = 'websocket'");
        return;
      case FilterFlag::Tunnel:
        sql("coalesce(flows.kind, '') = 'tunnel'");
        return;
      case FilterFlag::Http:
        sql("coalesce(flows.kind, '') = 'http'");
        return;
      case FilterFlag::Forward:
        sql("coalesce(flows.mode, '') = 'forward'");
        return;
      case FilterFlag::Reverse:
        sql("coalesce(flows.mode, '') = 'reverse'");
        return;
      case FilterFlag::Tag:
        tag(p.value);
        return;
    }
  }

  void predicate(const FilterPredicate& p) {
    switch (p.field) {
      case FilterField::Host:
        text("coalesce(flows.host, '')", p);
        return;
      case FilterField::Method:
        text("coalesce(flows.method, '')", p);
        return;
      case FilterField::Scheme:
        text("coalesce(flows.scheme, '')", p);
        return;
      case FilterField::Path:
        text("coalesce(flows.path, '')", p);
        return;
      case FilterField::Url:
        text("coalesce(flows.url, '')", p);
        return;
      case FilterField::Backend:
        text("coalesce(flows.backend, '')", p);
        return;
      case FilterField::Client:
        text("coalesce(flows.client, '')", p);
        return;
      case FilterField::Status:
        range("flows.status", p, false);
        return;
      case FilterField::Port:
        range("flows.port", p, true);
        return;
      case FilterField::Id:
        range("flows.id", p, false);
        return;
      case FilterField::Size:
      case FilterField::ResSize:
        range("flows.res_size", p, true);
        return;
      case FilterField::ReqSize:
        range("flows.req_size", p, true);
        return;
      case FilterField::Duration:
        range("flows.duration_us", p, true);
        return;
      case FilterField::Type:
        text("coalesce(nullif(flows.res_type, ''), flows.req_type, '')", p);
        return;
      case FilterField::ReqType:
        text("coalesce(flows.req_type, '')", p);
        return;
      case FilterField::ResType:
        text("coalesce(flows.res_type, '')", p);
        return;
      case FilterField::Header:
        sql("(");
        header("flows.req_headers", p);
        sql(" OR ");
        header("flows.res_headers", p);
        sql(")");
        return;
      case FilterField::ReqHeader:
        header("flows.req_headers", p);
        return;
      case FilterField::ResHeader:
        header("flows.res_headers", p);
        return;
      case FilterField::Body:
        body(nullptr, p);
        return;
      case FilterField::ReqBody:
        body("req", p);
        return;
      case FilterField::ResBody:
        body("res", p);
        return;
      case FilterField::Is:
        flag(p);
        return;
      case FilterField::Text: {
        SqlFilter text = fullTextWhere(fullTextQuery(p.tokens));
        sql(text.where);
        m_out.params.insert(m_out.params.end(), text.params.begin(), text.params.end());
        return;
      }
    }
  }

  SqlFilter m_out;
};

}  // namespace

std::string escapeLike(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\' || c == '%' || c == '_') out += '\\';
    out += c;
  }
  return out;
}

SqlFilter compileToSql(const FilterNode& node) {
  Compiler c;
  c.node(node);
  return std::move(c.out());
}

SqlFilter Filter::toSql() const { return m_root ? compileToSql(*m_root) : SqlFilter{}; }

}  // namespace ps::engine
