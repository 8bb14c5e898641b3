#include "engine/policy/rewrite_rules.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace ps::engine {

namespace {
std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hexValue(s[i + 1]) >= 0 && hexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(hexValue(s[i + 1]) * 16 + hexValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}
}  // namespace

bool hostMatches(std::string_view pattern, std::string_view host) {
  std::string p = lower(pattern), h = lower(host);
  if (p == "*") return true;
  if (p.rfind("*.", 0) == 0) {
    std::string suffix = p.substr(1);  // ".example.com"
    return h.size() > suffix.size() && h.compare(h.size() - suffix.size(), suffix.size(), suffix) == 0;
  }
  return p == h;
}

std::string contentTypeForPath(std::string_view path) {
  std::string ext = lower(std::filesystem::path(std::string(path)).extension().string());
  static const std::pair<const char*, const char*> kTypes[] = {
      {".html", "text/html; charset=utf-8"}, {".htm", "text/html; charset=utf-8"}, {".css", "text/css"},
      {".js", "text/javascript"},            {".mjs", "text/javascript"},          {".json", "application/json"},
      {".xml", "application/xml"},           {".txt", "text/plain; charset=utf-8"}, {".svg", "image/svg+xml"},
      {".png", "image/png"},                 {".jpg", "image/jpeg"},               {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},                 {".webp", "image/webp"},              {".ico", "image/x-icon"},
      {".wasm", "application/wasm"},         {".woff2", "font/woff2"},             {".pdf", "application/pdf"}};
  for (const auto& [e, t] : kTypes) {
    if (ext == e) return t;
  }
  return "application/octet-stream";
}

LocalAnswer mapLocal(const MapLocalRule& rule, const Request& request) {
  namespace fs = std::filesystem;
  LocalAnswer answer;
  std::string url = request.url();
  std::string rest = url.size() > rule.urlPrefix.size() ? url.substr(rule.urlPrefix.size()) : std::string();
  rest = rest.substr(0, rest.find_first_of("?#"));
  fs::path base(rule.path);
  std::error_code ec;
  fs::path file = base;
  if (fs::is_directory(base, ec)) {
    std::string decoded = percentDecode(rest);
    fs::path relative = fs::path(decoded).lexically_normal();
    // A folder mapping must never reach outside its folder.
    if (relative.is_absolute() || (!relative.empty() && *relative.begin() == "..") || decoded.find('\0') != std::string::npos) {
      answer.status = 403;
      answer.contentType = "text/plain; charset=utf-8";
      answer.body = "Map Local: the path leaves the mapped folder " + rule.path + "\n";
      return answer;
    }
    file = base / relative;
    if (fs::is_directory(file, ec)) file /= "index.html";
  }
  answer.file = file.string();
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    answer.status = 404;
    answer.contentType = "text/plain; charset=utf-8";
    answer.body = "Map Local: no file " + file.string() + "\n";
    return answer;
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  answer.body = buf.str();
  answer.contentType = contentTypeForPath(file.string());
  return answer;
}

std::optional<std::string> mapRemote(const MapRemoteRule& rule, const Request& request) {
  std::string url = request.url();
  if (url.compare(0, rule.urlPrefix.size(), rule.urlPrefix) != 0) return std::nullopt;
  return rule.target + url.substr(rule.urlPrefix.size());
}

Result<void> validateRewrite(const RewriteRule& rule) {
  using A = RewriteRule::Action;
  if ((rule.action == A::AddHeader || rule.action == A::SetHeader || rule.action == A::RemoveHeader ||
       rule.action == A::ReplaceHeaderValue) && rule.header.empty()) {
    return Error{"a header action needs \"header\""};
  }
  if (rule.action == A::SetStatus && (rule.status < 100 || rule.status > 999)) {
    return Error{"status must be 100-999"};
  }
  if (rule.action == A::ReplaceBody || rule.action == A::ReplaceHeaderValue) {
    if (rule.pattern.empty()) return Error{"a replace action needs \"pattern\""};
    try {
      std::regex re(rule.pattern, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return Error{"invalid regular expression '" + rule.pattern + "': " + e.what()};
    }
  }
  return {};
}

bool applyRewrite(const RewriteRule& rule, Headers& headers, std::string& body, int& status) {
  using A = RewriteRule::Action;
  switch (rule.action) {
    case A::AddHeader:
      headers.add(rule.header, rule.value);
      return true;
    case A::SetHeader:
      headers.set(rule.header, rule.value);
      return true;
    case A::RemoveHeader:
      return headers.remove(rule.header) > 0;
    case A::SetStatus:
      if (status == rule.status) return false;
      status = rule.status;
      return true;
    case A::ReplaceHeaderValue: {
      std::regex re(rule.pattern, std::regex::ECMAScript);
      bool changed = false;
      for (auto& f : headers.fields()) {
        if (!iequals(f.name, rule.header)) continue;
        std::string replaced = std::regex_replace(f.value, re, rule.value);
        changed = changed || replaced != f.value;
        f.value = std::move(replaced);
      }
      return changed;
    }
    case A::ReplaceBody: {
      std::regex re(rule.pattern, std::regex::ECMAScript);
      std::string replaced = std::regex_replace(body, re, rule.value);
      if (replaced == body) return false;
      body = std::move(replaced);
      // The framing is the writer's business: it sets Content-Length from the new body.
      return true;
    }
  }
  return false;
}

std::vector<std::string> applyAnonymity(const AnonymityPolicy& policy, const std::string& host, Headers& forwarded) {
  std::vector<std::string> changed;
  for (const auto& name : policy.strip) {
    if (forwarded.remove(name) > 0) changed.push_back(name);
  }
  for (const auto& pattern : policy.stripCookiesFor) {
    if (hostMatches(pattern, host) && forwarded.remove("Cookie") > 0) {
      changed.emplace_back("Cookie");
      break;
    }
  }
  for (const auto& f : policy.replace) {
    forwarded.set(f.name, f.value);
    if (std::find(changed.begin(), changed.end(), f.name) == changed.end()) changed.push_back(f.name);
  }
  return changed;
}

}  // namespace ps::engine
