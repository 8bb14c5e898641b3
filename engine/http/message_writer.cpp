#include "engine/http/message_writer.h"

#include <array>
#include <charconv>

namespace ps::engine::http {

namespace {

void appendVersion(std::string& out, int major, int minor) {
  out += "HTTP/";
  out += static_cast<char>('0' + (major % 10));
  out += '.';
  out += static_cast<char>('0' + (minor % 10));
}

void appendFields(std::string& out, const Headers& headers) {
  for (const auto& f : headers) {
    out += f.name;
    out += ": ";
    out += f.value;
    out += "\r\n";
  }
  out += "\r\n";
}

size_t fieldsSize(const Headers& headers) {
  size_t n = 2;
  for (const auto& f : headers) n += f.name.size() + f.value.size() + 4;
  return n;
}

std::string_view trimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string writeRequestHead(const RequestHead& head) {
  std::string out;
  out.reserve(head.method.size() + head.target.size() + 12 + fieldsSize(head.headers));
  out += head.method;
  out += ' ';
  out += head.target;
  out += ' ';
  appendVersion(out, head.versionMajor, head.versionMinor);
  out += "\r\n";
  appendFields(out, head.headers);
  return out;
}

std::string writeResponseHead(const ResponseHead& head) {
  std::string out;
  std::string_view reason = head.reason.empty() ? reasonPhrase(head.status) : std::string_view(head.reason);
  out.reserve(reason.size() + 16 + fieldsSize(head.headers));
  appendVersion(out, head.versionMajor, head.versionMinor);
  out += ' ';
  std::array<char, 8> digits{};
  auto [end, ec] = std::to_chars(digits.data(), digits.data() + digits.size(), head.status);
  (void)ec;
  out.append(digits.data(), end);
  out += ' ';
  out += reason;
  out += "\r\n";
  appendFields(out, head.headers);
  return out;
}

std::string chunkPrefix(size_t size) {
  std::array<char, 24> digits{};
  auto [end, ec] = std::to_chars(digits.data(), digits.data() + digits.size(), size, 16);
  (void)ec;
  std::string out(digits.data(), end);
  out += "\r\n";
  return out;
}

namespace {

// The fixed hop-by-hop fields (RFC 9110 7.6.1, plus Keep-Alive and Proxy-Connection), picked by length
// first: this runs on every forwarded head, and most fields are none of these.
bool isFixedHopByHop(std::string_view name) {
  switch (name.size()) {
    case 2: return iequals(name, "TE");
    case 7: return iequals(name, "Trailer") || iequals(name, "Upgrade");
    case 10: return iequals(name, "Connection") || iequals(name, "Keep-Alive");
    case 16: return iequals(name, "Proxy-Connection");
    case 17: return iequals(name, "Transfer-Encoding");
    case 18: return iequals(name, "Proxy-Authenticate");
    case 19: return iequals(name, "Proxy-Authorization");
    default: return false;
  }
}

}  // namespace

namespace {

// Which fields of a head are hop-by-hop (RFC 9110 7.6.1): the fixed ones, and those the Connection
// fields name. Views into the Connection values: valid while the head's fields do not move. No
// allocation for up to 8 named fields.
class HopByHop {
 public:
  explicit HopByHop(const Headers& headers) {
    // A field can only be named in Connection when Connection itself is present, so a head without
    // any fixed hop-by-hop field has none.
    for (const auto& f : headers) {
      if (isFixedHopByHop(f.name)) {
        m_any = true;
        break;
      }
    }
    if (!m_any) return;
    for (const auto& f : headers) {
      if (f.name.size() != 10 || !iequals(f.name, "connection")) continue;
      std::string_view v = f.value;
      while (!v.empty()) {
        size_t comma = v.find(',');
        std::string_view token = trimOws(v.substr(0, comma));
        if (!token.empty()) {
          if (m_count < m_inline.size()) {
            m_inline[m_count++] = token;
          } else {
            m_more.push_back(token);
          }
        }
        if (comma == std::string_view::npos) break;
        v.remove_prefix(comma + 1);
      }
    }
  }
  bool any() const { return m_any; }
  bool contains(std::string_view name) const {
    if (!m_any) return false;
    if (isFixedHopByHop(name)) return true;
    for (size_t i = 0; i < m_count; ++i) {
      if (iequals(m_inline[i], name)) return true;
    }
    for (auto n : m_more) {
      if (iequals(n, name)) return true;
    }
    return false;
  }

