#pragma once
// Developer conveniences of both modes: Map Local (answer from a file or folder), Map Remote (send to
// another origin), and Rewrite (add/remove/replace headers, set the status, replace body text by
// regex). Pure functions over the flow's values; the proxy pipeline decides when to call them.
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "engine/core/flow.h"
#include "engine/core/result.h"

namespace ps::engine {

// "*.example.com" matches example.com's subdomains (not example.com itself); "example.com" matches
// only itself; "*" matches every host. Case-insensitive.
bool hostMatches(std::string_view pattern, std::string_view host);

struct MapLocalRule {
  std::string urlPrefix;  // "http://api.test/static/" — the request URL must start with it
  std::string path;       // a file (exact mapping) or a folder (the rest of the URL path is appended)
};

struct LocalAnswer {
  int status = 200;
  std::string contentType;
  std::string body;
  std::string file;  // what was served (or looked for)
};

// Answers a request from the file system. A folder mapping never leaves its folder ("..", encoded
// or not, is refused with 403). Missing file → 404 naming the path.
LocalAnswer mapLocal(const MapLocalRule& rule, const Request& request);
std::string contentTypeForPath(std::string_view path);

struct MapRemoteRule {
  std::string urlPrefix;  // "http://api.test/v1/"
  std::string target;     // "http://127.0.0.1:3000/v2/" — the prefix is replaced by it
};
// The new URL, or nullopt when the rule does not apply.
std::optional<std::string> mapRemote(const MapRemoteRule& rule, const Request& request);

struct RewriteRule {
  enum class Stage { Request, Response };
  enum class Action { AddHeader, RemoveHeader, SetHeader, SetStatus, ReplaceBody, ReplaceHeaderValue };
  std::string name;       // recorded on the flow when applied
  Stage stage = Stage::Response;
  Action action = Action::AddHeader;
  std::string header;     // header actions
  std::string value;      // new value / replacement text
  std::string pattern;    // ReplaceBody / ReplaceHeaderValue: ECMAScript regex
  int status = 0;         // SetStatus
  std::string urlPrefix;  // the request URL must start with it; empty: every request
};

// Compiles and checks a rule (regex syntax, required fields) — the config loader reports the error.
Result<void> validateRewrite(const RewriteRule& rule);
// Applies the rule; returns true when it changed something. The body is the whole (decoded) body.
bool applyRewrite(const RewriteRule& rule, Headers& headers, std::string& body, int& status);

// Anonymity (forward mode): the identifying request fields removed or replaced on the forwarded copy.
struct AnonymityPolicy {
  std::vector<std::string> strip{"User-Agent", "Accept-Language", "Referer", "From", "X-Forwarded-For", "Via",
                                 "Forwarded", "X-Real-IP", "X-Client-IP"};
  std::vector<HeaderField> replace;             // e.g. {"User-Agent", "Mozilla/5.0"} — set after stripping
  std::vector<std::string> stripCookiesFor;     // host patterns whose Cookie header is removed
};
// Returns the names of the fields removed or replaced (for the hop diff).
std::vector<std::string> applyAnonymity(const AnonymityPolicy& policy, const std::string& host, Headers& forwarded);

}  // namespace ps::engine
