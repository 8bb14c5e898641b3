// EngineBridge, reverse mode: backend statistics and admin for the reverse panel, the validated
// configuration form, demo backends for zero set-up, and the hop diff of a flow.
#include <algorithm>

#include <QSet>

#include "engine/http/message_writer.h"
#include "engine/proxy/backend_stats.h"
#include "engine/proxy/demo_backend.h"
#include "engine/proxy/forwarding_headers.h"
#include "engine/proxy/reverse_config.h"
#include "ui/engine_bridge.h"

namespace ps::ui {

namespace eng = ps::engine;

namespace {

QString qs(const std::string& s) { return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size())); }

eng::BackendAdminAction toEngine(BackendActionUi action) {
  switch (action) {
    case BackendActionUi::Enable: return eng::BackendAdminAction::Enable;
    case BackendActionUi::Drain: return eng::BackendAdminAction::Drain;
    case BackendActionUi::Disable: return eng::BackendAdminAction::Disable;
    case BackendActionUi::SetWeight: return eng::BackendAdminAction::SetWeight;
  }
  return eng::BackendAdminAction::Enable;
}

// The form → a one-pool config, through the engine's own command-line builder so a bad URL or
// strategy gets the engine's message; then the per-backend and health fields.
eng::Result<eng::ReverseConfig> buildConfig(const ReverseForm& form, const eng::Endpoint& listen,
                                            const eng::ReverseConfig* base) {
  std::vector<std::string> urls;
  for (const auto& b : form.backends) urls.push_back(b.url.trimmed().toStdString());
  auto built = eng::reverseConfigFromCommandLine(urls, form.strategy.trimmed().toStdString(), listen);
  if (!built) return built.error();
  auto& pool = built->pools.front();
  for (qsizetype i = 0; i < form.backends.size(); ++i) {
    const auto& b = form.backends[i];
    if (b.weight < 1 || b.weight > 1000) {
      return eng::Error{"backend " + std::to_string(i + 1) + ": weight must be 1-1000"};
    }
    pool.backends[static_cast<size_t>(i)].weight = static_cast<unsigned>(b.weight);
    pool.backends[static_cast<size_t>(i)].enabled = b.enabled;
    // Keep the names of backends already known (demo backends name themselves; stats keep counting).
    if (base && !base->pools.empty()) {
      for (const auto& old : base->pools.front().backends) {
        if (old.url == pool.backends[static_cast<size_t>(i)].url) pool.backends[static_cast<size_t>(i)].name = old.name;
      }
    }
  }
  pool.health.enabled = form.healthEnabled;
  const std::string path = form.healthPath.trimmed().toStdString();
  if (form.healthEnabled && (path.empty() || path.front() != '/')) return eng::Error{"health check path must start with '/'"};
  pool.health.path = path.empty() ? "/" : path;
  if (form.healthIntervalMs < 100) return eng::Error{"health check interval must be at least 100 ms"};
  pool.health.interval = std::chrono::milliseconds(form.healthIntervalMs);
  if (base) {
    built->headers = base->headers;
    if (!base->listeners.empty()) built->listeners.front().tls = base->listeners.front().tls;
  }
  return built;
}

}  // namespace

std::shared_ptr<const eng::ReverseConfig> EngineBridge::reverseFor(const eng::Endpoint& listen, QString* error) {
  auto current = m_engine.config();
  if (current && current->reverse && !current->reverse->pools.empty() && !current->reverse->pools.front().backends.empty()) {
    // The user's (or command line's) configuration, moved to the new listen address.
    auto copy = std::make_shared<eng::ReverseConfig>(*current->reverse);
    if (copy->listeners.empty()) copy->listeners.push_back(eng::ReverseListener{});
    copy->listeners.front().listen = listen;
    if (m_reverseTls) applyReverseTls(*copy, *m_reverseTls);
    return copy;
  }
  // Zero set-up: three demo backends on loopback, each naming itself (issue 4).
  if (!m_demo || demoBackendUrls().isEmpty()) startDemoBackends(3);
  std::vector<std::string> urls;
  for (const QString& u : demoBackendUrls()) urls.push_back(u.toStdString());
  auto built = eng::reverseConfigFromCommandLine(urls, "round-robin", listen);
  if (!built) {
    if (error) *error = qs(built.error().message);
    return nullptr;
  }
  auto names = m_demo->names();
  for (size_t i = 0; i < names.size() && i < built->pools.front().backends.size(); ++i) built->pools.front().backends[i].name = names[i];
  built->source = "demo backends";
  if (m_reverseTls) applyReverseTls(*built, *m_reverseTls);
  return std::make_shared<const eng::ReverseConfig>(std::move(built.value()));
}

