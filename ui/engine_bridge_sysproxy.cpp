// EngineBridge, system-proxy part: the GUI's side of engine/sysproxy — the same SystemProxyManager
// (journal before any write, watchdog process, stale-journal recovery) that `--system-proxy` uses
// in headless runs, the `proxyscope env` text, and Chromium launched with a fresh profile.
#include <filesystem>

#include "engine/sysproxy/app_launcher.h"
#include "engine/sysproxy/prior_proxy_chain.h"
#include "engine/sysproxy/process.h"
#include "engine/sysproxy/system_proxy_backend.h"
#include "engine/sysproxy/system_proxy_manager.h"
#include "engine/tls/certificate_authority.h"
#include "ui/engine_bridge.h"

namespace ps::ui {

namespace tls = ps::engine::tls;
using State = EngineBridge::SystemProxyState;

namespace {

std::string dataDirOf(engine::Engine& engine) {
  auto config = engine.config();
  return config && !config->dataDir.empty() ? config->dataDir : tls::defaultDataDirectory();
}

QString qs(const std::string& s) { return QString::fromStdString(s); }

// The CA certificate's path (created on first use, as a proxy start would); "" with *error.
std::string caCertificate(const std::string& dataDir, QString* error) {
  std::error_code ec;
  std::filesystem::create_directories(dataDir, ec);
  auto ca = tls::CertificateAuthority::loadOrCreate(dataDir);
  if (!ca) {
    if (error) *error = qs(ca.error().message);
    return {};
  }
  return (*ca)->certPath();
}

engine::Result<engine::Endpoint> endpointOf(const QString& listenAddress) {
  return engine::parseEndpoint(listenAddress.trimmed().toStdString());
}

// A wildcard listener is reached by local clients on loopback (as `--system-proxy` does).
std::string clientHost(const engine::Endpoint& listen) {
  return listen.host == "0.0.0.0" || listen.host == "::" ? std::string("127.0.0.1") : listen.host;
}

}  // namespace

void EngineBridge::configureSystemProxy(const QStringList& watchdogCommand) {
  const std::string dataDir = dataDirOf(m_engine);
  // The journal lives there; a run that records nowhere may not have created it yet.
  std::error_code ec;
  std::filesystem::create_directories(dataDir, ec);
  m_systemProxy = std::make_shared<engine::SystemProxyManager>(dataDir, engine::platformProxyBackends());
  std::vector<std::string> argv;
  for (const QString& a : watchdogCommand) argv.push_back(a.toStdString());
  m_systemProxy->setWatchdogCommand(std::move(argv));
}

EngineBridge::SystemProxyResult EngineBridge::systemProxyStatus() const {
  SystemProxyResult out;
  if (!m_systemProxy) return out;
  switch (m_systemProxy->state()) {
    case engine::SystemProxyManager::State::NotSet: out.state = State::NotSet; break;
    case engine::SystemProxyManager::State::SetByUs: out.state = State::SetByUs; break;
    case engine::SystemProxyManager::State::RestorePending: out.state = State::RestorePending; break;
  }
  if (out.state == State::SetByUs) out.target = m_systemProxyTarget;
  return out;
}

EngineBridge::SystemProxyResult EngineBridge::recoverStaleSystemProxy() {
  if (!m_systemProxy) return {};
  auto recovered = m_systemProxy->recoverStale();
  SystemProxyResult out = systemProxyStatus();
  if (!recovered) out.error = qs(recovered.error().message);
  else if (recovered->has_value()) out.message = qs(**recovered);
  else if (out.state == State::RestorePending) {
    out.message = tr("Another running Proxyscope has set the system proxy; it restores it when it exits.");
  }
  return out;
}

EngineBridge::SystemProxyResult EngineBridge::enableSystemProxy(const QString& listenAddress) {
  SystemProxyResult out;
  if (!m_systemProxy) {
    out.error = tr("system proxy support is not set up");
    return out;
  }
  auto listen = endpointOf(listenAddress);
  if (!listen) {
    out = systemProxyStatus();
    out.error = qs(listen.error().message);
    return out;
  }
  engine::ProxyTarget target;
  target.host = clientHost(*listen);
  target.port = listen->port;
  auto enabled = m_systemProxy->enable(target);
  if (enabled) m_systemProxyTarget = qs(target.host + ":" + std::to_string(target.port));
  out = systemProxyStatus();
  if (!enabled) out.error = qs(enabled.error().message);
  return out;
}

EngineBridge::SystemProxyResult EngineBridge::disableSystemProxy() {
  if (!m_systemProxy) return {};
  unchainPriorSystemProxy();  // the prior proxy is the system proxy again: clients reach it themselves
  auto disabled = m_systemProxy->disable();
  SystemProxyResult out = systemProxyStatus();
  if (!disabled) out.error = tr("the system proxy could not be restored: %1").arg(qs(disabled.error().message));
  return out;
}

QString EngineBridge::chainPriorSystemProxy(QString* error) {
  const std::string prior = m_systemProxy ? m_systemProxy->priorHttpProxy() : std::string();
  if (prior.empty()) {
    if (error) *error = tr("no manual proxy was set before Proxyscope");
    return {};
  }
  auto config = m_engine.config();
  auto chained = engine::chainPriorProxy(*config, prior, m_systemProxy->priorBypass());
  if (!chained) {
    if (error) *error = qs(chained.error().message);
    return {};
  }
  m_engine.setConfig(*chained);
  return tr("Upstream traffic goes through the previous system proxy %1").arg(qs(prior));
}

void EngineBridge::unchainPriorSystemProxy() {
  auto config = m_engine.config();
  if (config && engine::priorProxyChained(*config)) m_engine.setConfig(engine::unchainPriorProxy(*config));
}

bool EngineBridge::priorSystemProxyChained() const {
  auto config = m_engine.config();
  return config && engine::priorProxyChained(*config);
}

QString EngineBridge::shellExports(const QString& listenAddress, QString* error) const {
  auto listen = endpointOf(listenAddress);
  if (!listen) {
    if (error) *error = qs(listen.error().message);
    return {};
  }
  const std::string dataDir = dataDirOf(m_engine);
  QString caError;
  std::string ca = caCertificate(dataDir, &caError);
  std::string bundle;
  QString text;
  if (!ca.empty()) {
    auto written = engine::writeCombinedCaBundle(dataDir, ca);
    if (!written) {
      if (error) *error = qs(written.error().message);
      return {};
    }
    bundle = *written;
  } else {
    text += QStringLiteral("# no Proxyscope CA available: HTTPS is tunnelled, not inspected\n");
  }
  // As `proxyscope env`: without a CA the CA variables are left out rather than exported empty
  // (an empty SSL_CERT_FILE breaks TLS clients).
  const QStringList lines = qs(engine::shellExports(*listen, bundle, ca)).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
  for (const QString& line : lines) {
    if (!line.endsWith(QStringLiteral("=''"))) text += line + QLatin1Char('\n');
  }
  return text;
}

namespace {
// Starts a launch spec detached and registers its pid with the engine, so its flows are tagged.
QString startLaunched(engine::Engine& engine, const engine::LaunchSpec& spec) {
  std::vector<std::string> argv{spec.program};
  argv.insert(argv.end(), spec.args.begin(), spec.args.end());
  // Detached: the browser outlives Proxyscope's window if the user wants; its profile is a
  // temporary folder. Registered right after the spawn: a browser needs far longer than that to
  // open its first connection.
  auto pid = engine::spawnDetached(argv);
  if (!pid) return qs(pid.error().message);
  engine.registerLaunchedApp(*pid, spec.appTag);
  return {};
}

// What every browser launch needs: the proxy address as a client reaches it, and the CA's PEM.
// Returns the error for the user, "" on success.
QString launchInputs(engine::Engine& engine, const QString& listenAddress, engine::Endpoint& proxy, std::string& ca) {
  auto listen = endpointOf(listenAddress);
  if (!listen) return qs(listen.error().message);
  QString error;
  ca = caCertificate(dataDirOf(engine), &error);
  if (ca.empty()) return EngineBridge::tr("the Proxyscope CA is not available: %1").arg(error);
  proxy = *listen;
  proxy.host = clientHost(*listen);
  return {};
}
}  // namespace

QString EngineBridge::launchChromium(const QString& listenAddress, const QString& url) {
  engine::Endpoint proxy;
  std::string ca;
  if (QString error = launchInputs(m_engine, listenAddress, proxy, ca); !error.isEmpty()) return error;
  auto spec = engine::chromiumLaunch(proxy, ca, url.toStdString());
  if (!spec) return qs(spec.error().message);
  return startLaunched(m_engine, *spec);
}

QString EngineBridge::launchFirefox(const QString& listenAddress, QString* note, const QString& url) {
  engine::Endpoint proxy;
  std::string ca;
  if (QString error = launchInputs(m_engine, listenAddress, proxy, ca); !error.isEmpty()) return error;
  auto spec = engine::firefoxLaunch(proxy, ca, url.toStdString());
  if (!spec) return qs(spec.error().message);
  if (note) *note = qs(spec->note);
  return startLaunched(m_engine, *spec);
}

}  // namespace ps::ui
