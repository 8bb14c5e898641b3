#pragma once
// Breakpoints (issue 7): rules in the filter language pause matching flows at the request stage
// (before the upstream is contacted) and/or the response stage (before the client sees it). A paused
// flow is a suspended coroutine awaiting a Decision (STYLE.md): Engine::resolve() posts it to the
// flow's own thread. Paused flows continue by themselves after a timeout (default 5 min), end as
// killed when their client disconnects, and are all resolved as killed at shutdown; every other
// flow keeps moving meanwhile.
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "engine/core/breakpoint.h"
#include "engine/core/event_hub.h"
#include "engine/core/result.h"
#include "engine/net/hooks.h"
#include "engine/query/filter.h"

namespace ps::engine::proxy {

// Engine-wide and thread-safe: the Engine facade edits rules and resolves flows through it while
// connection threads consult it.
class BreakpointRegistry {
 public:
  // Parses every rule's expression; on error nothing changes and the message names the rule.
  Result<void> setRules(std::vector<BreakpointRule> rules);
  std::vector<BreakpointRule> rules() const;
  void setEnabled(bool enabled);  // the toolbar's global switch
  bool enabled() const;
  void breakOnNextRequest();
  void setPauseTimeout(std::chrono::milliseconds timeout);  // 0 = wait forever
  std::chrono::milliseconds pauseTimeout() const;

  // Whether a flow at that stage should pause. At the request stage, "break on the next request" is
  // consumed by the first flow that asks.
  bool shouldPause(const Flow& flow, BreakStage stage);
  bool anyRuleFor(BreakStage stage) const;

  using Resolver = std::function<void(Decision)>;
  void addPaused(const PausedFlow& info, Resolver resolver);
  void removePaused(uint64_t flowId);
  bool resolve(uint64_t flowId, Decision decision);
  std::vector<PausedFlow> paused() const;
  // Shutdown: every paused flow is aborted (closeConnection) and new pauses are refused.
  void killAll();
  bool closing() const;
  void reopen();  // the engine started again

 private:
  struct Compiled {
    BreakpointRule rule;
    Filter filter;
  };
  mutable std::mutex m_mutex;
  std::vector<Compiled> m_rules;
  bool m_enabled = true;
  bool m_nextRequest = false;
  bool m_closing = false;
  std::chrono::milliseconds m_timeout{5 * 60 * 1000};
  std::unordered_map<uint64_t, std::pair<PausedFlow, Resolver>> m_paused;
};

// The ExchangeInterceptor that pauses flows (last in the interceptor chain).
class BreakpointInterceptor final : public net::ExchangeInterceptor {
 public:
  BreakpointInterceptor(std::shared_ptr<BreakpointRegistry> registry, EventHub& hub)
      : m_registry(std::move(registry)), m_hub(hub) {}

  bool wantsRequestBody(const Flow& flow) override;
  asio::awaitable<net::StageVerdict> onRequest(Flow& flow, http::RequestHead& forwarded, net::UpstreamTarget& target,
                                               std::string* body, net::tcp::socket* client) override;
  bool wantsResponse(const Flow& flow) override;
  asio::awaitable<net::StageVerdict> onResponse(Flow& flow, http::ResponseHead& head, std::string& body,
                                                net::tcp::socket* client) override;

 private:
  // Suspends until a decision, the timeout (→ Continue) or the client's disconnect (→ Abort).
  asio::awaitable<Decision> pause(Flow& flow, BreakStage stage, net::tcp::socket* client);

  std::shared_ptr<BreakpointRegistry> m_registry;
  EventHub& m_hub;
};

// An edited request applied to the forwarded copy: method, URL (→ target and Host), headers, body.
// Returns an error for a URL that cannot be sent (the flow is then aborted with it).
Result<void> applyEditedRequest(const Request& edited, http::RequestHead& forwarded, net::UpstreamTarget& target,
                                std::string* body);

}  // namespace ps::engine::proxy
