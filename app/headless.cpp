#include "app/headless.h"

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <thread>
#include <vector>

#include "app/headless_capture.h"
#include "app/policy_setup.h"
#include "app/reverse_setup.h"
#include "engine/core/thread_name.h"
#include "engine/net/engine.h"

namespace ps::app {

engine::EngineConfig engineConfigFrom(const Options& options) {
  engine::EngineConfig config;
  config.mode = options.mode;
  config.listen = options.listen;
  config.threads = options.threads;
  config.capture = options.capture;
  config.limits.bodyCaptureBytes = options.bodyCaptureBytes;
  config.limits.maxRequestLine = options.maxRequestLine;
  config.limits.maxHeaderBytes = options.maxHeaderBytes;
  config.dataDir = options.dataDir;
  config.tls = options.tls;
  return config;
}

std::string formatFlowLine(const engine::Flow& flow) {
  // Under load this runs for every flow: the "HH:MM:SS" part is formatted once per second.
  thread_local std::time_t cachedSecond = -1;
  thread_local char cachedClock[16] = "";
  char clock[32] = "--:--:--";
  if (flow.timing.start > 0) {
    std::time_t seconds = static_cast<std::time_t>(flow.timing.start / 1'000'000);
    if (seconds != cachedSecond) {
      std::tm tm{};
      localtime_r(&seconds, &tm);
      std::snprintf(cachedClock, sizeof cachedClock, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
      cachedSecond = seconds;
    }
    unsigned millis = static_cast<unsigned>(flow.timing.start / 1000 % 1000);
    std::memcpy(clock, cachedClock, 8);
    clock[8] = '.';
    clock[9] = static_cast<char>('0' + millis / 100);
    clock[10] = static_cast<char>('0' + millis / 10 % 10);
    clock[11] = static_cast<char>('0' + millis % 10);
    clock[12] = '\0';
  }
  std::string line;
  line.reserve(160);
  line += clock;
  line += ' ';
  line += flow.clientAddress;
  line += ' ';
  line += flow.request.method.empty() ? std::string("-") : flow.request.method;
  line += ' ';
  if (flow.kind == engine::FlowKind::Tunnel) {
    line += flow.request.authority();
  } else if (!flow.request.host.empty()) {
    line += flow.request.url();
  } else {
    line += flow.request.target.empty() ? std::string("-") : flow.request.target;
  }
  line += ' ';
  line += flow.response ? std::to_string(flow.response->status) : std::string("-");
  uint64_t bytes = flow.kind == engine::FlowKind::Tunnel ? flow.bytesFromClient + flow.bytesToClient
                                                           : (flow.response ? flow.response->body.size : 0);
  line += ' ' + std::to_string(bytes) + "B";
  line += ' ' + std::to_string(flow.timing.durationMicros() / 1000) + "ms";
  if (flow.kind == engine::FlowKind::Tunnel) {
    line += " tunnel up=" + std::to_string(flow.bytesFromClient) + "B down=" + std::to_string(flow.bytesToClient) + "B";
  }
  if (!flow.backend.empty()) line += " backend=" + flow.backend;  // reverse mode
  if (flow.attempts.size() > 1) line += " attempts=" + std::to_string(flow.attempts.size());
  if (flow.error) {
    line += " error=";
    line += engine::toString(flow.error->kind);
    line += ": " + flow.error->message;
  }
  return line;
}

int runHeadless(const Options& options) {
  // Block the shutdown signals before any thread starts so that only the waiter below sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  engine::EngineConfig config = engineConfigFrom(options);
  engine::DemoBackends demo;  // reverse mode: --demo-backends (outlives the engine)
  if (auto reverse = applyReverseOptions(options, config, demo); !reverse) {
    std::fprintf(stderr, "proxyscope: %s\n", reverse.error().message.c_str());
    return 2;
  }
  // Session, --filter, --system-proxy, --har (app/headless_capture.h).
  auto capture = HeadlessCapture::prepare(options);
  if (!capture) {
    std::fprintf(stderr, "proxyscope: %s\n", capture.error().message.c_str());
    return 2;
  }
  if (auto policies = applyPolicyOptions(options, config); !policies) {
    std::fprintf(stderr, "proxyscope: %s\n", policies.error().message.c_str());
    return 2;
  }
  auto engine = engine::Engine::create(std::make_shared<const engine::EngineConfig>(std::move(config)));
  auto& hub = engine->events();
  // The printer needs only finished flows and backend changes: progress snapshots are not built for
  // it (with --no-session nobody else asks for them). Quiet, it takes backend changes only, so with
  // --no-session no sink wants a flow and the engine publishes none.
  engine::EventHub::SinkOptions printerSink;
  printerSink.types = engine::eventBit(engine::FlowEventType::BackendHealth);
  if (!options.quiet) printerSink.types |= engine::eventBit(engine::FlowEventType::Finished);
  auto sink = hub.addSink(std::move(printerSink));
  if (auto attached = (*capture)->attach(hub); !attached) {
    std::fprintf(stderr, "proxyscope: %s\n", attached.error().message.c_str());
    return 1;
  }
  if (const auto& policies = engine->config()->policies; policies && policies->cache.persist) {
    // "cache": {"persist": true}: the session file keeps the cache between runs.
    auto loaded = engine->attachCacheSession((*capture)->sessionPath());
    if (!loaded) {
      std::fprintf(stderr, "proxyscope: %s\n", loaded.error().message.c_str());
    } else {
      std::fprintf(stderr, "proxyscope: cache: %zu entries loaded from the session\n", *loaded);
    }
  }
  auto started = engine->start();
  if (!started) {
    std::fprintf(stderr, "proxyscope: %s\n", started.error().message.c_str());
    (*capture)->finish();  // the session leaves the engine's hub before the engine goes
    return 1;
  }
  std::printf("proxyscope: %s proxy listening on %s\n", engine->config()->mode == engine::ProxyMode::Forward ? "forward" : "reverse",
              started->toString().c_str());
  std::fflush(stdout);
  if (auto routed = (*capture)->started(*started, *engine); !routed) {
    std::fprintf(stderr, "proxyscope: %s\n", routed.error().message.c_str());
    engine->stop();
    (*capture)->finish();
    return 1;
  }

  std::atomic<bool> stopRequested{false};
  std::thread waiter([&] {
    int signal = 0;
    sigwait(&signals, &signal);
    stopRequested = true;
    hub.wakeAll();
  });

  // From here this thread only prints: background work, like the session writer (the engine's
  // threads and the signal waiter exist already, so they keep the normal class).
  engine::setCurrentThreadBackground();
  std::vector<engine::FlowEvent> batch;
  auto printBatch = [&] {
    for (const auto& event : batch) {
      if (event.type == engine::FlowEventType::BackendHealth) {
        std::printf("backend %s\n", event.detail.c_str());
      } else if (event.type == engine::FlowEventType::Finished && event.flow && (*capture)->shows(*event.flow)) {
        std::printf("%s\n", formatFlowLine(*event.flow).c_str());
      }
    }
    batch.clear();
    std::fflush(stdout);
  };
  while (!stopRequested) {
    size_t n = hub.drainWait(sink, batch, 4096, std::chrono::milliseconds(200));
    printBatch();
    while (hub.drain(sink, batch, 4096) > 0) printBatch();  // keep up with any rate
    // Under load, print in batches instead of waking for every event (the engine never waits
    // for this consumer; the sink just grows a little).
    if (n > 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  (*capture)->beforeStop();
  engine->stop();
  while (hub.drain(sink, batch, 1024) > 0) printBatch();
  waiter.join();
  int exitCode = (*capture)->finish();
  std::fprintf(stderr, "proxyscope: stopped\n");
  return exitCode;
}

}  // namespace ps::app
