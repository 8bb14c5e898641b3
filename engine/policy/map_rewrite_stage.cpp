#include "engine/policy/map_rewrite_stage.h"

#include "engine/http/message_writer.h"
#include "engine/policy/compression_policy.h"
#include "engine/proxy/forward_proxy.h"

namespace ps::engine {

namespace {

bool startsWith(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

// A body rule rewrites text by regex: binary or content-coded bodies (the bytes are not the text)
// are left alone rather than corrupted.
bool textualBody(const Headers& headers) {
  auto ce = headers.get("Content-Encoding");
  if (ce && !iequals(*ce, "identity")) return false;
  auto ct = headers.get("Content-Type");
  return ct && isTextualContentType(*ct);
}

std::string hostForAuthority(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

}  // namespace

MapRewriteStage::MapRewriteStage(const PolicyConfig& config)
    : m_mapLocal(config.mapLocal), m_mapRemote(config.mapRemote), m_rewrite(config.rewrite) {}

bool MapRewriteStage::ruleApplies(const RewriteRule& rule, RewriteRule::Stage stage, const Flow& flow) const {
  return rule.stage == stage && (rule.urlPrefix.empty() || startsWith(flow.request.url(), rule.urlPrefix));
}

std::optional<net::StageVerdict> MapRewriteStage::onRequest(Flow& flow, http::RequestHead& forwarded,
                                                            net::UpstreamTarget& target, std::string* body) {
  if (m_mapLocal.enabled) {
    const std::string url = flow.request.url();
    for (const auto& rule : m_mapLocal.rules) {
      if (!startsWith(url, rule.urlPrefix)) continue;
      LocalAnswer local = mapLocal(rule, flow.request);
      // A refused path (403) has no file: the tag names the mapped folder instead.
      flow.tags.push_back("map-local:" + (local.file.empty() ? rule.path : local.file));
      m_served.fetch_add(1, std::memory_order_relaxed);
      net::StageVerdict v;
      v.kind = net::StageVerdict::Kind::Respond;
      v.response.status = local.status;
      v.response.reason = std::string(http::reasonPhrase(local.status));
      v.response.headers.set("Content-Type", local.contentType);
      v.response.body.captured = std::move(local.body);
      v.response.body.size = v.response.body.captured.size();
      return v;
    }
  }
  if (m_mapRemote.enabled) mapRemoteTarget(flow, forwarded, target);
  if (m_rewrite.enabled) {
    int unusedStatus = 0;
    std::string noBody;
    for (const auto& rule : m_rewrite.rules) {
      if (!ruleApplies(rule, RewriteRule::Stage::Request, flow)) continue;
      // A body rule needs the held body; a streamed one (not textual) is passed on untouched.
      if (rule.action == RewriteRule::Action::ReplaceBody && !body) continue;
      std::string& text = rule.action == RewriteRule::Action::ReplaceBody ? *body : noBody;
      if (applyRewrite(rule, forwarded.headers, text, unusedStatus)) {
        flow.tags.push_back("rewrite:" + rule.name);
        m_rewritten.fetch_add(1, std::memory_order_relaxed);
      }
    }
  }
  return std::nullopt;
}

// Map Remote: the exchange connects to the new origin; the flow keeps the URL the client asked for
// and names the target in its tag.
void MapRewriteStage::mapRemoteTarget(Flow& flow, http::RequestHead& forwarded, net::UpstreamTarget& target) {
  for (const auto& rule : m_mapRemote.rules) {
    auto to = mapRemote(rule, flow.request);
    if (!to) continue;
    auto uri = proxy::parseAbsoluteUri(*to);
    if (!uri) continue;  // the loader checked the target; a suffix cannot make it invalid, but be safe
    target.scheme = uri->scheme;
    target.host = uri->host;
    target.port = uri->port;
    target.tls = uri->scheme == "https";
    // Reverse mode: the chosen backend is not used; dropping its lease keeps its counts honest.
    target.backend.clear();
    target.routeState.reset();
    flow.backend.clear();
    const bool defaultPort = uri->port == (target.tls ? 443 : 80);
    const std::string authority =
        hostForAuthority(uri->host) + (defaultPort ? std::string() : ":" + std::to_string(uri->port));
    // RFC 9110 7.2: Host names the origin the request is now for.
    forwarded.headers.set("Host", authority);
    forwarded.target = uri->path;
    if (target.proxy) {
      // Through an upstream proxy plain http keeps the absolute form (RFC 9112 3.2.2); TLS goes
      // through a CONNECT tunnel, so the origin must not see the proxy's credentials.
      if (!target.tls) {
        forwarded.target = uri->scheme + "://" + authority + uri->path;
        if (!target.proxy->authorization.empty()) forwarded.headers.set("Proxy-Authorization", target.proxy->authorization);
      } else {
        forwarded.headers.remove("Proxy-Authorization");
      }
    }
    flow.tags.push_back("map-remote:" + rule.target);
    m_remapped.fetch_add(1, std::memory_order_relaxed);
    return;
  }
}

bool MapRewriteStage::wantsRequestBody(const Flow& flow) const {
  if (!m_rewrite.enabled || !textualBody(flow.request.headers)) return false;
  for (const auto& rule : m_rewrite.rules) {
    if (rule.action == RewriteRule::Action::ReplaceBody && ruleApplies(rule, RewriteRule::Stage::Request, flow)) return true;
  }
  return false;
}

bool MapRewriteStage::wantsResponseBody(const Flow& flow) const {
  if (!m_rewrite.enabled || !flow.response || !textualBody(flow.response->headers)) return false;
  for (const auto& rule : m_rewrite.rules) {
    if (rule.action == RewriteRule::Action::ReplaceBody && ruleApplies(rule, RewriteRule::Stage::Response, flow)) return true;
  }
  return false;
}

void MapRewriteStage::rewriteResponseBody(Flow& flow, http::ResponseHead& head, std::string& body) {
  if (!m_rewrite.enabled || !textualBody(head.headers)) return;
  int status = head.status;
  for (const auto& rule : m_rewrite.rules) {
    if (rule.action != RewriteRule::Action::ReplaceBody || !ruleApplies(rule, RewriteRule::Stage::Response, flow)) continue;
    // The exchange writes the held body with its new Content-Length.
    if (applyRewrite(rule, head.headers, body, status)) {
      flow.tags.push_back("rewrite:" + rule.name);
      m_rewritten.fetch_add(1, std::memory_order_relaxed);
    }
  }
}

void MapRewriteStage::rewriteResponseHead(Flow& flow, http::ResponseHead& head) {
  if (!m_rewrite.enabled) return;
  std::string noBody;
  for (const auto& rule : m_rewrite.rules) {
    if (rule.action == RewriteRule::Action::ReplaceBody || !ruleApplies(rule, RewriteRule::Stage::Response, flow)) continue;
    int status = head.status;
    if (!applyRewrite(rule, head.headers, noBody, status)) continue;
    if (status != head.status) {
      head.status = status;
      head.reason = std::string(http::reasonPhrase(status));
    }
    flow.tags.push_back("rewrite:" + rule.name);
    m_rewritten.fetch_add(1, std::memory_order_relaxed);
  }
}

void MapRewriteStage::rewriteAnswer(Flow& flow, Response& response, bool head) {
  if (!m_rewrite.enabled) return;
  http::ResponseHead h;
  h.status = response.status;
  h.reason = response.reason.empty() ? std::string(http::reasonPhrase(response.status)) : response.reason;
  h.headers = std::move(response.headers);
  if (head) rewriteResponseHead(flow, h);
  rewriteResponseBody(flow, h, response.body.captured);
  response.status = h.status;
  response.reason = h.reason;
  response.headers = std::move(h.headers);
  response.body.size = response.body.captured.size();
}

std::vector<PolicyCounter> MapRewriteStage::counters() const {
  return {{"mapLocal.served", m_served.load()}, {"mapRemote.applied", m_remapped.load()},
          {"rewrite.applied", m_rewritten.load()}};
}

}  // namespace ps::engine
