#include "engine/query/filter_values.h"

#include <cmath>

#include "engine/query/filter_fields.h"
#include "engine/query/text_match.h"

namespace ps::engine {

namespace {

enum class Mode { Plain, Equals, Regex };
struct Operand {
  Mode mode = Mode::Plain;
  std::string literal;
  size_t position = 0;  // of the literal (after any operator)
  size_t length = 0;
};

FilterError errorAt(std::string message, size_t position, size_t length) {
  return {std::move(message), position, std::max<size_t>(length, 1)};
}

std::string fieldLabel(const FilterToken& t) { return "'" + t.text + ":'"; }

// raw: the text after "field:" (or after a header name's '=' / ':'), starting at byte `pos`.
// An empty quoted literal is accepted only where equality with "" means something (header:X="").
std::optional<FilterError> parseOperand(const FilterToken& t, std::string_view raw, size_t pos, bool allowEquals,
                                        Operand& out, bool allowEmpty = false) {
  out.mode = Mode::Plain;
  size_t skip = 0;
  if (!raw.empty() && raw[0] == '~') {
    out.mode = Mode::Regex;
    skip = 1;
  } else if (allowEquals && !raw.empty() && raw[0] == '=') {
    out.mode = Mode::Equals;
    skip = 1;
  }
  const std::string_view rest = raw.substr(skip);
  out.position = pos + skip;
  if (rest.empty()) {
    return errorAt("empty value after " + fieldLabel(t), t.position, t.length);
  }
  if (rest[0] == '"') {
    size_t consumed = 0;
    auto text = unquote(rest, consumed);
    if (!text) return errorAt("unterminated quote: add a closing \"", out.position, rest.size());
    if (consumed != rest.size()) {
      return errorAt("unexpected text after the closing quote", out.position + consumed, rest.size() - consumed);
    }
    if (text->empty() && out.mode != Mode::Equals && !allowEmpty) {
      return errorAt("empty value after " + fieldLabel(t), t.position, t.length);
    }
    out.literal = std::move(*text);
  } else {
    out.literal = std::string(rest);
  }
  out.length = rest.size();
  return std::nullopt;
}

std::optional<FilterError> compileRegex(const Operand& op, FilterPredicate& out) {
  FilterRegex::CompileError error;
  out.regex = FilterRegex::compile(op.literal, &error);
  if (!out.regex) {
    return errorAt("invalid regular expression: " + error.message + " (at offset " + std::to_string(error.offset) + ")",
                   op.position, op.length);
  }
  out.op = FilterOp::Regex;
  out.value = op.literal;
  return std::nullopt;
}

enum class Unit { Count, Bytes, Micros };

struct UnitName {
  const char* name;
  double factor;
};
const UnitName kByteUnits[] = {
    {"b", 1},          {"k", 1024},        {"kb", 1024},        {"kib", 1024},        {"m", 1048576.0},
    {"mb", 1048576.0}, {"mib", 1048576.0}, {"g", 1073741824.0}, {"gb", 1073741824.0}, {"gib", 1073741824.0}};
const UnitName kTimeUnits[] = {{"us", 1},    {"\xC2\xB5s", 1}, {"ms", 1000}, {"s", 1e6},
                               {"sec", 1e6}, {"m", 6e7},       {"min", 6e7}, {"h", 3.6e9}};

// One quantity such as "1.5MB", "500ms", "404".
std::optional<FilterError> parseQuantity(const FilterToken& t, std::string_view s, size_t pos, Unit unit,
                                         int64_t& value) {
  size_t i = 0;
  while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) ++i;
  const std::string_view digits = s.substr(0, i);
  const std::string_view suffix = s.substr(i);
  const bool hasDot = digits.find('.') != std::string_view::npos;
  if (digits.empty() || digits == "." || digits.find('.') != digits.rfind('.') || (hasDot && unit == Unit::Count)) {
    const char* example = unit == Unit::Count   ? "e.g. 404, >=400, 4xx, 200-299"
                          : unit == Unit::Bytes ? "e.g. >10k, <=1.5MB, 1k-2k"
                                                : "e.g. >500ms, >1s, <200us";
    return errorAt("bad number '" + std::string(s) + "' for " + fieldLabel(t) + " (" + example + ")", pos, s.size());
  }
  double factor = 1;
  if (unit == Unit::Micros) factor = 1000;  // a bare duration is in milliseconds
  if (!suffix.empty()) {
    bool found = false;
    if (unit != Unit::Count) {
      const auto* begin = unit == Unit::Bytes ? std::begin(kByteUnits) : std::begin(kTimeUnits);
      const auto* end = unit == Unit::Bytes ? std::end(kByteUnits) : std::end(kTimeUnits);
      for (const auto* u = begin; u != end; ++u) {
        if (iequals(suffix, u->name)) {
          factor = u->factor;
          found = true;
          break;
        }
      }
    }
    if (!found) {
      const char* units = unit == Unit::Count ? "no unit" : unit == Unit::Bytes ? "b, k, m, g" : "us, ms, s, m, h";
      return errorAt("unknown unit '" + std::string(suffix) + "' for " + fieldLabel(t) + " (use " + units + ")",
                     pos + i, suffix.size());
    }
  }
  const double number = std::strtod(std::string(digits).c_str(), nullptr) * factor;
  if (!(number < 9.2e18)) return errorAt("number too large", pos, s.size());
  value = std::llround(number);
  return std::nullopt;
}

std::optional<FilterError> parseNumeric(const FilterToken& t, std::string_view raw, size_t pos, Unit unit,
                                        bool statusClasses, FilterPredicate& out) {
  out.op = FilterOp::Range;
  if (raw.empty()) return errorAt("empty value after " + fieldLabel(t), t.position, t.length);
  if (raw[0] == '~') return errorAt("regular expressions do not apply to " + fieldLabel(t), pos, 1);
  if (statusClasses && raw.size() == 3 && raw[0] >= '1' && raw[0] <= '5' && (raw[1] == 'x' || raw[1] == 'X') &&
      (raw[2] == 'x' || raw[2] == 'X')) {
    out.lo = (raw[0] - '0') * 100;
    out.hi = out.lo + 99;
    return std::nullopt;
  }
  size_t opLen = 0;
  if (raw.substr(0, 2) == ">=" || raw.substr(0, 2) == "<=")
    opLen = 2;
  else if (raw[0] == '>' || raw[0] == '<' || raw[0] == '=')
    opLen = 1;
  const std::string_view op = raw.substr(0, opLen);
  const std::string_view rest = raw.substr(opLen);
  if (rest.empty()) return errorAt("missing number after '" + std::string(op) + "'", pos, raw.size());
  const size_t dash = rest.find('-', 1);
  if (opLen == 0 && dash != std::string_view::npos) {
    int64_t a = 0;
    int64_t b = 0;
    if (auto e = parseQuantity(t, rest.substr(0, dash), pos, unit, a)) return e;
    if (auto e = parseQuantity(t, rest.substr(dash + 1), pos + dash + 1, unit, b)) return e;
    if (a > b) return errorAt("empty range: " + std::string(raw), pos, raw.size());
    out.lo = a;
    out.hi = b;
    return std::nullopt;
  }
  int64_t v = 0;
  if (auto e = parseQuantity(t, rest, pos + opLen, unit, v)) return e;
  if (op == ">")
    out.lo = v + 1;
  else if (op == ">=")
    out.lo = v;
  else if (op == "<")
    out.hi = v - 1;
  else if (op == "<=")
    out.hi = v;
  else
    out.lo = out.hi = v;
  return std::nullopt;
}

std::optional<FilterError> parseText(const FilterToken& t, FilterPredicate& out, bool exactByDefault) {
  Operand op;
  if (auto e = parseOperand(t, t.value, t.valuePosition, true, op)) return e;
  if (op.mode == Mode::Regex) return compileRegex(op, out);
  if (op.mode == Mode::Equals || exactByDefault) {
    out.op = FilterOp::Equals;
    out.value = op.literal;
  } else {
    out.op = FilterOp::Contains;
    out.value = asciiLowered(op.literal);
  }
  return std::nullopt;
}

std::optional<FilterError> parseType(const FilterToken& t, FilterPredicate& out) {
  Operand op;
  if (auto e = parseOperand(t, t.value, t.valuePosition, true, op)) return e;
  if (op.mode == Mode::Regex) return compileRegex(op, out);
  if (op.mode == Mode::Equals) {
    out.op = FilterOp::Equals;
    out.value = op.literal;
    return std::nullopt;
  }
  out.value = asciiLowered(op.literal);
  out.family = findMimeFamily(op.literal);
  if (out.family >= 0)
    out.op = FilterOp::Family;
  else
    out.op = out.value.find('/') != std::string::npos ? FilterOp::Prefix : FilterOp::Contains;
  return std::nullopt;
}

std::optional<FilterError> parseHeader(const FilterToken& t, FilterPredicate& out) {
  const std::string_view raw = t.value;
  const size_t sep = raw.find_first_of("=:");
  const std::string_view name = raw.substr(0, sep);
  if (name.empty()) {
    const char* what = raw.empty() ? "missing header name after " : "empty header name in ";
    return errorAt(what + fieldLabel(t) + " (e.g. header:Content-Type=text/html)", t.position, t.length);
  }
  out.headerName = std::string(name);
  if (sep == std::string_view::npos) {
    out.op = FilterOp::Exists;
    return std::nullopt;
  }
  Operand op;
  if (auto e = parseOperand(t, raw.substr(sep + 1), t.valuePosition + sep + 1, false, op, raw[sep] == '=')) return e;
  if (op.mode == Mode::Regex) return compileRegex(op, out);
  if (raw[sep] == '=') {
    out.op = FilterOp::Equals;
    out.value = op.literal;
  } else {
    if (op.literal.empty()) return errorAt("empty value after " + fieldLabel(t), t.position, t.length);
    out.op = FilterOp::Contains;
    out.value = asciiLowered(op.literal);
  }
  return std::nullopt;
}

std::optional<FilterError> parseIs(const FilterToken& t, FilterPredicate& out) {
  Operand op;
  if (auto e = parseOperand(t, t.value, t.valuePosition, false, op)) return e;
  if (op.mode == Mode::Regex) return errorAt("regular expressions do not apply to 'is:'", t.valuePosition, 1);
  out.op = FilterOp::Flag;
  out.value = asciiLowered(op.literal);
  out.flag = lookupFlag(op.literal).value_or(FilterFlag::Tag);
  return std::nullopt;
}

}  // namespace

