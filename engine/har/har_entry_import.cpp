// HAR entry → Flow (see har_import.h). Field access goes through small checked readers that
// name the JSON path of anything malformed; they throw PathError, which importHar turns into a
// Result error at the API boundary (no exception leaves engine/har).
#include <cmath>
#include <initializer_list>
#include <string_view>

#include "engine/har/content_coding.h"
#include "engine/har/har_entry.h"
#include "engine/har/har_import_error.h"
#include "engine/har/har_text.h"

namespace ps::engine::har {

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) { throw PathError{path + ": " + what}; }

// The member, or nullptr when it is absent or JSON null (tools write null for "unknown").
const Json* member(const Json& obj, const char* key) {
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

const Json& requireObject(const Json& j, const std::string& path) {
  if (!j.is_object()) fail(path, "expected an object");
  return j;
}

std::optional<std::string> optString(const Json& obj, const char* key, const std::string& path) {
  const Json* v = member(obj, key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) fail(path + "." + key, "expected a string");
  return v->get<std::string>();
}

std::string reqString(const Json& obj, const char* key, const std::string& path) {
  auto v = optString(obj, key, path);
  if (!v) fail(path + "." + key, "missing");
  return *v;
}

std::optional<double> optNumber(const Json& obj, const char* key, const std::string& path) {
  const Json* v = member(obj, key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_number()) fail(path + "." + key, "expected a number");
  return v->get<double>();
}

// HAR milliseconds → microseconds; negative (HAR's -1) → kNotApplicable.
int64_t optMillis(const Json& obj, const char* key, const std::string& path, int64_t absent) {
  auto v = optNumber(obj, key, path);
  if (!v) return absent;
  if (*v < 0) return HarTimings::kNotApplicable;
  return std::llround(*v * 1000.0);
}

std::optional<uint64_t> optUnsigned(const Json& obj, const char* key, const std::string& path) {
  auto v = optNumber(obj, key, path);
  if (!v) return std::nullopt;
  return *v > 0 ? static_cast<uint64_t>(std::llround(*v)) : 0;
}

Headers readHeaders(const Json& obj, const std::string& path) {
  Headers h;
  const Json* arr = member(obj, "headers");
  if (arr == nullptr) return h;
  const std::string p = path + ".headers";
  if (!arr->is_array()) fail(p, "expected an array");
  for (size_t i = 0; i < arr->size(); ++i) {
    const std::string ip = p + "[" + std::to_string(i) + "]";
    const Json& f = requireObject((*arr)[i], ip);
    h.add(reqString(f, "name", ip), optString(f, "value", ip).value_or(""));
  }
  return h;
}

void parseVersion(const std::optional<std::string>& text, int& major, int& minor) {
  std::string v = toLower(text.value_or(""));
  if (v.rfind("http/", 0) == 0) v.erase(0, 5);
  if (v == "h2" || v == "2" || v == "2.0") { major = 2; minor = 0; }
  else if (v == "h3" || v == "3" || v == "3.0") { major = 3; minor = 0; }
  else if (v == "1.0") { major = 1; minor = 0; }
  else if (v == "0.9") { major = 0; minor = 9; }
  else { major = 1; minor = 1; }  // "1.1", "", "unknown": what an HTTP/1.x proxy speaks
}

std::string bodyText(const Json& obj, const char* encodingKey, const std::string& path) {
  std::string text = optString(obj, "text", path).value_or("");
  std::string encoding = toLower(optString(obj, encodingKey, path).value_or(optString(obj, "encoding", path).value_or("")));
  if (encoding == "base64") {
    auto bytes = base64Decode(text);
    if (!bytes) fail(path + ".text", "invalid base64");
    return std::move(*bytes);
  }
  return text;
}

std::string percentEncodeForm(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '*') {
      out += ch;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// Copies the members not in known into ext[where] so export can write them back.
void keepUnknown(const Json& obj, std::initializer_list<std::string_view> known, Json& ext, const char* where) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool isKnown = false;
    for (auto k : known) isKnown = isKnown || it.key() == k;
    if (!isKnown) ext[where][it.key()] = it.value();
  }
}

ErrorKind errorKindFrom(const std::string& name) {
  for (int k = static_cast<int>(ErrorKind::None); k <= static_cast<int>(ErrorKind::Internal); ++k) {
    if (name == toString(static_cast<ErrorKind>(k))) return static_cast<ErrorKind>(k);
  }
  return ErrorKind::Internal;
}

bool flagOf(const Json& entry, const char* which) {
  const Json* t = member(entry, "_truncated");
  if (t == nullptr || !t->is_object()) return false;
  const Json* v = member(*t, which);
  return v != nullptr && v->is_boolean() && v->get<bool>();
}

