#include "app/headless_capture.h"

#include <cstdio>

#include "app/tool_commands.h"
#include "engine/sysproxy/prior_proxy_chain.h"

namespace ps::app {

using engine::Error;
using engine::Result;

Result<std::unique_ptr<HeadlessCapture>> HeadlessCapture::prepare(const Options& options) {
  auto capture = std::unique_ptr<HeadlessCapture>(new HeadlessCapture());
  capture->m_options = options;
  auto filter = parseFilterForCli(options.filter);
  if (!filter) return filter.error();
  capture->m_filter = *filter;
  auto dataDir = resolveDataDir(options);
  if (!dataDir) return dataDir.error();
  capture->m_dataDir = *dataDir;

  // A run that died with the system proxy set (and whose watchdog died too) is repaired at every
  // start, whether or not this run touches the system proxy.
  capture->m_systemProxy = std::make_unique<SystemProxyRun>(capture->m_dataDir);
  auto recovered = capture->m_systemProxy->recoverStale();
  if (!recovered) {
    std::fprintf(stderr, "proxyscope: system proxy: %s\n", recovered.error().message.c_str());
  } else if (!recovered->empty()) {
    std::fprintf(stderr, "proxyscope: %s\n", recovered->c_str());
  }

  if (options.noSession) {
    std::fprintf(stderr, "proxyscope: not recording (--no-session)\n");
    return capture;
  }
  auto session = CaptureSession::open(options, capture->m_dataDir);
  if (!session) return session.error();
  capture->m_session = std::move(*session);
  if (!capture->m_session->notice().empty()) std::fprintf(stderr, "proxyscope: %s\n", capture->m_session->notice().c_str());
  std::fprintf(stderr, "proxyscope: recording to %s\n", capture->m_session->path().c_str());
  return capture;
}

HeadlessCapture::~HeadlessCapture() = default;

Result<void> HeadlessCapture::attach(engine::EventHub& hub) {
  if (!m_session) return {};  // --no-session
  return m_session->attach(hub);
}

Result<void> HeadlessCapture::started(const engine::Endpoint& bound, engine::Engine& engine) {
  if (!m_options.systemProxy) return {};
  if (auto enabled = m_systemProxy->enable(bound); !enabled) return Error{"--system-proxy: " + enabled.error().message};
  std::fprintf(stderr, "proxyscope: system proxy → %s (restored on exit)\n", bound.toString().c_str());
  auto prior = m_systemProxy->priorHttpProxy();
  if (prior.empty()) {
    if (m_options.chainPriorProxy) std::fputs("proxyscope: --chain-prior-proxy: no manual proxy was set before\n", stderr);
    return {};
  }
  if (!m_options.chainPriorProxy) {
    std::fprintf(stderr, "proxyscope: the system proxy was %s before; Proxyscope connects directly "
                         "(--chain-prior-proxy goes through it)\n", prior.c_str());
    return {};
  }
  auto chained = engine::chainPriorProxy(*engine.config(), prior, m_systemProxy->priorBypass());
  if (!chained) {
    std::fprintf(stderr, "proxyscope: --chain-prior-proxy: %s\n", chained.error().message.c_str());
    return {};
  }
  engine.setConfig(*chained);
  std::fprintf(stderr, "proxyscope: upstream traffic goes through the previous system proxy %s\n", prior.c_str());
  return {};
}

void HeadlessCapture::beforeStop() {
  if (!m_options.systemProxy || !m_systemProxy) return;
  if (auto restored = m_systemProxy->disable(); !restored) {
    std::fprintf(stderr, "proxyscope: restoring the system proxy failed: %s\n", restored.error().message.c_str());
  }
}

int HeadlessCapture::finish() {
  if (!m_session) return 0;  // --no-session
  m_session->detach();
  if (m_options.harFile.empty()) return 0;
  auto written = exportSessionToHar(m_session->path(), m_options.harFile, engine::Filter());
  if (!written) {
    std::fprintf(stderr, "proxyscope: --har: %s\n", written.error().message.c_str());
    return 1;
  }
  std::fprintf(stderr, "proxyscope: wrote %zu flows to %s\n", *written, m_options.harFile.c_str());
  return 0;
}

}  // namespace ps::app
