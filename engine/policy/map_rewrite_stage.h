#pragma once
// MapRewriteStage: Map Local, Map Remote and Rewrite (issue 10) at the exchange's stages, for the
// PolicyInterceptor. The rules themselves are the pure functions of rewrite_rules.h; this class
// decides when each applies, edits the forwarded request / the client's response, and records every
// applied rule on the flow as a tag: "map-local:FILE", "map-remote:TARGET", "rewrite:NAME".
//
// Bodies stream unless a rule needs them whole: a request replaceBody rule holds a textual request
// body, a response replaceBody rule holds a textual, not content-coded response (the exchange then
// sends it with the new Content-Length). Header and status rules edit the client's head as it goes.
#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include "engine/http/http1_parser.h"
#include "engine/net/hooks.h"
#include "engine/policy/policy_config.h"

namespace ps::engine {

class MapRewriteStage {
 public:
  explicit MapRewriteStage(const PolicyConfig& config);

  // Request stage. Returns an answer (Map Local) — the upstream is then never contacted — or edits
  // `forwarded` and `target` (Map Remote, request rewrite rules) and returns nullopt. `body` is the
  // held request body (nullptr when it streams).
  std::optional<net::StageVerdict> onRequest(Flow& flow, http::RequestHead& forwarded, net::UpstreamTarget& target,
                                             std::string* body);
  bool wantsRequestBody(const Flow& flow) const;

  // Response stage: whether a body rule needs the whole response, then the body rules on it.
  bool wantsResponseBody(const Flow& flow) const;
  void rewriteResponseBody(Flow& flow, http::ResponseHead& head, std::string& body);
  // Header and status rules on the client's copy of the head (streamed, held or bodiless).
  void rewriteResponseHead(Flow& flow, http::ResponseHead& head);
  // A response the proxy answers itself (Map Local, the filter's 403, the rate limiter's 429, a cache
  // HIT): the response rules apply as to an origin's — the head rules when `head`, the body rules
  // when the body is textual.
  void rewriteAnswer(Flow& flow, Response& response, bool head = true);

  std::vector<PolicyCounter> counters() const;

 private:
  bool ruleApplies(const RewriteRule& rule, RewriteRule::Stage stage, const Flow& flow) const;
  void mapRemoteTarget(Flow& flow, http::RequestHead& forwarded, net::UpstreamTarget& target);

  MapLocalPolicyConfig m_mapLocal;
  MapRemotePolicyConfig m_mapRemote;
  RewritePolicyConfig m_rewrite;
  std::atomic<uint64_t> m_served{0}, m_remapped{0}, m_rewritten{0};
};

}  // namespace ps::engine