QStringList EngineBridge::startDemoBackends(int n, double failureRate) {
  auto demo = std::make_shared<eng::DemoBackends>();
  eng::DemoBackendOptions options;
  options.failureRate = failureRate;
  if (!demo->start(static_cast<unsigned>(std::max(1, n)), options)) return {};
  m_demo = std::move(demo);
  return demoBackendUrls();
}

QStringList EngineBridge::startExtraDemoBackends(int n, double failureRate) {
  auto demo = std::make_shared<eng::DemoBackends>();
  eng::DemoBackendOptions options;
  options.failureRate = failureRate;
  options.namePrefix = failureRate > 0 ? "flaky-" : "origin-";
  if (!demo->start(static_cast<unsigned>(std::max(1, n)), options)) return {};
  QStringList out;
  for (const auto& u : demo->urls()) out << qs(u);
  m_extraDemo.push_back(std::move(demo));
  return out;
}

QStringList EngineBridge::demoBackendUrls() const {
  QStringList out;
  if (m_demo) {
    for (const auto& u : m_demo->urls()) out << qs(u);
  }
  return out;
}

QVector<BackendRowUi> EngineBridge::backendStats() const {
  QVector<BackendRowUi> out;
  for (const auto& s : m_engine.backendStats()) {
    BackendRowUi r;
    r.pool = qs(s.pool);
    r.name = qs(s.name);
    r.url = qs(s.url);
    r.status = QString::fromLatin1(eng::toString(s.status));
    r.up = s.status == eng::BackendStatus::Healthy;
    r.weight = static_cast<int>(s.weight);
    r.requests = s.requests;
    r.active = s.active;
    r.errors = s.errors;
    r.p50Ms = static_cast<double>(s.p50Micros) / 1000.0;
    r.p95Ms = static_cast<double>(s.p95Micros) / 1000.0;
    r.p99Ms = static_cast<double>(s.p99Micros) / 1000.0;
    r.lastError = qs(s.lastError);
    out.push_back(std::move(r));
  }
  return out;
}

QString EngineBridge::adminBackend(const QString& pool, const QString& backend, BackendActionUi action, int weight) {
  auto done = m_engine.adminBackend(pool.toStdString(), backend.toStdString(), toEngine(action),
                                    static_cast<unsigned>(std::max(0, weight)));
  return done ? QString() : qs(done.error().message);
}

ReverseForm EngineBridge::reverseForm() const {
  ReverseForm form;
  auto config = m_engine.config();
  if (!config || !config->reverse || config->reverse->pools.empty()) return form;
  const auto& pool = config->reverse->pools.front();
  for (const auto& b : pool.backends) form.backends.push_back({qs(b.url), static_cast<int>(b.weight), b.enabled});
  form.strategy = QString::fromLatin1(eng::toString(pool.strategy));
  form.healthEnabled = pool.health.enabled;
  form.healthPath = qs(pool.health.path);
  form.healthIntervalMs = static_cast<int>(pool.health.interval.count());
  return form;
}

QString EngineBridge::validateReverseForm(const ReverseForm& form) const {
  auto config = m_engine.config();
  const eng::Endpoint listen = config ? config->listen : eng::Endpoint{"127.0.0.1", 8000};
  auto built = buildConfig(form, listen, config ? config->reverse.get() : nullptr);
  return built ? QString() : qs(built.error().message);
}

QString EngineBridge::applyReverseForm(const ReverseForm& form) {
  auto config = m_engine.config();
  auto next = config ? std::make_shared<eng::EngineConfig>(*config) : std::make_shared<eng::EngineConfig>();
  auto built = buildConfig(form, next->listen, config ? config->reverse.get() : nullptr);
  if (!built) return qs(built.error().message);
  built->source = "reverse panel";
  next->reverse = std::make_shared<const eng::ReverseConfig>(std::move(built.value()));
  // Swapped whole: new connections use it, connections in flight keep theirs (issue 4).
  m_engine.setConfig(std::move(next));
  return {};
}

