#include "engine/query/filter_evaluator.h"

#include <algorithm>

#include "engine/query/filter.h"
#include "engine/query/filter_fields.h"
#include "engine/query/filter_parser.h"
#include "engine/query/full_text.h"
#include "engine/query/text_match.h"
#include "engine/store/body_text.h"

namespace ps::engine {

namespace {

bool textMatches(const FilterPredicate& p, std::string_view s) {
  switch (p.op) {
    case FilterOp::Contains:
      return icontains(s, p.value);
    case FilterOp::Equals:
      return iequals(s, p.value);
    case FilterOp::Prefix:
      return istartsWith(s, p.value);
    case FilterOp::Regex:
      return p.regex->search(s);
    case FilterOp::Family:
      for (const auto& pattern : mimeFamilies()[static_cast<size_t>(p.family)].patterns) {
        if (pattern.prefix ? istartsWith(s, pattern.text) : icontains(s, pattern.text)) return true;
      }
      return false;
    default:
      return false;
  }
}

bool inRange(const FilterPredicate& p, int64_t v) { return v >= p.lo && v <= p.hi; }

// The same text as Request::url() (flow.cpp), built into a reused per-thread buffer so that
// url: costs no allocation per row once the buffer has grown.
std::string_view composeUrl(const Request& r) {
  thread_local std::string buf;
  buf.clear();
  buf += r.scheme.empty() ? std::string_view("http") : std::string_view(r.scheme);
  buf += "://";
  const bool v6 = r.host.find(':') != std::string::npos;
  if (v6) buf += '[';
  buf += r.host;
  if (v6) buf += ']';
  const uint16_t defaultPort = r.scheme == "https" ? 443 : 80;
  if (r.port != 0 && r.port != defaultPort) {
    char digits[8];
    int n = 0;
    for (unsigned v = r.port; v; v /= 10) digits[n++] = static_cast<char>('0' + v % 10);
    buf += ':';
    while (n) buf += digits[--n];
  }
  if (r.path.empty())
    buf += '/';
  else
    buf += r.path;
  return buf;
}

std::string_view pathOnly(const Request& r) {
  const std::string_view p = r.path;
  return p.substr(0, p.find('?'));
}

std::string_view firstValue(const Headers& h, std::string_view name) {
  auto v = h.get(name);
  return v ? *v : std::string_view();
}

// Content-Type for type:/mime: — the response's, else the request's.
std::string_view effectiveType(const Flow& f) {
  if (f.response) {
    const auto t = firstValue(f.response->headers, "content-type");
    if (!t.empty()) return t;
  }
  return firstValue(f.request.headers, "content-type");
}

bool headerMatches(const FilterPredicate& p, const Headers& h) {
  for (const auto& field : h) {
    if (!iequals(field.name, p.headerName)) continue;
    if (p.op == FilterOp::Exists || textMatches(p, field.value)) return true;
  }
  return false;
}

// The text of a body exactly as the store indexes it (engine/store/body_text.h feeds bodies.text
// and flows_fts), so body: and full text answer the same for live and stored flows. Fast path
// without a copy when the body is not content-encoded and its Content-Type is textual.
bool bodyView(const Headers& headers, const Body& body, std::string& scratch, std::string_view& out) {
  if (body.captured.empty()) return false;
  if (!headers.has("content-encoding")) {
    if (auto type = headers.get("content-type")) {
      if (!isTextualMediaType(*type)) return false;
      out = std::string_view(body.captured).substr(0, kMaxDecodedTextBytes);
      return true;
    }
  }
  auto text = bodyText(body.captured, headers, body.truncated());  // as the store decodes it
  if (!text) return false;
  scratch = std::move(*text);
  out = scratch;
  return true;
}

bool bodyMatches(const FilterPredicate& p, const Headers& headers, const Body& body) {
  std::string scratch;
  std::string_view text;
  return bodyView(headers, body, scratch, text) && textMatches(p, text);
}

// A phrase can only occur in a text that holds its first token as a substring: a cheap test
// that skips tokenizing the headers of most flows.
bool mayHold(const FilterPredicate& p, std::string_view text) { return icontains(text, p.tokens.front()); }

bool headersMayHold(const FilterPredicate& p, const Headers& h) {
  for (const auto& field : h) {
    if (mayHold(p, field.name) || mayHold(p, field.value)) return true;
  }
  return false;
}

// Full text over the same four columns the store indexes (url, headers, req_body, res_body); a
// phrase never spans two columns, as in FTS5.
bool fullTextMatches(const FilterPredicate& p, const Flow& f) {
  thread_local std::vector<std::string_view> tokens;
  if (textContainsPhrase(composeUrl(f.request), p.tokens)) return true;
  const Headers* resHeaders = f.response ? &f.response->headers : nullptr;
  if (headersMayHold(p, f.request.headers) || (resHeaders && headersMayHold(p, *resHeaders))) {
    tokens.clear();
    for (const auto& h : f.request.headers) {
      appendTextTokens(h.name, tokens);
      appendTextTokens(h.value, tokens);
    }
    if (resHeaders) {
      for (const auto& h : *resHeaders) {
        appendTextTokens(h.name, tokens);
        appendTextTokens(h.value, tokens);
      }
    }
    if (containsPhrase(tokens, p.tokens)) return true;
  }
  std::string scratch;
  std::string_view text;
  // Bodies as far as the store indexes them (kFullTextBodyBytes).
  if (bodyView(f.request.headers, f.request.body, scratch, text) && textContainsPhrase(fullTextBodyPrefix(text), p.tokens)) {
    return true;
  }
  return f.response && bodyView(f.response->headers, f.response->body, scratch, text) &&
         textContainsPhrase(fullTextBodyPrefix(text), p.tokens);
}

bool hasTagIgnoringCase(const Flow& f, std::string_view tag) {
  for (const auto& t : f.tags) {
    if (iequals(t, tag)) return true;
  }
  return false;
}

bool flagMatches(const FilterPredicate& p, const Flow& f) {
  switch (p.flag) {
    case FilterFlag::Error:
      return f.error && f.error->kind != ErrorKind::None;
    case FilterFlag::Replay:
      return f.replayOf != 0 || hasTagIgnoringCase(f, "replay");
    case FilterFlag::Intercepted:
      return hasTagIgnoringCase(f, "intercepted");
    case FilterFlag::WebSocket:
      return f.kind == FlowKind::WebSocket;
    case FilterFlag::Tunnel:
      return f.kind == FlowKind::Tunnel;
    case FilterFlag::Http:
      return f.kind == FlowKind::Http;
    case FilterFlag::Forward:
      return f.mode == ProxyMode::Forward;
    case FilterFlag::Reverse:
      return f.mode == ProxyMode::Reverse;
    case FilterFlag::Tag:
      return hasTagIgnoringCase(f, p.value);
  }
  return false;
}

bool predicateMatches(const FilterPredicate& p, const Flow& f) {
  const uint64_t resSize = f.response ? f.response->body.size : 0;
  switch (p.field) {
    case FilterField::Host:
      return textMatches(p, f.request.host);
    case FilterField::Method:
      return textMatches(p, f.request.method);
    case FilterField::Scheme:
      return textMatches(p, f.request.scheme);
    case FilterField::Path:
      return textMatches(p, pathOnly(f.request));
    case FilterField::Url:
      return textMatches(p, composeUrl(f.request));
    case FilterField::Backend:
      return textMatches(p, f.backend);
    case FilterField::Client:
      return textMatches(p, f.clientAddress);
    case FilterField::Status:
      return f.response && inRange(p, f.response->status);
    case FilterField::Port:
      return inRange(p, f.request.port);
    case FilterField::Id:
      return inRange(p, static_cast<int64_t>(f.id));
    case FilterField::Size:
    case FilterField::ResSize:
      return inRange(p, static_cast<int64_t>(resSize));
    case FilterField::ReqSize:
      return inRange(p, static_cast<int64_t>(f.request.body.size));
    case FilterField::Duration:
      return inRange(p, f.timing.durationMicros());
    case FilterField::Type:
      return textMatches(p, effectiveType(f));
    case FilterField::ReqType:
      return textMatches(p, firstValue(f.request.headers, "content-type"));
    case FilterField::ResType:
      return textMatches(p, f.response ? firstValue(f.response->headers, "content-type") : std::string_view());
    case FilterField::Header:
      return headerMatches(p, f.request.headers) || (f.response && headerMatches(p, f.response->headers));
    case FilterField::ReqHeader:
      return headerMatches(p, f.request.headers);
    case FilterField::ResHeader:
      return f.response && headerMatches(p, f.response->headers);
    case FilterField::Body:
      return bodyMatches(p, f.request.headers, f.request.body) ||
             (f.response && bodyMatches(p, f.response->headers, f.response->body));
    case FilterField::ReqBody:
      return bodyMatches(p, f.request.headers, f.request.body);
    case FilterField::ResBody:
      return f.response && bodyMatches(p, f.response->headers, f.response->body);
    case FilterField::Is:
      return flagMatches(p, f);
    case FilterField::Text:
      return fullTextMatches(p, f);
  }
  return false;
}

}  // namespace

bool evaluateFilter(const FilterNode& node, const Flow& flow) {
  switch (node.kind) {
    case FilterNodeKind::Predicate:
      return predicateMatches(node.predicate, flow);
    case FilterNodeKind::Not:
      return !evaluateFilter(*node.children.front(), flow);
    case FilterNodeKind::And:
      for (const auto& c : node.children) {
        if (!evaluateFilter(*c, flow)) return false;
      }
      return true;
    case FilterNodeKind::Or:
      for (const auto& c : node.children) {
        if (evaluateFilter(*c, flow)) return true;
      }
      return false;
  }
  return false;
}

bool Filter::matches(const Flow& flow) const { return !m_root || evaluateFilter(*m_root, flow); }

namespace {
bool nodeReferencesResponse(const FilterNode& node) {
  if (node.kind != FilterNodeKind::Predicate) {
    for (const auto& c : node.children) {
      if (nodeReferencesResponse(*c)) return true;
    }
    return false;
  }
  const FilterPredicate& p = node.predicate;
  switch (p.field) {
    case FilterField::Status:
    case FilterField::Type:
    case FilterField::ResType:
    case FilterField::Size:
    case FilterField::ResSize:
    case FilterField::Duration:
    case FilterField::Header:
    case FilterField::ResHeader:
    case FilterField::Body:
    case FilterField::ResBody:
    case FilterField::Backend:
    case FilterField::Text:
      return true;
    case FilterField::Is:
      return p.flag == FilterFlag::Error || p.flag == FilterFlag::Tag;
    default:
      return false;
  }
}
}  // namespace

bool Filter::referencesResponse() const { return m_root && nodeReferencesResponse(*m_root); }

size_t utf16Offset(std::string_view utf8, size_t byteOffset) {
  size_t units = 0;
  const size_t end = std::min(byteOffset, utf8.size());
  for (size_t i = 0; i < end; ++i) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    if ((c & 0xC0) == 0x80) continue;  // continuation byte
    units += c >= 0xF0 ? 2 : 1;        // 4-byte sequences are surrogate pairs in UTF-16
  }
  return units;
}

FilterParseResult parseFilter(std::string_view text) {
  FilterParseResult r;
  FilterTreeResult tree = parseFilterTree(text);
  if (tree.error) {
    r.error = *tree.error;
    return r;
  }
  r.filter = Filter(std::move(tree.root), std::string(text));
  return r;
}

}  // namespace ps::engine
