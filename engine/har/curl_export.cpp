#include "engine/har/curl_export.h"

#include <vector>

#include "engine/har/har_entry.h"
#include "engine/har/har_text.h"

namespace ps::engine::har {

namespace {

bool isTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool isToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!isTokenChar(c)) return false;
  }
  return true;
}

bool isPlainWord(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              std::string_view("-_./:=@,+%").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

// POSIX single quotes: nothing inside is special except ' itself, written as '\'' (close, escaped
// quote, reopen).
std::string shellQuote(std::string_view s) {
  if (isPlainWord(s)) return std::string(s);
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

// A printf format that prints the bytes exactly: printable ASCII as is, '%' doubled, '\\' doubled,
// everything else (and ') as a three-digit octal escape, which POSIX printf understands.
std::string printfFormat(std::string_view bytes) {
  std::string out = "'";
  for (char ch : bytes) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '%') out += "%%";
    else if (c == '\\') out += "\\\\";
    else if (c >= 0x20 && c < 0x7F && c != '\'') out += ch;
    else {
      out += '\\';
      out += static_cast<char>('0' + ((c >> 6) & 7));
      out += static_cast<char>('0' + ((c >> 3) & 7));
      out += static_cast<char>('0' + (c & 7));
    }
  }
  return out + "'";
}

bool hasDotSegment(std::string_view path) {
  path = path.substr(0, path.find('?'));
  for (std::string_view seg : {"/./", "/../"}) {
    if (path.find(seg) != std::string_view::npos) return true;
  }
  return path.ends_with("/.") || path.ends_with("/..");
}

void appendHead(std::string& out, const Headers& headers) {
  // An empty value is written "Name:" with no trailing space (what curl sends; RFC 9112 5: OWS).
  for (const auto& f : headers) out += f.value.empty() ? f.name + ":\r\n" : f.name + ": " + f.value + "\r\n";
  out += "\r\n";
}

void appendBody(std::string& out, const Headers& headers, const std::string& body) {
  if (headers.hasToken("Transfer-Encoding", "chunked")) {
    if (!body.empty()) {
      char size[32];
      std::snprintf(size, sizeof size, "%zx\r\n", body.size());
      out += size + body + "\r\n";
    }
    out += "0\r\n\r\n";
  } else {
    out += body;
  }
}

}  // namespace

Result<std::string> toCurlCommand(const Flow& flow, const CurlOptions& options) {
  const Request& rq = flow.request;
  if (rq.method == "CONNECT" || flow.kind == FlowKind::Tunnel) return Error{"a CONNECT tunnel cannot be copied as a cURL command"};
  if (!isToken(rq.method)) return Error{"the method is not an HTTP token"};
  for (const auto& f : rq.headers) {
    if (!isToken(f.name)) return Error{"header name \"" + f.name + "\" is not an HTTP token"};
    if (f.value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      return Error{"header " + f.name + " holds CR, LF or NUL, which an HTTP/1.1 field value cannot carry (RFC 9110 5.5)"};
    }
  }
  const std::string& body = rq.body.captured;
  const bool hasBody = !body.empty();
  const bool binary = hasBody && !isText(body);
  std::vector<std::string> args{"curl"};
  if (rq.method == "HEAD" && !hasBody) args.emplace_back("--head");
  else if ((hasBody && rq.method != "POST") || (!hasBody && rq.method != "GET")) args.push_back("-X " + shellQuote(rq.method));
  if (rq.versionMajor == 1 && rq.versionMinor == 0) args.emplace_back("--http1.0");
  const std::string url = rq.url();
  if (url.find_first_of("[]{}") != std::string::npos) args.emplace_back("--globoff");
  if (hasDotSegment(rq.path)) args.emplace_back("--path-as-is");
  args.push_back(shellQuote(url));
  for (const auto& f : rq.headers) {
    if (rq.body.truncated() && iequals(f.name, "Content-Length")) continue;
    args.push_back("-H " + shellQuote(f.value.empty() ? f.name + ";" : f.name + ": " + f.value));
  }
  // Headers curl adds on its own unless told otherwise ("Name:" removes one).
  std::vector<std::string_view> suppress{"Host", "User-Agent", "Accept"};
  if (hasBody) suppress.push_back("Content-Type");
  if (body.size() > 1024) suppress.push_back("Expect");
  for (auto name : suppress) {
    if (!rq.headers.has(name)) args.push_back("-H " + shellQuote(std::string(name) + ":"));
  }
  if (rq.headers.has("Accept-Encoding")) args.emplace_back("--compressed");
  std::string prefix;
  if (binary) {
    prefix = "printf " + printfFormat(body) + " | ";
    args.emplace_back("--data-binary @-");
  } else if (hasBody) {
    args.push_back("--data-raw " + shellQuote(body));
  }
  std::string out = prefix;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0) out += options.multiline ? " \\\n  " : " ";
    out += args[i];
  }
  return out;
}

std::string toRawHttpRequest(const Request& rq) {
  std::string out = rq.method + " " + rq.target + " " + httpVersionString(rq.versionMajor, rq.versionMinor) + "\r\n";
  appendHead(out, rq.headers);
  appendBody(out, rq.headers, rq.body.captured);
  return out;
}

std::string toRawHttpResponse(const Response& rs) {
  std::string out = httpVersionString(rs.versionMajor, rs.versionMinor) + " " + std::to_string(rs.status) + " " + rs.reason + "\r\n";
  appendHead(out, rs.headers);
  appendBody(out, rs.headers, rs.body.captured);
  return out;
}

std::string toRawHttp(const Flow& flow) {
  std::string out = toRawHttpRequest(flow.request);
  if (flow.response) out += toRawHttpResponse(*flow.response);
  return out;
}

}  // namespace ps::engine::har
