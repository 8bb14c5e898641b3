#pragma once
// What a headless run does around the engine besides printing: records into a session, limits the
// printed lines with --filter, points the system proxy here with --system-proxy, writes --har on
// exit. runHeadless() calls it at five points; the order on shutdown is: system proxy restored
// (clients stop sending here) → engine stopped → session flushed → HAR written.
#include <memory>
#include <string>

#include "app/capture_session.h"
#include "app/command_line.h"
#include "app/system_proxy_run.h"
#include "engine/core/event_hub.h"
#include "engine/core/result.h"
#include "engine/net/engine.h"
#include "engine/query/filter.h"

namespace ps::app {

class HeadlessCapture {
 public:
  // Data directory, stale system-proxy journal recovery (message on stderr), filter, session.
  // Errors are for the user as they are; exitCode() says which code to return.
  static engine::Result<std::unique_ptr<HeadlessCapture>> prepare(const Options& options);
  ~HeadlessCapture();

  engine::Result<void> attach(engine::EventHub& hub);            // before the engine starts
  // After it started; with --chain-prior-proxy the engine's config gets the prior system proxy.
  engine::Result<void> started(const engine::Endpoint& bound, engine::Engine& engine);
  bool shows(const engine::Flow& flow) const { return m_filter.empty() || m_filter.matches(flow); }
  void beforeStop();  // restores the system proxy
  int finish();       // after the engine stopped: flush the session, write --har; exit code
  const std::string& sessionPath() const { return m_session->path(); }

 private:
  Options m_options;
  std::string m_dataDir;
  engine::Filter m_filter;
  std::unique_ptr<CaptureSession> m_session;
  std::unique_ptr<SystemProxyRun> m_systemProxy;
};

}  // namespace ps::app
