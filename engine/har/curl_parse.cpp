// parseCurlCommand: a POSIX-shell tokeniser followed by curl's option reading (see curl_export.h).
#include <optional>
#include <vector>

#include "engine/core/header_json.h"
#include "engine/har/curl_export.h"
#include "engine/har/har_text.h"

namespace ps::engine::har {

namespace {

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}


// bash's $'…' (ANSI-C quoting): the escapes browsers use when they copy binary-ish bodies.
size_t readAnsiC(std::string_view s, size_t i, std::string& out, std::string& error) {
  while (i < s.size() && s[i] != '\'') {
    if (s[i] != '\\' || i + 1 >= s.size()) {
      out += s[i++];
      continue;
    }
    char e = s[++i];
    ++i;
    switch (e) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'a': out += '\a'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'v': out += '\v'; break;
      case 'e': case 'E': out += '\x1b'; break;
      case 'x': {
        int v = 0, n = 0;
        while (n < 2 && i < s.size() && hexDigit(s[i]) >= 0) v = v * 16 + hexDigit(s[i++]), ++n;
        out += static_cast<char>(v);
        break;
      }
      case 'u': case 'U': {
        uint32_t v = 0;
        int n = 0;
        while (n < (e == 'u' ? 4 : 8) && i < s.size() && hexDigit(s[i]) >= 0) v = v * 16 + static_cast<uint32_t>(hexDigit(s[i++])), ++n;
        appendUtf8(out, v);
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          int v = e - '0', n = 1;
          while (n < 3 && i < s.size() && s[i] >= '0' && s[i] <= '7') v = v * 8 + (s[i++] - '0'), ++n;
          out += static_cast<char>(v & 0xFF);
        } else {
          out += e;  // \\ \' \" and unknown escapes stand for the character
        }
    }
  }
  if (i >= s.size()) error = "unterminated $'...' quote";
  return i + 1;
}

Result<std::vector<std::string>> shellSplit(std::string_view s) {
  std::vector<std::string> words;
  std::string cur;
  bool inWord = false;
  size_t i = 0;
  auto unsupported = [&](const std::string& what) { return Error{what + " at position " + std::to_string(i) + " is not supported"}; };
  while (i < s.size()) {
    char c = s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (inWord) words.push_back(std::move(cur)), cur.clear(), inWord = false;
      ++i;
    } else if (c == '\\') {
      if (i + 1 < s.size() && s[i + 1] == '\n') i += 2;  // line continuation
      else if (i + 2 < s.size() && s[i + 1] == '\r' && s[i + 2] == '\n') i += 3;
      else if (i + 1 < s.size()) cur += s[i + 1], inWord = true, i += 2;
      else ++i;
    } else if (c == '\'') {
      size_t close = s.find('\'', i + 1);
      if (close == std::string_view::npos) return Error{"unterminated ' quote"};
      cur += s.substr(i + 1, close - i - 1);
      inWord = true;
      i = close + 1;
    } else if (c == '$' && i + 1 < s.size() && s[i + 1] == '\'') {
      std::string error;
      i = readAnsiC(s, i + 2, cur, error);
      if (!error.empty()) return Error{error};
      inWord = true;
    } else if (c == '"') {
      ++i;
      while (i < s.size() && s[i] != '"') {
        if (s[i] == '\\' && i + 1 < s.size() && std::string_view("$`\"\\\n").find(s[i + 1]) != std::string_view::npos) {
          if (s[i + 1] != '\n') cur += s[i + 1];
          i += 2;
        } else if (s[i] == '$' || s[i] == '`') {
          return unsupported("shell expansion");
        } else {
          cur += s[i++];
        }
      }
      if (i >= s.size()) return Error{"unterminated \" quote"};
      ++i;
      inWord = true;
    } else if (c == '#' && !inWord) {
      while (i < s.size() && s[i] != '\n') ++i;
    } else if (c == '$' || c == '`') {
      return unsupported("shell expansion");
    } else if (std::string_view("|;&<>()").find(c) != std::string_view::npos) {
      return unsupported(std::string("shell operator ") + c);
    } else {
      cur += c;
      inWord = true;
      ++i;
    }
  }
  if (inWord) words.push_back(std::move(cur));
  return words;
}

std::string formEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

struct CurlState {
  std::optional<std::string> method;
  std::optional<std::string> url;
  std::vector<std::string> headerArgs;
  std::vector<std::string> data;
  bool hasData = false;
  bool head = false;
  bool get = false;
  bool compressed = false;
  std::string userAgent, cookie, referer, user;
  int versionMajor = 1, versionMinor = 1;
};

enum class Arg { None, Required };