std::optional<FilterError> buildPredicate(const FilterToken& t, FilterField field, FilterPredicate& out) {
  out.field = field;
  switch (field) {
    case FilterField::Host:
    case FilterField::Path:
    case FilterField::Url:
    case FilterField::Client:
    case FilterField::Backend:
      return parseText(t, out, false);
    case FilterField::Method:
    case FilterField::Scheme:
      return parseText(t, out, true);
    case FilterField::Status:
      return parseNumeric(t, t.value, t.valuePosition, Unit::Count, true, out);
    case FilterField::Port:
    case FilterField::Id:
      return parseNumeric(t, t.value, t.valuePosition, Unit::Count, false, out);
    case FilterField::Size:
    case FilterField::ReqSize:
    case FilterField::ResSize:
      return parseNumeric(t, t.value, t.valuePosition, Unit::Bytes, false, out);
    case FilterField::Duration:
      return parseNumeric(t, t.value, t.valuePosition, Unit::Micros, false, out);
    case FilterField::Type:
    case FilterField::ReqType:
    case FilterField::ResType:
      return parseType(t, out);
    case FilterField::Header:
    case FilterField::ReqHeader:
    case FilterField::ResHeader:
      return parseHeader(t, out);
    case FilterField::Body:
    case FilterField::ReqBody:
    case FilterField::ResBody: {
      Operand op;
      if (auto e = parseOperand(t, t.value, t.valuePosition, false, op)) return e;
      if (op.mode == Mode::Regex) return compileRegex(op, out);
      out.op = FilterOp::Contains;
      out.value = asciiLowered(op.literal);
      return std::nullopt;
    }
    case FilterField::Is:
      return parseIs(t, out);
    case FilterField::Text:
      break;
  }
  return errorAt("internal: unhandled field", t.position, t.length);
}

}  // namespace ps::engine