void readRequest(const Json& entry, const std::string& path, Flow& flow, Json& ext) {
  const Json* rqj = member(entry, "request");
  if (rqj == nullptr) fail(path + ".request", "missing");
  const std::string p = path + ".request";
  const Json& j = requireObject(*rqj, p);
  Request& rq = flow.request;
  rq.method = reqString(j, "method", p);
  const std::string url = reqString(j, "url", p);
  auto parts = parseUrl(url);
  if (!parts) fail(p + ".url", "not an absolute http(s) URL: " + url);
  rq.scheme = parts->scheme;
  rq.host = parts->host;
  rq.port = parts->port;
  rq.path = rq.method == "CONNECT" ? std::string() : parts->path;
  rq.target = optString(j, "_target", p).value_or(rq.method == "CONNECT" ? rq.authority() : rq.path);
  parseVersion(optString(j, "httpVersion", p), rq.versionMajor, rq.versionMinor);
  rq.headers = readHeaders(j, p);
  if (const Json* pd = member(j, "postData")) {
    const std::string pp = p + ".postData";
    requireObject(*pd, pp);
    if (member(*pd, "text") != nullptr) {
      rq.body.captured = bodyText(*pd, "_encoding", pp);
    } else if (const Json* params = member(*pd, "params")) {
      // Some tools write only params for form posts: rebuild the urlencoded body.
      if (!params->is_array()) fail(pp + ".params", "expected an array");
      for (size_t i = 0; i < params->size(); ++i) {
        const std::string ip = pp + ".params[" + std::to_string(i) + "]";
        const Json& prm = requireObject((*params)[i], ip);
        if (i > 0) rq.body.captured += '&';
        rq.body.captured += percentEncodeForm(reqString(prm, "name", ip)) + "=" + percentEncodeForm(optString(prm, "value", ip).value_or(""));
      }
    }
    keepUnknown(*pd, {"mimeType", "params", "text", "_encoding", "encoding"}, ext, "postData");
  }
  const auto bodySize = optUnsigned(j, "bodySize", p);
  rq.body.size = rq.body.captured.size();
  if (bodySize && *bodySize > rq.body.size && (flagOf(entry, "request") || rq.body.captured.empty())) rq.body.size = *bodySize;
  keepUnknown(j, {"method", "url", "httpVersion", "cookies", "headers", "queryString", "postData", "headersSize", "bodySize", "_target"}, ext, "request");
}

void readResponse(const Json& entry, const std::string& path, Flow& flow, Json& ext) {
  const Json* rsj = member(entry, "response");
  if (rsj == nullptr) return;
  const std::string p = path + ".response";
  const Json& j = requireObject(*rsj, p);
  keepUnknown(j, {"status", "statusText", "httpVersion", "cookies", "headers", "content", "redirectURL", "headersSize", "bodySize"}, ext, "response");
  const int status = static_cast<int>(optNumber(j, "status", p).value_or(0));
  const Json* content = member(j, "content");
  if (content != nullptr) {
    const std::string cp = p + ".content";
    requireObject(*content, cp);
    keepUnknown(*content, {"size", "compression", "mimeType", "text", "encoding", "_encoded"}, ext, "content");
  }
  if (status <= 0) return;  // a request that got no response (browsers write status 0)
  Response rs;
  rs.status = status;
  rs.reason = optString(j, "statusText", p).value_or("");
  parseVersion(optString(j, "httpVersion", p), rs.versionMajor, rs.versionMinor);
  rs.headers = readHeaders(j, p);
  uint64_t contentSize = 0;
  if (content != nullptr) {
    const std::string cp = p + ".content";
    std::string bytes = bodyText(*content, "encoding", cp);
    contentSize = optUnsigned(*content, "size", cp).value_or(0);
    const bool alreadyCoded = optString(*content, "_encoded", cp).has_value();
    const std::string codings(rs.headers.get("Content-Encoding").value_or(""));
    if (!alreadyCoded && !bytes.empty() && hasContentCoding(codings)) {
      // content.text is decoded (HAR 1.2); a Flow body keeps its coding, so encode it again.
      if (auto coded = encodeContent(bytes, codings)) bytes = std::move(*coded);
    }
    rs.body.captured = std::move(bytes);
  }
  const auto bodySize = optUnsigned(j, "bodySize", p);
  rs.body.size = rs.body.captured.size();
  if (flagOf(entry, "response") && bodySize && *bodySize > rs.body.size) rs.body.size = *bodySize;
  if (rs.body.captured.empty()) rs.body.size = bodySize && *bodySize > 0 ? *bodySize : contentSize;  // not captured
  flow.response = std::move(rs);
}

