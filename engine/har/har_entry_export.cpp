// Flow → HAR 1.2 entry (see har_export.h for the field mapping).
#include <cmath>

#include "engine/har/content_coding.h"
#include "engine/har/har_entry.h"
#include "engine/har/har_text.h"

namespace ps::engine::har {

namespace {

const char* modeName(ProxyMode m) { return m == ProxyMode::Reverse ? "reverse" : "forward"; }
const char* kindName(FlowKind k) {
  switch (k) {
    case FlowKind::Http: return "http";
    case FlowKind::Tunnel: return "tunnel";
    case FlowKind::WebSocket: return "websocket";
  }
  return "http";
}

// Milliseconds as HAR writes them; -1 stays -1.
Json millis(int64_t micros) {
  if (micros < 0) return -1;
  if (micros % 1000 == 0) return micros / 1000;
  return static_cast<double>(micros) / 1000.0;
}

Json headerArray(const Headers& headers) {
  Json arr = Json::array();
  for (const auto& f : headers) arr.push_back({{"name", f.name}, {"value", f.value}});
  return arr;
}

// "1.2.3.4:80" → "1.2.3.4", "[::1]:80" → "::1".
std::string hostOf(const std::string& address) {
  if (!address.empty() && address.front() == '[') {
    size_t close = address.find(']');
    return close == std::string::npos ? address : address.substr(1, close - 1);
  }
  size_t colon = address.rfind(':');
  if (colon != std::string::npos && address.find(':') == colon) return address.substr(0, colon);
  return address;
}

std::string joinAddress(const std::string& host, uint16_t port) {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string queryOf(const Request& r) {
  size_t q = r.path.find('?');
  return q == std::string::npos ? std::string() : r.path.substr(q + 1);
}

Json postDataOf(const Request& r) {
  std::string contentType(r.headers.get("Content-Type").value_or(""));
  Json pd = Json::object();
  pd["mimeType"] = contentType;
  const std::string& body = r.body.captured;
  Json params = Json::array();
  const std::string essence = mimeEssence(contentType);
  if (essence == "application/x-www-form-urlencoded" && isText(body)) {
    for (auto& nv : parseQuery(body)) params.push_back({{"name", nv.name}, {"value", nv.value}});
  } else if (essence == "multipart/form-data") {
    auto parts = parseMultipart(body, mimeParameter(contentType, "boundary").value_or(""));
    if (parts) {
      for (auto& part : *parts) {
        Json p = {{"name", isValidUtf8(part.name) ? part.name : base64Encode(part.name)}};
        if (isText(part.value)) p["value"] = part.value;
        if (part.fileName && isValidUtf8(*part.fileName)) p["fileName"] = *part.fileName;
        if (!part.contentType.empty() && isValidUtf8(part.contentType)) p["contentType"] = part.contentType;
        params.push_back(std::move(p));
      }
    }
  }
  pd["params"] = std::move(params);
  if (isText(body)) {
    pd["text"] = body;
  } else {
    pd["text"] = base64Encode(body);
    pd["_encoding"] = "base64";
  }
  return pd;
}

Json requestCookies(const Headers& h) {
  Json arr = Json::array();
  for (auto v : h.getAll("Cookie")) {
    for (auto& nv : parseCookieHeader(v)) arr.push_back({{"name", nv.name}, {"value", nv.value}});
  }
  return arr;
}

Json responseCookies(const Headers& h, int64_t receivedAt) {
  Json arr = Json::array();
  for (auto v : h.getAll("Set-Cookie")) {
    auto c = parseSetCookie(v);
    if (!c) continue;
    Json j = {{"name", c->name}, {"value", c->value}};
    if (c->path) j["path"] = *c->path;
    if (c->domain) j["domain"] = *c->domain;
    // RFC 6265 5.3 step 3: Max-Age wins over Expires, counted from when the response arrived.
    if (c->maxAge && receivedAt > 0) j["expires"] = formatIso8601(receivedAt + *c->maxAge * 1000000);
    else if (c->expires) j["expires"] = formatIso8601(*c->expires);
    j["httpOnly"] = c->httpOnly;
    j["secure"] = c->secure;
    if (c->sameSite) j["sameSite"] = *c->sameSite;
    arr.push_back(std::move(j));
  }
  return arr;
}

Json contentOf(const Response& r) {
  Json c = Json::object();
  const std::string codings(r.headers.get("Content-Encoding").value_or(""));
  const std::string& raw = r.body.captured;
  std::string decoded;
  bool decodedOk = true;
  bool complete = !r.body.truncated();
  if (hasContentCoding(codings) && !raw.empty()) {
    auto d = decodeContent(raw, codings);
    if (d) {
      decoded = std::move(d->data);
      complete = complete && d->complete;
    } else {
      decodedOk = false;
    }
  } else {
    decoded = raw;
  }
  const std::string& shown = decodedOk ? decoded : raw;
  c["size"] = shown.size();
  if (decodedOk && hasContentCoding(codings) && complete) {
    c["compression"] = static_cast<int64_t>(decoded.size()) - static_cast<int64_t>(raw.size());
  }
  c["mimeType"] = std::string(r.headers.get("Content-Type").value_or(""));
  if (!shown.empty()) {
    if (isText(shown)) {
      c["text"] = shown;
    } else {
      c["text"] = base64Encode(shown);
      c["encoding"] = "base64";
    }
  }
  if (!decodedOk) c["_encoded"] = codings;
  return c;
}

// Adds the fields an imported file carried (Flow::extensions) where Proxyscope wrote nothing.
void mergeExtensions(Json& target, const Json& ext, const char* where) {
  auto it = ext.find(where);
  if (it == ext.end() || !it->is_object()) return;
  for (auto f = it->begin(); f != it->end(); ++f) {
    if (!target.contains(f.key())) target[f.key()] = f.value();
  }
}

}  // namespace

Json entryFromFlow(const Flow& flow, const std::string& pageref) {
  Json ext = Json::object();
  if (!flow.extensions.empty()) {
    ext = Json::parse(flow.extensions, nullptr, false);
    if (!ext.is_object()) ext = Json::object();
  }
  const Request& rq = flow.request;
  const HarTimings phases = harTimings(flow.timing);

  Json request = Json::object();
  request["method"] = rq.method;
  request["url"] = rq.url();
  request["httpVersion"] = httpVersionString(rq.versionMajor, rq.versionMinor);
  request["cookies"] = requestCookies(rq.headers);
  request["headers"] = headerArray(rq.headers);
  Json query = Json::array();
  for (auto& nv : parseQuery(queryOf(rq))) query.push_back({{"name", nv.name}, {"value", nv.value}});
  request["queryString"] = std::move(query);
  if (rq.body.size > 0 || !rq.body.captured.empty()) request["postData"] = postDataOf(rq);
  request["headersSize"] = requestHeadSize(rq);
  request["bodySize"] = rq.body.size;
  const std::string defaultTarget = rq.method == "CONNECT" ? rq.authority() : (rq.path.empty() ? "/" : rq.path);
  if (rq.target != defaultTarget) request["_target"] = rq.target;
  if (request.contains("postData")) mergeExtensions(request["postData"], ext, "postData");
  mergeExtensions(request, ext, "request");

  Json response = Json::object();
  if (flow.response) {
    const Response& rs = *flow.response;
    response["status"] = rs.status;
    response["statusText"] = rs.reason;
    response["httpVersion"] = httpVersionString(rs.versionMajor, rs.versionMinor);
    // Max-Age is relative to the response's arrival; counted on the millisecond grid of
    // startedDateTime so that an imported copy computes the same expiry.
    const int64_t arrived = flow.timing.responseStart ? flow.timing.responseStart : flow.timing.start;
    response["cookies"] = responseCookies(rs.headers, arrived - flow.timing.start % 1000);
    response["headers"] = headerArray(rs.headers);
    response["content"] = contentOf(rs);
    response["redirectURL"] = std::string(rs.headers.get("Location").value_or(""));
    response["headersSize"] = responseHeadSize(rs);
    response["bodySize"] = rs.body.size;
  } else {
    response = {{"status", 0},         {"statusText", ""}, {"httpVersion", ""}, {"cookies", Json::array()},
                {"headers", Json::array()}, {"content", {{"size", 0}, {"mimeType", ""}}},
                {"redirectURL", ""},  {"headersSize", -1}, {"bodySize", -1}};
  }
  mergeExtensions(response["content"], ext, "content");
  mergeExtensions(response, ext, "response");

  Json timings = {{"blocked", millis(phases.blocked)}, {"dns", millis(phases.dns)},   {"connect", millis(phases.connect)},
                  {"send", millis(phases.send)},       {"wait", millis(phases.wait)}, {"receive", millis(phases.receive)},
                  {"ssl", millis(phases.ssl)}};
  mergeExtensions(timings, ext, "timings");

  Json entry = Json::object();
  if (!pageref.empty()) entry["pageref"] = pageref;
  entry["startedDateTime"] = formatIso8601(flow.timing.start);
  entry["time"] = millis(phases.total());
  entry["request"] = std::move(request);
  entry["response"] = std::move(response);
  auto cache = ext.find("cache");
  entry["cache"] = cache != ext.end() && cache->is_object() ? *cache : Json::object();
  entry["timings"] = std::move(timings);
  const std::string serverIp = hostOf(flow.serverAddress);
  if (!serverIp.empty()) entry["serverIPAddress"] = serverIp;
  if (flow.connectionId != 0) entry["connection"] = std::to_string(flow.connectionId);
  entry["_flowId"] = flow.id;
  entry["_mode"] = modeName(flow.mode);
  entry["_kind"] = kindName(flow.kind);
  if (!flow.clientAddress.empty()) entry["_clientAddress"] = flow.clientAddress;
  if (!flow.serverAddress.empty() && flow.serverAddress != joinAddress(serverIp, rq.port)) {
    entry["_serverAddress"] = flow.serverAddress;
  }
  if (!flow.backend.empty()) entry["_backend"] = flow.backend;
  if (flow.replayOf != 0) entry["_replayOf"] = flow.replayOf;
  if (flow.error) entry["_error"] = {{"kind", toString(flow.error->kind)}, {"message", flow.error->message}};
  if (!flow.tags.empty()) entry["_tags"] = flow.tags;
  const bool respTruncated = flow.response && flow.response->body.truncated();
  if (rq.body.truncated() || respTruncated) {
    entry["_truncated"] = {{"request", rq.body.truncated()}, {"response", respTruncated}};
  }
  if (flow.bytesFromClient != 0 || flow.bytesToClient != 0) {
    entry["_wireBytes"] = {{"fromClient", flow.bytesFromClient}, {"toClient", flow.bytesToClient}};
  }
  mergeExtensions(entry, ext, "entry");
  return entry;
}

}  // namespace ps::engine::har
