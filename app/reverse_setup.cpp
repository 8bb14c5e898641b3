#include "app/reverse_setup.h"

#include "engine/proxy/reverse_config.h"

namespace ps::app {

engine::Result<void> applyReverseOptions(const Options& options, engine::EngineConfig& config,
                                         engine::DemoBackends& demo) {
  // --config holds the reverse-proxy configuration and/or "policies" (engine/policy): a file with
  // reverse keys implies reverse mode; a policies-only file leaves the mode as given.
  if (!options.configFile.empty() && engine::fileHasReverseConfig(options.configFile)) {
    config.mode = engine::ProxyMode::Reverse;
  }
  if (config.mode != engine::ProxyMode::Reverse) return {};
  std::vector<std::string> backends = options.backends;
  if (options.demoBackends > 0) {
    auto started = demo.start(options.demoBackends);
    if (!started) return started.error();
    for (const std::string& url : demo.urls()) backends.push_back(url);
  }
  if (!options.configFile.empty() && (engine::fileHasReverseConfig(options.configFile) || backends.empty())) {
    auto loaded = engine::loadReverseConfigFile(options.configFile);
    if (!loaded) return loaded.error();
    if (!backends.empty()) return engine::Error{"--backend/--demo-backends and --config: give the backends in one place"};
    if (!loaded->listeners.empty()) config.listen = loaded->listeners.front().listen;
    if (loaded->listeners.empty()) loaded->listeners.push_back(engine::ReverseListener{config.listen, false, {}, {}, {}});
    if (options.listenTls) loaded->listeners.front().tls = true;
    if (!options.tlsCertFile.empty()) {
      loaded->listeners.front().certFile = options.tlsCertFile;
      loaded->listeners.front().keyFile = options.tlsKeyFile;
    }
    config.reverse = std::make_shared<const engine::ReverseConfig>(std::move(loaded.value()));
    return {};
  }
  auto built = engine::reverseConfigFromCommandLine(backends, options.balance, config.listen);
  if (!built) return built.error();
  built->listeners.front().tls = options.listenTls;
  built->listeners.front().certFile = options.tlsCertFile;
  built->listeners.front().keyFile = options.tlsKeyFile;
  if (options.demoBackends > 0) {
    // Name demo backends as they name themselves.
    auto names = demo.names();
    auto& pool = built->pools.front();
    for (size_t i = 0; i < names.size(); ++i) pool.backends[options.backends.size() + i].name = names[i];
  }
  config.reverse = std::make_shared<const engine::ReverseConfig>(std::move(built.value()));
  return {};
}

}  // namespace ps::app
