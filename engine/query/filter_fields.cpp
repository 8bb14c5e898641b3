#include "engine/query/filter_fields.h"

#include <algorithm>

#include "engine/query/text_match.h"

namespace ps::engine {

namespace {

struct FieldEntry {
  const char* name;
  FilterField field;
  const char* syntax;
  const char* help;
};

// Order = the order the filter bar lists them.
const FieldEntry kFields[] = {
    {"host", FilterField::Host, "host:api | host:=a.com | host:~^api\\.", "request host, substring (= exact, ~ regex)"},
    {"method", FilterField::Method, "method:POST | method:~^P", "request method, exact (case-insensitive)"},
    {"status", FilterField::Status, "status:404 | >=400 | 4xx | 200-299", "response status code"},
    {"path", FilterField::Path, "path:/api | path:~\\.js$", "URL path without the query, substring"},
    {"url", FilterField::Url, "url:token= | url:~...", "full URL, substring"},
    {"scheme", FilterField::Scheme, "scheme:https", "http or https, exact"},
    {"port", FilterField::Port, "port:8080 | port:>=1024", "request port"},
    {"type", FilterField::Type, "type:json | type:image | type:application/pdf",
     "response Content-Type (the request's when the response has none): family, media type or substring"},
    {"mime", FilterField::Type, "mime:json", "same as type:"},
    {"req.type", FilterField::ReqType, "req.type:form", "request Content-Type"},
    {"res.type", FilterField::ResType, "res.type:html", "response Content-Type"},
    {"size", FilterField::Size, "size:>10k | size:<=1.5MB | size:1k-2k", "response body size (k = 1024)"},
    {"req.size", FilterField::ReqSize, "req.size:>1M", "request body size"},
    {"res.size", FilterField::ResSize, "res.size:0", "response body size"},
    {"duration", FilterField::Duration, "duration:>500ms | >1s | <200us", "total time (a bare number is ms)"},
    {"header", FilterField::Header, "header:X-Id | header:Accept=*/* | header:Cookie:sid | header:A=~re",
     "request or response header: exists, = equals, : contains, =~ regex"},
    {"req.header", FilterField::ReqHeader, "req.header:Authorization", "request header"},
    {"res.header", FilterField::ResHeader, "res.header:Set-Cookie:sid", "response header"},
    {"body", FilterField::Body, "body:error | body:~\"a b\"", "request or response text body, substring"},
    {"req.body", FilterField::ReqBody, "req.body:password", "request text body"},
    {"res.body", FilterField::ResBody, "res.body:\"not found\"", "response text body"},
    {"backend", FilterField::Backend, "backend:api-1", "reverse proxy backend that answered"},
    {"client", FilterField::Client, "client:127.0.0.1", "client address (ip:port)"},
    {"id", FilterField::Id, "id:42 | id:100-200", "flow id"},
    {"is", FilterField::Is, "is:error | replay | intercepted | websocket | tunnel | cached", "flow state or tag"},
};

const char* const kFlags[] = {"error", "replay", "intercepted", "websocket", "tunnel", "http", "forward", "reverse"};
const FilterFlag kFlagValues[] = {FilterFlag::Error,     FilterFlag::Replay, FilterFlag::Intercepted,
                                  FilterFlag::WebSocket, FilterFlag::Tunnel, FilterFlag::Http,
                                  FilterFlag::Forward,   FilterFlag::Reverse};

size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (asciiLower(a[i - 1]) == asciiLower(b[j - 1]) ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

bool isTermBoundary(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '(' || c == ')'; }

}  // namespace

std::vector<FilterFieldInfo> filterFields() {
  std::vector<FilterFieldInfo> out;
  for (const auto& f : kFields) out.push_back({f.name, f.syntax, f.help});
  return out;
}

std::vector<std::string> fieldNames() {
  std::vector<std::string> out;
  for (const auto& f : kFields) out.emplace_back(f.name);
  return out;
}

std::optional<FilterField> lookupField(std::string_view name) {
  for (const auto& f : kFields) {
    if (iequals(name, f.name)) return f.field;
  }
  return std::nullopt;
}

std::string suggestField(std::string_view unknownName) {
  std::string best;
  size_t bestDistance = 3;
  for (const auto& f : kFields) {
    const std::string_view name = f.name;
    const size_t d = editDistance(unknownName, name);
    if (d < bestDistance) {
      bestDistance = d;
      best = f.name;
    }
  }
  if (best.empty() && unknownName.size() >= 2) {
    const std::string lower = asciiLowered(unknownName);
    for (const auto& f : kFields) {
      if (istartsWith(f.name, lower)) return f.name;
    }
  }
  return best;
}

const std::vector<MimeFamily>& mimeFamilies() {
  static const std::vector<MimeFamily> kFamilies = {
      {"json", {{false, "json"}}},
      {"html", {{false, "html"}}},
      {"xml", {{false, "xml"}}},
      {"js", {{false, "javascript"}, {false, "ecmascript"}}},
      {"javascript", {{false, "javascript"}, {false, "ecmascript"}}},
      {"css", {{false, "text/css"}}},
      {"image", {{true, "image/"}}},
      {"img", {{true, "image/"}}},
      {"font", {{true, "font/"}, {false, "font-"}, {false, "fontobject"}, {false, "woff"}}},
      {"text", {{true, "text/"}}},
      {"video", {{true, "video/"}}},
      {"audio", {{true, "audio/"}}},
      {"media", {{true, "video/"}, {true, "audio/"}}},
      {"form", {{false, "x-www-form-urlencoded"}, {true, "multipart/form-data"}}},
      {"multipart", {{true, "multipart/"}}},
      {"binary", {{false, "octet-stream"}}},
      {"wasm", {{false, "wasm"}}},
      {"grpc", {{false, "grpc"}}},
      {"protobuf", {{false, "protobuf"}}},
      {"pdf", {{false, "pdf"}}},
      {"event-stream", {{false, "event-stream"}}},
  };
  return kFamilies;
}

int findMimeFamily(std::string_view name) {
  const auto& families = mimeFamilies();
  for (size_t i = 0; i < families.size(); ++i) {
    if (iequals(name, families[i].name)) return static_cast<int>(i);
  }
  return -1;
}

std::optional<FilterFlag> lookupFlag(std::string_view name) {
  for (size_t i = 0; i < std::size(kFlags); ++i) {
    if (iequals(name, kFlags[i])) return kFlagValues[i];
  }
  return std::nullopt;
}

std::vector<std::string> valueSuggestions(std::string_view fieldName) {
  const auto field = lookupField(fieldName);
  if (!field) return {};
  switch (*field) {
    case FilterField::Method:
      return {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "CONNECT"};
    case FilterField::Scheme:
      return {"http", "https"};
    case FilterField::Status:
      return {"2xx", "3xx", "4xx", "5xx", ">=400", "200", "304", "404", "500"};
    case FilterField::Type:
    case FilterField::ReqType:
    case FilterField::ResType: {
      std::vector<std::string> out;
      for (const auto& f : mimeFamilies()) out.push_back(f.name);
      return out;
    }
    case FilterField::Is: {
      std::vector<std::string> out(std::begin(kFlags), std::end(kFlags));
      out.emplace_back("cached");
      return out;
    }
    case FilterField::Size:
    case FilterField::ReqSize:
    case FilterField::ResSize:
      return {">1k", ">100k", ">1M", "0"};
    case FilterField::Duration:
      return {">100ms", ">500ms", ">1s", ">5s"};
    case FilterField::Header:
    case FilterField::ReqHeader:
    case FilterField::ResHeader:
      return {"Content-Type", "Authorization", "Cookie", "Set-Cookie", "Cache-Control", "User-Agent", "Location"};
    default:
      return {};
  }
}

FilterCompletion completionAt(std::string_view text, size_t cursor) {
  cursor = std::min(cursor, text.size());
  // Walk back to the start of the current term; quotes are skipped naively (a term being typed
  // rarely holds a complete quoted phrase with blanks before the cursor).
  size_t start = 0;
  bool inQuote = false;
  for (size_t i = 0; i < cursor; ++i) {
    if (text[i] == '"' && (i == 0 || text[i - 1] != '\\')) inQuote = !inQuote;
    if (!inQuote && isTermBoundary(text[i])) start = i + 1;
  }
  while (start < cursor && text[start] == '-') ++start;  // negation is not part of the name
  const std::string_view term = text.substr(start, cursor - start);
  FilterCompletion c;
  const size_t colon = term.find(':');
  if (colon != std::string_view::npos && colon > 0 && lookupField(term.substr(0, colon))) {
    c.kind = FilterCompletion::Kind::Value;
    c.field = std::string(term.substr(0, colon));
    c.prefix = std::string(term.substr(colon + 1));
    c.replaceStart = start + colon + 1;
  } else {
    c.prefix = std::string(term);
    c.replaceStart = start;
  }
  // The replaced range runs to the end of the term under the cursor.
  size_t end = cursor;
  while (end < text.size() && !isTermBoundary(text[end])) ++end;
  c.replaceLength = end - c.replaceStart;
  return c;
}

}  // namespace ps::engine