 private:
  bool m_any = false;
  std::array<std::string_view, 8> m_inline;
  size_t m_count = 0;
  std::vector<std::string_view> m_more;
};

// Marks the hop-by-hop fields, reports each (onRemoved(name), before it moves), then compacts the
// rest in order. Runs on every forwarded head: no allocation for heads of up to 64 fields.
template <class OnRemoved>
void stripHops(Headers& headers, OnRemoved&& onRemoved) {
  auto& fields = headers.fields();
  const HopByHop hops(headers);
  if (!hops.any()) return;
  std::array<bool, 64> inlineMarks{};
  std::vector<bool> manyMarks;
  if (fields.size() > inlineMarks.size()) manyMarks.resize(fields.size());
  auto mark = [&](size_t i) -> void {
    if (manyMarks.empty()) {
      inlineMarks[i] = true;
    } else {
      manyMarks[i] = true;
    }
  };
  auto marked = [&](size_t i) { return manyMarks.empty() ? inlineMarks[i] : static_cast<bool>(manyMarks[i]); };
  for (size_t i = 0; i < fields.size(); ++i) {
    if (hops.contains(fields[i].name)) {
      mark(i);
      onRemoved(fields[i].name);
    }
  }
  size_t out = 0;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (marked(i)) continue;
    if (out != i) fields[out] = std::move(fields[i]);
    ++out;
  }
  fields.resize(out);
}

}  // namespace

void copyEndToEnd(const Headers& from, Headers& to) {
  const HopByHop hops(from);
  auto& out = to.fields();
  size_t n = 0;
  for (const auto& f : from) {
    if (hops.contains(f.name)) continue;
    if (n < out.size()) {
      out[n].name.assign(f.name);  // into the string already there: its buffer is reused
      out[n].value.assign(f.value);
    } else {
      out.push_back(f);
    }
    ++n;
  }
  out.resize(n);
}

void stripHopByHop(Headers& headers) {
  stripHops(headers, [](const std::string&) {});
}

std::vector<std::string> removeHopByHop(Headers& headers) {
  std::vector<std::string> removed;
  stripHops(headers, [&removed](const std::string& name) {
    bool seen = false;
    for (const auto& r : removed) seen = seen || iequals(r, name);
    if (!seen) removed.push_back(name);
  });
  return removed;
}

std::string_view reasonPhrase(int status) {
  // RFC 9110 section 15.
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 102: return "Processing";
    case 103: return "Early Hints";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 203: return "Non-Authoritative Information";
    case 204: return "No Content";
    case 205: return "Reset Content";
    case 206: return "Partial Content";
    case 207: return "Multi-Status";
    case 300: return "Multiple Choices";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 305: return "Use Proxy";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 407: return "Proxy Authentication Required";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 418: return "I'm a teapot";
    case 421: return "Misdirected Request";
    case 422: return "Unprocessable Content";
    case 425: return "Too Early";
    case 426: return "Upgrade Required";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 451: return "Unavailable For Legal Reasons";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    case 511: return "Network Authentication Required";
    default: break;
  }
  if (status >= 100 && status < 200) return "Informational";
  if (status >= 200 && status < 300) return "Success";
  if (status >= 300 && status < 400) return "Redirection";
  if (status >= 400 && status < 500) return "Client Error";
  return "Server Error";
}

std::string simpleResponse(int status, std::string_view body, bool close) {
  ResponseHead head;
  head.status = status;
  head.headers.add("Content-Type", "text/plain; charset=utf-8");
  head.headers.add("Content-Length", std::to_string(body.size()));
  if (close) head.headers.add("Connection", "close");
  std::string out = writeResponseHead(head);
  out += body;
  return out;
}

}  // namespace ps::engine::http
