// EngineBridge, settings: the Settings dialog's values ↔ the engine's EngineConfig (listen
// addresses, capture caps, HTTPS interception), applied at run time with Engine::setConfig.
#include "engine/proxy/reverse_config.h"
#include "engine/tls/server_tls_context.h"
#include "ui/engine_bridge.h"

namespace ps::ui {

namespace eng = ps::engine;

namespace {

QString qs(const std::string& s) { return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size())); }

QStringList toQt(const std::vector<std::string>& list) {
  QStringList out;
  for (const auto& s : list) out << qs(s);
  return out;
}

std::vector<std::string> toStd(const QStringList& list) {
  std::vector<std::string> out;
  for (const auto& s : list) out.push_back(s.trimmed().toStdString());
  return out;
}

}  // namespace

SettingsValues EngineBridge::settings() const {
  SettingsValues v;
  auto config = m_engine.config();
  if (!config) return v;
  const bool reverse = config->mode == eng::ProxyMode::Reverse;
  v.forwardListen = qs((reverse ? m_forwardListen : config->listen).toString());
  v.reverseListen = qs((reverse ? config->listen : m_reverseListen).toString());
  ReverseTlsChoice tls;
  if (m_reverseTls) {
    tls = *m_reverseTls;
  } else if (config->reverse && !config->reverse->listeners.empty()) {
    const auto& listener = config->reverse->listeners.front();
    tls = ReverseTlsChoice{listener.tls, listener.certFile, listener.keyFile};
  }
  v.reverseTls = !tls.tls ? ReverseTlsUi::Off : tls.certFile.empty() ? ReverseTlsUi::ProxyscopeCa : ReverseTlsUi::OwnCertificate;
  v.reverseCertFile = qs(tls.certFile);
  v.reverseKeyFile = qs(tls.keyFile);
  v.capture = config->capture;
  v.bodyCaptureBytes = static_cast<qint64>(config->limits.bodyCaptureBytes);
  v.maxHeaderBytes = static_cast<qint64>(config->limits.maxHeaderBytes);
  v.maxHeaderCount = static_cast<qint64>(config->limits.maxHeaderCount);
  v.maxRequestLine = static_cast<qint64>(config->limits.maxRequestLine);
  v.intercept = config->tls.intercept;
  v.passThrough = toQt(config->tls.passThrough);
  v.interceptOnly = toQt(config->tls.interceptOnly);
  v.upstreamCaFile = qs(config->tls.upstreamCaFile);
  v.insecureUpstream = toQt(config->tls.insecureUpstream);
  return v;
}

QString EngineBridge::checkListenAddress(const QString& text) {
  if (text.trimmed().isEmpty()) return QStringLiteral("an address is needed (HOST:PORT)");
  auto endpoint = eng::parseEndpoint(text.trimmed().toStdString());
  return endpoint ? QString() : qs(endpoint.error().message);
}

QString EngineBridge::checkReverseCertificate(const QString& certFile, const QString& keyFile) {
  if (certFile.trimmed().isEmpty() || keyFile.trimmed().isEmpty()) return QStringLiteral("give both a certificate and a key file");
  auto context = eng::tls::createFixedCertificateContext(certFile.trimmed().toStdString(), keyFile.trimmed().toStdString());
  return context ? QString() : qs(context.error().message);
}

void EngineBridge::applyReverseTls(eng::ReverseConfig& config, const ReverseTlsChoice& choice) {
  if (config.listeners.empty()) config.listeners.push_back(eng::ReverseListener{});
  auto& listener = config.listeners.front();
  listener.tls = choice.tls;
  listener.certFile = choice.certFile;
  listener.keyFile = choice.keyFile;
}

QString EngineBridge::applySettings(const SettingsValues& v) {
  auto forward = eng::parseEndpoint(v.forwardListen.trimmed().toStdString());
  if (!forward) return QStringLiteral("Forward listen address: %1").arg(qs(forward.error().message));
  auto reverse = eng::parseEndpoint(v.reverseListen.trimmed().toStdString());
  if (!reverse) return QStringLiteral("Reverse listen address: %1").arg(qs(reverse.error().message));
  if (v.bodyCaptureBytes < 0 || v.maxHeaderBytes < 1 || v.maxHeaderCount < 1 || v.maxRequestLine < 1) {
    return QStringLiteral("capture limits must be positive");
  }
  ReverseTlsChoice tls{v.reverseTls != ReverseTlsUi::Off, {}, {}};
  if (v.reverseTls == ReverseTlsUi::OwnCertificate) {
    if (QString error = checkReverseCertificate(v.reverseCertFile, v.reverseKeyFile); !error.isEmpty()) {
      return QStringLiteral("Reverse proxy HTTPS: %1").arg(error);
    }
    tls.certFile = v.reverseCertFile.trimmed().toStdString();
    tls.keyFile = v.reverseKeyFile.trimmed().toStdString();
  }
  auto current = m_engine.config();
  auto next = current ? std::make_shared<eng::EngineConfig>(*current) : std::make_shared<eng::EngineConfig>();
  next->capture = v.capture;
  next->limits.bodyCaptureBytes = static_cast<size_t>(v.bodyCaptureBytes);
  next->limits.maxHeaderBytes = static_cast<size_t>(v.maxHeaderBytes);
  next->limits.maxHeaderCount = static_cast<size_t>(v.maxHeaderCount);
  next->limits.maxRequestLine = static_cast<size_t>(v.maxRequestLine);
  next->tls.intercept = v.intercept;
  next->tls.passThrough = toStd(v.passThrough);
  next->tls.interceptOnly = toStd(v.interceptOnly);
  next->tls.upstreamCaFile = v.upstreamCaFile.trimmed().toStdString();
  next->tls.insecureUpstream = toStd(v.insecureUpstream);
  m_forwardListen = *forward;
  m_reverseListen = *reverse;

  const bool reverseMode = next->mode == eng::ProxyMode::Reverse;
  const eng::Endpoint& wanted = reverseMode ? *reverse : *forward;
  // The listener's TLS belongs to a run, like its address: a change in reverse mode restarts it.
  bool tlsChanged = false;
  if (reverseMode && next->reverse && !next->reverse->listeners.empty()) {
    const auto& listener = next->reverse->listeners.front();
    tlsChanged = !(ReverseTlsChoice{listener.tls, listener.certFile, listener.keyFile} == tls);
  }
  m_reverseTls = tls;
  const bool moved = wanted.toString() != next->listen.toString() || tlsChanged;
  if (!moved) {
    m_engine.setConfig(std::move(next));  // new connections use it; those in flight keep theirs
    return {};
  }
  next->listen = wanted;
  if (reverseMode) {
    QString error;
    next->reverse = reverseFor(wanted, &error);
    if (!next->reverse) return error;
  }
  // The listen socket belongs to a run: a new address takes stop → config → start.
  const bool wasRunning = m_engine.running();
  if (wasRunning) stop();
  m_engine.setConfig(std::move(next));
  return wasRunning ? start() : QString();
}

}  // namespace ps::ui