void readProxyscopeFields(const Json& e, const std::string& path, Flow& flow, Json& ext) {
  if (auto id = optUnsigned(e, "_flowId", path)) flow.id = *id;
  flow.mode = optString(e, "_mode", path).value_or("") == "reverse" ? ProxyMode::Reverse : ProxyMode::Forward;
  const std::string kind = optString(e, "_kind", path).value_or("http");
  flow.kind = kind == "tunnel" ? FlowKind::Tunnel : kind == "websocket" ? FlowKind::WebSocket : FlowKind::Http;
  flow.clientAddress = optString(e, "_clientAddress", path).value_or("");
  flow.backend = optString(e, "_backend", path).value_or("");
  flow.replayOf = optUnsigned(e, "_replayOf", path).value_or(0);
  if (const Json* err = member(e, "_error")) {
    requireObject(*err, path + "._error");
    flow.error = FlowError{errorKindFrom(optString(*err, "kind", path + "._error").value_or("")),
                           optString(*err, "message", path + "._error").value_or("")};
  }
  if (const Json* tags = member(e, "_tags")) {
    if (!tags->is_array()) fail(path + "._tags", "expected an array");
    for (size_t i = 0; i < tags->size(); ++i) {
      if (!(*tags)[i].is_string()) fail(path + "._tags[" + std::to_string(i) + "]", "expected a string");
      flow.tags.push_back((*tags)[i].get<std::string>());
    }
  }
  if (const Json* wire = member(e, "_wireBytes")) {
    requireObject(*wire, path + "._wireBytes");
    flow.bytesFromClient = optUnsigned(*wire, "fromClient", path + "._wireBytes").value_or(0);
    flow.bytesToClient = optUnsigned(*wire, "toClient", path + "._wireBytes").value_or(0);
  }
  if (const Json* conn = member(e, "connection")) {
    std::string c = conn->is_string() ? conn->get<std::string>() : conn->is_number_unsigned() ? std::to_string(conn->get<uint64_t>()) : "";
    bool numeric = !c.empty() && c.size() < 20 && c.find_first_not_of("0123456789") == std::string::npos;
    if (numeric) flow.connectionId = std::stoull(c);
    else ext["entry"]["connection"] = *conn;
  }
  std::string serverIp = optString(e, "serverIPAddress", path).value_or("");
  if (serverIp.size() > 2 && serverIp.front() == '[' && serverIp.back() == ']') serverIp = serverIp.substr(1, serverIp.size() - 2);
  if (auto sa = optString(e, "_serverAddress", path)) flow.serverAddress = *sa;
  else if (!serverIp.empty()) flow.serverAddress = (serverIp.find(':') != std::string::npos ? "[" + serverIp + "]" : serverIp) + ":" + std::to_string(flow.request.port);
}

}  // namespace

Result<Flow> flowFromEntry(const Json& e, const std::string& path, uint64_t defaultId) {
  try {
    requireObject(e, path);
    Flow flow;
    flow.id = defaultId;
    Json ext = Json::object();
    int64_t start = 0;
    if (auto started = optString(e, "startedDateTime", path)) {
      auto t = parseIso8601(*started);
      if (!t) fail(path + ".startedDateTime", "not an ISO 8601 date-time: " + *started);
      start = *t;
    }
    readRequest(e, path, flow, ext);
    readResponse(e, path, flow, ext);
    HarTimings phases;
    if (const Json* tj = member(e, "timings")) {
      const std::string tp = path + ".timings";
      requireObject(*tj, tp);
      phases.blocked = optMillis(*tj, "blocked", tp, HarTimings::kNotApplicable);
      phases.dns = optMillis(*tj, "dns", tp, HarTimings::kNotApplicable);
      phases.connect = optMillis(*tj, "connect", tp, HarTimings::kNotApplicable);
      phases.ssl = optMillis(*tj, "ssl", tp, HarTimings::kNotApplicable);
      phases.send = optMillis(*tj, "send", tp, 0);
      phases.wait = optMillis(*tj, "wait", tp, 0);
      phases.receive = optMillis(*tj, "receive", tp, 0);
      keepUnknown(*tj, {"blocked", "dns", "connect", "send", "wait", "receive", "ssl"}, ext, "timings");
    } else if (auto total = optNumber(e, "time", path)) {
      phases.wait = std::llround(std::max(0.0, *total) * 1000.0);
    }
    if (start > 0) flow.timing = timingFromHar(start, phases);
    readProxyscopeFields(e, path, flow, ext);
    if (const Json* cache = member(e, "cache"); cache != nullptr && cache->is_object() && !cache->empty()) ext["cache"] = *cache;
    keepUnknown(e, {"pageref", "startedDateTime", "time", "request", "response", "cache", "timings", "serverIPAddress", "connection",
                    "_flowId", "_mode", "_kind", "_clientAddress", "_serverAddress", "_backend", "_replayOf", "_error", "_tags",
                    "_truncated", "_wireBytes"},
                ext, "entry");
    if (!ext.empty()) flow.extensions = ext.dump(-1, ' ', false, Json::error_handler_t::replace);
    return flow;
  } catch (const PathError& err) {
    return Error{err.message};
  }
}

}  // namespace ps::engine::har
