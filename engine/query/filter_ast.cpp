#include "engine/query/filter_ast.h"

#include "engine/query/filter_fields.h"

namespace ps::engine {

namespace {

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

std::string bound(int64_t v) {
  if (v == std::numeric_limits<int64_t>::min() || v == std::numeric_limits<int64_t>::max()) return "*";
  return std::to_string(v);
}

const char* flagName(FilterFlag flag) {
  switch (flag) {
    case FilterFlag::Error:
      return "error";
    case FilterFlag::Replay:
      return "replay";
    case FilterFlag::Intercepted:
      return "intercepted";
    case FilterFlag::WebSocket:
      return "websocket";
    case FilterFlag::Tunnel:
      return "tunnel";
    case FilterFlag::Http:
      return "http";
    case FilterFlag::Forward:
      return "forward";
    case FilterFlag::Reverse:
      return "reverse";
    case FilterFlag::Tag:
      return "tag";
  }
  return "?";
}

std::string predicateString(const FilterPredicate& p) {
  if (p.op == FilterOp::Tokens) {
    std::string out = "text(";
    for (size_t i = 0; i < p.tokens.size(); ++i) out += (i ? "," : "") + quoted(p.tokens[i]);
    return out + ")";
  }
  std::string out = std::string(fieldName(p.field)) + ":";
  const std::string header = p.headerName.empty() ? std::string() : quoted(p.headerName);
  const std::string headerComma = header.empty() ? std::string() : header + ",";
  switch (p.op) {
    case FilterOp::Contains:
      return out + "contains(" + headerComma + quoted(p.value) + ")";
    case FilterOp::Equals:
      return out + "eq(" + headerComma + quoted(p.value) + ")";
    case FilterOp::Prefix:
      return out + "prefix(" + quoted(p.value) + ")";
    case FilterOp::Regex:
      return out + "regex(" + headerComma + quoted(p.value) + ")";
    case FilterOp::Range:
      return out + "[" + bound(p.lo) + "," + bound(p.hi) + "]";
    case FilterOp::Family:
      return out + "family(" + mimeFamilies()[static_cast<size_t>(p.family)].name + ")";
    case FilterOp::Exists:
      return out + "exists(" + header + ")";
    case FilterOp::Flag:
      return p.flag == FilterFlag::Tag ? out + "tag(" + quoted(p.value) + ")" : out + flagName(p.flag);
    case FilterOp::Tokens:
      break;
  }
  return out + "?";
}

}  // namespace

const char* fieldName(FilterField field) {
  switch (field) {
    case FilterField::Host:
      return "host";
    case FilterField::Method:
      return "method";
    case FilterField::Status:
      return "status";
    case FilterField::Path:
      return "path";
    case FilterField::Url:
      return "url";
    case FilterField::Scheme:
      return "scheme";
    case FilterField::Port:
      return "port";
    case FilterField::Id:
      return "id";
    case FilterField::Type:
      return "type";
    case FilterField::ReqType:
      return "req.type";
    case FilterField::ResType:
      return "res.type";
    case FilterField::Size:
      return "size";
    case FilterField::ReqSize:
      return "req.size";
    case FilterField::ResSize:
      return "res.size";
    case FilterField::Duration:
      return "duration";
    case FilterField::Header:
      return "header";
    case FilterField::ReqHeader:
      return "req.header";
    case FilterField::ResHeader:
      return "res.header";
    case FilterField::Body:
      return "body";
    case FilterField::ReqBody:
      return "req.body";
    case FilterField::ResBody:
      return "res.body";
    case FilterField::Backend:
      return "backend";
    case FilterField::Client:
      return "client";
    case FilterField::Is:
      return "is";
    case FilterField::Text:
      return "text";
  }
  return "?";
}

std::string toCanonicalString(const FilterNode& node) {
  switch (node.kind) {
    case FilterNodeKind::Predicate:
      return predicateString(node.predicate);
    case FilterNodeKind::Not:
      return "(NOT " + toCanonicalString(*node.children.front()) + ")";
    case FilterNodeKind::And:
    case FilterNodeKind::Or: {
      std::string out = node.kind == FilterNodeKind::And ? "(AND" : "(OR";
      for (const auto& c : node.children) out += " " + toCanonicalString(*c);
      return out + ")";
    }
  }
  return "?";
}

}  // namespace ps::engine