// Options that take no argument and do not change the request.
constexpr std::string_view kIgnoredFlags[] = {"-s", "--silent", "-S", "--show-error", "-L", "--location", "-k", "--insecure",
                                              "-v", "--verbose", "-i", "--include", "-g", "--globoff", "--path-as-is",
                                              "-f", "--fail", "-N", "--no-buffer", "-#", "--progress-bar", "--raw",
                                              "-n", "--netrc", "-q", "--tr-encoding", "--http2", "--http2-prior-knowledge", "--http3"};
// Options that take an argument and do not change the request.
constexpr std::string_view kIgnoredWithArg[] = {"-o", "--output", "-m", "--max-time", "--connect-timeout", "--retry", "-w",
                                                "--write-out", "-x", "--proxy", "--cacert", "--capath", "--cert", "--key",
                                                "-c", "--cookie-jar", "--resolve", "-D", "--dump-header", "--limit-rate",
                                                "--retry-delay", "--max-redirs", "-U", "--proxy-user", "--connect-to"};

template <size_t N>
bool listed(const std::string_view (&list)[N], std::string_view opt) {
  for (auto o : list) {
    if (o == opt) return true;
  }
  return false;
}

// Applies one option; returns an error message, or "" when fine.
std::string applyOption(CurlState& st, const std::string& opt, const std::string* value) {
  auto dataArg = [&](bool fileAllowed) -> std::string {
    if (fileAllowed && !value->empty() && value->front() == '@') return opt + " @FILE: reading data from a file is not supported";
    st.data.push_back(*value);
    st.hasData = true;
    return "";
  };
  if (opt == "-X" || opt == "--request") st.method = *value;
  else if (opt == "-H" || opt == "--header") st.headerArgs.push_back(*value);
  else if (opt == "-d" || opt == "--data" || opt == "--data-ascii" || opt == "--data-binary") return dataArg(true);
  else if (opt == "--data-raw") return dataArg(false);
  else if (opt == "--data-urlencode") {
    const std::string& v = *value;
    size_t eq = v.find('=');
    size_t at = v.find('@');
    if (at != std::string::npos && (eq == std::string::npos || at < eq)) return opt + " with @FILE is not supported";
    if (eq == std::string::npos) st.data.push_back(formEncode(v));
    else if (eq == 0) st.data.push_back(formEncode(v.substr(1)));
    else st.data.push_back(v.substr(0, eq + 1) + formEncode(v.substr(eq + 1)));
    st.hasData = true;
  } else if (opt == "-A" || opt == "--user-agent") st.userAgent = *value;
  else if (opt == "-b" || opt == "--cookie") {
    if (value->find('=') == std::string::npos) return opt + " FILE: reading cookies from a file is not supported";
    st.cookie = *value;
  } else if (opt == "-u" || opt == "--user") st.user = *value;
  else if (opt == "-e" || opt == "--referer") st.referer = *value;
  else if (opt == "--url") st.url = *value;
  else if (opt == "-I" || opt == "--head") st.head = true;
  else if (opt == "-G" || opt == "--get") st.get = true;
  else if (opt == "--compressed") st.compressed = true;
  else if (opt == "-0" || opt == "--http1.0") st.versionMinor = 0;
  else if (opt == "--http1.1") st.versionMinor = 1;
  else if (listed(kIgnoredFlags, opt) || listed(kIgnoredWithArg, opt)) return "";
  else return "option " + opt + " is not supported";
  return "";
}

bool takesArg(const std::string& opt) {
  static constexpr std::string_view kWithArg[] = {"-X", "--request", "-H", "--header", "-d", "--data", "--data-ascii",
                                                  "--data-binary", "--data-raw", "--data-urlencode", "-A", "--user-agent",
                                                  "-b", "--cookie", "-u", "--user", "-e", "--referer", "--url", "-F", "--form", "-T", "--upload-file"};
  return listed(kWithArg, opt) || listed(kIgnoredWithArg, opt);
}

}  // namespace