std::optional<HopDiff> EngineBridge::hopDiff(uint64_t id) const {
  auto it = m_snapshots.find(id);
  if (it == m_snapshots.end() || !it->second) return std::nullopt;
  const eng::Flow& flow = *it->second;
  HopDiff diff;
  diff.flowId = flow.id;
  const auto& req = flow.request;
  const QString version = QStringLiteral("HTTP/%1.%2").arg(req.versionMajor).arg(req.versionMinor);
  diff.receivedLine = QStringLiteral("%1 %2 %3").arg(qs(req.method), qs(req.target), version);
  // Upstream, the request line is in origin form (RFC 9112 3.2.1); a forward proxy received the
  // absolute form (RFC 9112 3.2.2).
  diff.sentLine = QStringLiteral("%1 %2 HTTP/1.1").arg(qs(req.method), qs(req.path.empty() ? req.target : req.path));

  // The engine's own rules on a copy: hop-by-hop fields go (RFC 9110 7.6.1) ...
  eng::Headers sent = req.headers;
  QSet<QString> removed;
  for (const auto& name : eng::http::removeHopByHop(sent)) removed.insert(QString::fromStdString(name).toLower());
  // ... and in reverse mode the forwarding fields come (RFC 7239) and the Host policy applies.
  auto config = m_engine.config();
  if (flow.mode == eng::ProxyMode::Reverse && config && config->reverse) {
    const auto& policy = config->reverse->headers;
    const std::string host(req.headers.get("Host").value_or(""));
    eng::addForwardingHeaders(sent, eng::ForwardingContext{flow.clientAddress, req.scheme, host, ""}, policy);
    std::string authority = flow.serverAddress;
    for (const auto& pool : config->reverse->pools) {
      if (const auto* b = pool.findBackend(flow.backend)) authority = b->host + ":" + std::to_string(b->port);
    }
    eng::applyHostPolicy(sent, policy, authority);
    if (host != sent.get("Host").value_or("")) diff.notes << QStringLiteral("Host rewritten for the backend");
    else diff.notes << QStringLiteral("Host preserved (the backend sees the name the client used)");
    if (req.scheme == "https") diff.notes << QStringLiteral("TLS terminated at the proxy; plain HTTP to the backend");
    if (!flow.backend.empty()) diff.notes << QStringLiteral("Sent to backend %1").arg(qs(flow.backend));
  } else if (flow.mode == eng::ProxyMode::Forward && req.scheme == "https") {
    diff.notes << QStringLiteral("TLS terminated by interception and re-encrypted towards the server");
  }

  // Received side: each line marked removed when the sent copy lost it.
  QHash<QString, QStringList> sentValues;
  for (const auto& f : sent) sentValues[qs(f.name).toLower()] << qs(f.value);
  QHash<QString, QStringList> receivedValues;
  for (const auto& f : req.headers) {
    const QString name = qs(f.name);
    const QString lower = name.toLower();
    receivedValues[lower] << qs(f.value);
    HopDiffLine line{name, qs(f.value), HopDiffLine::Change::Same};
    if (!sentValues.contains(lower) || removed.contains(lower)) line.change = HopDiffLine::Change::Removed;
    else if (!sentValues[lower].contains(line.value)) line.change = HopDiffLine::Change::Changed;
    diff.received.push_back(line);
  }
  for (const auto& f : sent) {
    const QString name = qs(f.name);
    const QString lower = name.toLower();
    HopDiffLine line{name, qs(f.value), HopDiffLine::Change::Same};
    if (!receivedValues.contains(lower)) line.change = HopDiffLine::Change::Added;
    else if (!receivedValues[lower].contains(line.value)) line.change = HopDiffLine::Change::Changed;
    diff.sent.push_back(line);
  }
  if (!removed.isEmpty()) {
    QStringList names(removed.begin(), removed.end());
    names.sort();
    diff.notes.prepend(QStringLiteral("Hop-by-hop removed: %1").arg(names.join(QStringLiteral(", "))));
  }
  return diff;
}

}  // namespace ps::ui