Result<Request> parseCurlCommand(std::string_view command) {
  auto words = shellSplit(command);
  if (!words) return words.error();
  const std::vector<std::string>& w = *words;
  if (w.empty() || !(w[0] == "curl" || w[0].ends_with("/curl") || w[0] == "curl.exe")) return Error{"not a curl command"};
  CurlState st;
  for (size_t i = 1; i < w.size(); ++i) {
    const std::string& a = w[i];
    std::vector<std::pair<std::string, std::optional<std::string>>> opts;
    if (a.size() > 2 && a[0] == '-' && a[1] == '-') {
      opts.emplace_back(a, std::nullopt);
    } else if (a.size() > 1 && a[0] == '-') {
      // A cluster of short options ("-sSL"); an option that takes an argument ends it ("-XPOST").
      for (size_t k = 1; k < a.size(); ++k) {
        std::string opt = std::string("-") + a[k];
        if (takesArg(opt) && k + 1 < a.size()) {
          opts.emplace_back(opt, a.substr(k + 1));
          break;
        }
        opts.emplace_back(opt, std::nullopt);
      }
    } else {
      if (st.url) return Error{"more than one URL: " + a};
      st.url = a;
      continue;
    }
    for (auto& [opt, attached] : opts) {
      if (opt == "-F" || opt == "--form") return Error{"option " + opt + " (multipart form) is not supported"};
      if (opt == "-T" || opt == "--upload-file") return Error{"option " + opt + " (upload a file) is not supported"};
      std::string value;
      if (takesArg(opt)) {
        if (attached) value = *attached;
        else if (i + 1 < w.size()) value = w[++i];
        else return Error{"option " + opt + " needs an argument"};
      }
      std::string err = applyOption(st, opt, &value);
      if (!err.empty()) return Error{err};
    }
  }
  if (!st.url) return Error{"no URL in the command"};
  std::string joined;
  for (size_t i = 0; i < st.data.size(); ++i) joined += (i ? "&" : "") + st.data[i];
  std::string urlText = *st.url;
  if (st.get && st.hasData) {
    urlText += (urlText.find('?') == std::string::npos ? "?" : "&") + joined;
    joined.clear();
    st.hasData = false;
  }
  auto url = parseUrl(urlText, "http");
  if (!url) return Error{"not an http(s) URL: " + *st.url};
  Request rq;
  rq.scheme = url->scheme;
  rq.host = url->host;
  rq.port = url->port;
  rq.path = url->path;
  rq.target = rq.path;
  rq.versionMajor = st.versionMajor;
  rq.versionMinor = st.versionMinor;
  rq.method = st.method ? *st.method : st.head ? "HEAD" : st.hasData ? "POST" : "GET";
  if (st.user.empty() && !url->userinfo.empty()) st.user = percentDecode(url->userinfo, false);

  // Custom headers: "Name: value" sets, "Name:" removes curl's own, "Name;" sends it empty.
  Headers custom;
  std::vector<std::string> removed;
  for (const std::string& h : st.headerArgs) {
    size_t colon = h.find(':');
    size_t semi = h.find(';');
    if (colon == std::string::npos && semi != std::string::npos && trimSpaces(std::string_view(h).substr(semi + 1)).empty()) {
      custom.add(std::string(trimSpaces(std::string_view(h).substr(0, semi))), "");
    } else if (colon != std::string::npos) {
      std::string name(trimSpaces(std::string_view(h).substr(0, colon)));
      std::string value(trimSpaces(std::string_view(h).substr(colon + 1)));
      if (value.empty()) removed.push_back(name);
      else custom.add(std::move(name), std::move(value));
    } else {
      return Error{"header \"" + h + "\" has no ':'"};
    }
  }
  auto wanted = [&](std::string_view name) {
    if (custom.has(name)) return false;
    for (const auto& r : removed) {
      if (iequals(r, name)) return false;
    }
    return true;
  };
  Headers& out = rq.headers;
  if (auto host = custom.get("Host")) out.add("Host", std::string(*host));
  else if (wanted("Host")) out.add("Host", rq.port == defaultPortFor(rq.scheme) ? (rq.host.find(':') != std::string::npos ? "[" + rq.host + "]" : rq.host) : rq.authority());
  if (!st.user.empty() && wanted("Authorization")) out.add("Authorization", "Basic " + base64Encode(st.user));
  if (!st.userAgent.empty() && wanted("User-Agent")) out.add("User-Agent", st.userAgent);
  if (wanted("Accept")) out.add("Accept", "*/*");
  if (!st.cookie.empty() && wanted("Cookie")) out.add("Cookie", st.cookie);
  if (!st.referer.empty() && wanted("Referer")) out.add("Referer", st.referer);
  if (st.compressed && wanted("Accept-Encoding")) out.add("Accept-Encoding", "deflate, gzip, br, zstd");
  for (const auto& f : custom) {
    if (!iequals(f.name, "Host")) out.add(f.name, f.value);
  }
  if (st.hasData) {
    if (wanted("Content-Length")) out.add("Content-Length", std::to_string(joined.size()));
    if (wanted("Content-Type")) out.add("Content-Type", "application/x-www-form-urlencoded");
    rq.body.captured = joined;
    rq.body.size = joined.size();
  }
  return rq;
}

}  // namespace ps::engine::har
