#include "ui/engine_bridge.h"

#include "engine/http/message_writer.h"

#include <QMetaObject>
#include <QStringList>
#include <QThreadPool>
#include <algorithm>
#include <cctype>
#include <mutex>

namespace ps::ui {

namespace eng = ps::engine;

// The notify closure outlives neither the hub's copy of it nor a publish in progress; it reaches
// the bridge through this target, which the destructor clears under the lock before the sink goes.
struct EngineBridge::NotifyTarget {
  std::mutex mutex;
  EngineBridge* bridge = nullptr;
};

namespace {

QString qs(const std::string& s) { return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size())); }

// "text/html; charset=utf-8" → "text/html" (RFC 9110 8.3.1: parameters follow ';'; the type and
// subtype are case-insensitive).
std::string mediaType(const eng::Headers& headers) {
  auto value = headers.get("content-type");
  if (!value) return {};
  std::string_view v = *value;
  v = v.substr(0, v.find(';'));
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  std::string out(v);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

RowKind rowKind(eng::FlowKind kind) {
  switch (kind) {
    case eng::FlowKind::Http: return RowKind::Http;
    case eng::FlowKind::Tunnel: return RowKind::Tunnel;
    case eng::FlowKind::WebSocket: return RowKind::WebSocket;
  }
  return RowKind::Http;
}

HeaderList toHeaderList(const eng::Headers& headers) {
  HeaderList out;
  out.reserve(static_cast<qsizetype>(headers.size()));
  for (const auto& field : headers) out.push_back({qs(field.name), qs(field.value)});
  return out;
}

QString httpVersion(int major, int minor) { return QStringLiteral("HTTP/%1.%2").arg(major).arg(minor); }

}  // namespace

EngineBridge::EngineBridge(eng::Engine& engine, QObject* parent) : EngineBridge(engine, Options{}, parent) {}

EngineBridge::EngineBridge(eng::Engine& engine, Options options, QObject* parent)
    : QObject(parent), m_engine(engine), m_options(options), m_target(std::make_shared<NotifyTarget>()) {
  m_target->bridge = this;
  m_coalesceTimer.setSingleShot(true);
  m_coalesceTimer.setTimerType(Qt::PreciseTimer);
  connect(&m_coalesceTimer, &QTimer::timeout, this, &EngineBridge::drainBatch);

  eng::EventHub::SinkOptions sink;
  sink.capacity = m_options.capacity;
  // Runs on an engine thread: only queue the drain, never touch the bridge's state here.
  sink.notify = [target = m_target] {
    std::lock_guard lock(target->mutex);
    if (target->bridge != nullptr) {
      QMetaObject::invokeMethod(target->bridge, &EngineBridge::drain, Qt::QueuedConnection);
    }
  };
  m_sink = m_engine.events().addSink(std::move(sink));
}

EngineBridge::~EngineBridge() {
  waitSessionJobs();
  {
    std::lock_guard lock(m_target->mutex);
    m_target->bridge = nullptr;
  }
  m_engine.events().removeSink(m_sink);
}

QString EngineBridge::start() {
  if (m_engine.running()) return {};
  auto bound = m_engine.start();
  if (!bound) return qs(bound.error().message);
  emit runningChanged(true, qs(bound->toString()));
  return {};
}

void EngineBridge::stop() {
  if (!m_engine.running()) return;
  m_engine.stop();
  emit runningChanged(false, {});
}

QString EngineBridge::switchMode(ProxyModeUi mode, const QString& listenAddress) {
  auto endpoint = eng::parseEndpoint(listenAddress.trimmed().toStdString());
  if (!endpoint) return QStringLiteral("Listen address: %1").arg(qs(endpoint.error().message));
  auto current = m_engine.config();
  auto next = current ? std::make_shared<eng::EngineConfig>(*current) : std::make_shared<eng::EngineConfig>();
  next->mode = mode == ProxyModeUi::Reverse ? eng::ProxyMode::Reverse : eng::ProxyMode::Forward;
  next->listen = *endpoint;
  if (next->mode == eng::ProxyMode::Reverse) {
    // Switching from forward with the forward address still in the box: reverse mode listens on its
    // own default (8000), beside a browser's proxy setting for 8080.
    if (current && current->mode != eng::ProxyMode::Reverse && endpoint->port != 0 && endpoint->host == current->listen.host &&
        endpoint->port == current->listen.port) {
      next->listen = m_reverseListen;
    }
    QString error;
    next->reverse = reverseFor(next->listen, &error);
    if (!next->reverse) return error;
  } else if (current && current->mode == eng::ProxyMode::Reverse && endpoint->port != 0 && endpoint->host == current->listen.host &&
             endpoint->port == current->listen.port) {
    next->listen = m_forwardListen;  // and back to the forward default
  }
  // The listen socket belongs to a run: a new address or mode takes stop → config → start.
  const bool wasRunning = m_engine.running();
  if (wasRunning) stop();
  m_engine.setConfig(std::move(next));
  return wasRunning ? start() : QString();
}

bool EngineBridge::running() const { return m_engine.running(); }

QString EngineBridge::listenAddress() const {
  if (m_engine.running()) return qs(m_engine.listenAddress().toString());
  auto config = m_engine.config();
  return config ? qs(config->listen.toString()) : QString();
}

ProxyModeUi EngineBridge::mode() const {
  auto config = m_engine.config();
  return config && config->mode == eng::ProxyMode::Reverse ? ProxyModeUi::Reverse : ProxyModeUi::Forward;
}

std::optional<FlowDetail> EngineBridge::detail(uint64_t id) const {
  auto it = m_snapshots.find(id);
  if (it == m_snapshots.end() || !it->second) return sessionDetail(id);
  return toDetail(*it->second);
}

void EngineBridge::clear() {
  m_snapshots.clear();
  m_snapshotOrder.clear();
  emit cleared();
}

uint64_t EngineBridge::droppedEvents() const { return m_engine.events().dropped(m_sink); }

size_t EngineBridge::pendingEvents() const { return m_engine.events().pending(m_sink); }

void EngineBridge::drain() {
  if (m_options.coalesceMillis > 0 && m_sinceLastDrain.isValid()) {
    const qint64 elapsed = m_sinceLastDrain.elapsed();
    if (elapsed < m_options.coalesceMillis) {
      // Too soon after the last batch: let events pile up into one bigger batch.
      if (!m_coalesceTimer.isActive()) m_coalesceTimer.start(static_cast<int>(m_options.coalesceMillis - elapsed));
      return;
    }
  }
  m_coalesceTimer.stop();
  drainBatch();
}

void EngineBridge::drainBatch() {
  m_sinceLastDrain.restart();
  QElapsedTimer budget;
  budget.start();

  // Per id, the position of its entry in this batch; each entry keeps the latest snapshot only,
  // so a flow that starts and finishes within one batch becomes one inserted row.
  std::vector<eng::FlowPtr> inserted;
  std::vector<eng::FlowPtr> updated;
  std::unordered_map<uint64_t, std::pair<bool, size_t>> position;  // id → (inserted?, index)
  QVector<TopologySample> finished;

  size_t taken = 0;
  while (taken < m_options.maxBatchEvents) {
    m_scratch.clear();
    const size_t n = m_engine.events().drain(m_sink, m_scratch, std::min<size_t>(512, m_options.maxBatchEvents - taken));
    if (n == 0) break;
    taken += n;
    for (auto& event : m_scratch) {
      if (!event.flow) continue;
      if (event.type == eng::FlowEventType::BackendHealth) {
        // Not a flow: a reverse-mode backend changed state.
        emit backendHealthChanged(QString::fromStdString(event.detail));
        continue;
      }
      ++m_eventsReceived;
      const uint64_t id = event.flow->id;
      if (event.type == eng::FlowEventType::Finished) {
        m_bytesSeen += event.flow->bytesFromClient + event.flow->bytesToClient;
        finished.push_back(toTopologySample(*event.flow));
      }
      auto [snap, isNew] = m_snapshots.try_emplace(id, event.flow);
      if (!isNew) snap->second = event.flow;
      auto pos = position.find(id);
      if (pos != position.end()) {
        (pos->second.first ? inserted : updated)[pos->second.second] = std::move(event.flow);
      } else if (isNew) {
        ++m_flowsSeen;
        m_snapshotOrder.push_back(id);
        position.emplace(id, std::make_pair(true, inserted.size()));
        inserted.push_back(std::move(event.flow));
      } else {
        position.emplace(id, std::make_pair(false, updated.size()));
        updated.push_back(std::move(event.flow));
      }
    }
    if (budget.elapsed() >= m_options.maxBatchMillis) break;
  }
  while (m_snapshotOrder.size() > m_options.maxSnapshots) {
    m_snapshots.erase(m_snapshotOrder.front());
    m_snapshotOrder.pop_front();
  }

  if (!inserted.empty() || !updated.empty()) {
    FlowBatch batch;
    batch.inserted.reserve(inserted.size());
    batch.updated.reserve(updated.size());
    for (const auto& flow : inserted) batch.inserted.push_back(toRow(*flow));
    for (const auto& flow : updated) batch.updated.push_back(toRow(*flow));
    emit batchReady(batch);
  }
  if (!finished.isEmpty()) emit flowsFinished(finished);
  if (pendingEvents() > 0) rearm();
}

TopologySample EngineBridge::toTopologySample(const eng::Flow& flow) {
  TopologySample s;
  s.flowId = flow.id;
  s.clientAddress = QString::fromStdString(flow.clientAddress);
  for (const auto& tag : flow.tags) {
    if (tag.rfind("app:", 0) == 0) s.app = QString::fromStdString(tag.substr(4));
  }
  s.host = QString::fromStdString(flow.request.host);
  s.port = flow.request.port;
  s.scheme = QString::fromStdString(flow.request.scheme);
  s.backend = QString::fromStdString(flow.backend);
  s.status = flow.response ? flow.response->status : 0;
  s.error = flow.error.has_value();
  s.bytes = flow.request.body.size + (flow.response ? flow.response->body.size : 0);
  // The forwarded copy is the received one minus the hop-by-hop fields (RFC 9110 7.6.1) ...
  eng::Headers copy = flow.request.headers;
  for (const auto& name : eng::http::removeHopByHop(copy)) s.headersRemoved << QString::fromStdString(name);
  // ... plus, in reverse mode, the forwarding fields the proxy adds for the backend.
  if (flow.mode == eng::ProxyMode::Reverse && !flow.backend.empty()) {
    s.headersAdded = {QStringLiteral("X-Forwarded-For"), QStringLiteral("X-Forwarded-Proto"), QStringLiteral("Forwarded")};
  }
  s.tlsIntercepted = flow.mode == eng::ProxyMode::Forward && flow.request.scheme == "https" && flow.kind == eng::FlowKind::Http;
  s.tlsTerminated = flow.mode == eng::ProxyMode::Reverse && flow.request.scheme == "https";
  return s;
}

void EngineBridge::rearm() {
  // No notify comes while the sink stays non-empty, so the bridge schedules its own next batch:
  // through the coalescing timer (storms drain at ≤ maxBatchEvents per tick) or a queued call.
  if (m_options.coalesceMillis > 0) {
    if (!m_coalesceTimer.isActive()) m_coalesceTimer.start(m_options.coalesceMillis);
  } else {
    QMetaObject::invokeMethod(this, &EngineBridge::drain, Qt::QueuedConnection);
  }
}

QString EngineBridge::intern(const std::string& text) {
  constexpr size_t kMaxInterned = 50'000;  // client ports are many: start over rather than grow forever
  if (text.empty()) return {};
  auto it = m_strings.find(text);
  if (it != m_strings.end()) return it->second;
  if (m_strings.size() >= kMaxInterned) m_strings.clear();
  return m_strings.emplace(text, qs(text)).first->second;
}

FlowRow EngineBridge::toRow(const eng::Flow& flow) {
  FlowRow row;
  row.id = flow.id;
  row.start = flow.timing.start;
  row.client = intern(flow.clientAddress);
  row.method = intern(flow.request.method);
  row.scheme = intern(flow.request.scheme);
  row.host = intern(flow.request.host);
  // Two origins on one host (127.0.0.1:3001, :3002) must read differently in the table.
  const uint16_t defaultPort = flow.request.scheme == "https" ? 443 : 80;
  if (flow.request.port != 0 && flow.request.port != defaultPort) row.port = flow.request.port;
  row.path = qs(flow.request.path);
  row.kind = rowKind(flow.kind);
  row.requestSize = flow.request.body.size;
  if (flow.response) {
    row.status = flow.response->status;
    row.type = intern(mediaType(flow.response->headers));
    row.responseSize = flow.response->body.size;
  }
  if (flow.kind == eng::FlowKind::Tunnel) {
    // A tunnel has no message bodies: its sizes are the bytes relayed each way.
    row.requestSize = flow.bytesFromClient;
    row.responseSize = flow.bytesToClient;
    if (row.host.isEmpty()) row.host = qs(flow.request.target);
  }
  row.durationMicros = flow.timing.durationMicros();
  row.finished = flow.timing.end > 0;
  row.backend = intern(flow.backend);
  if (!flow.tags.empty()) {
    std::string tags;
    for (const auto& tag : flow.tags) tags += (tags.empty() ? "" : ", ") + tag;
    row.tags = intern(tags);
  }
  if (flow.error && flow.error->kind != eng::ErrorKind::None) {
    row.errorKind = intern(eng::toString(flow.error->kind));
    row.errorMessage = qs(flow.error->message);
  }
  row.intercepted = flow.hasTag("intercepted") || flow.hasTag("breakpoint");
  return row;
}

FlowDetail EngineBridge::toDetail(const eng::Flow& flow) {
  FlowDetail d;
  d.id = flow.id;
  d.url = flow.kind == eng::FlowKind::Tunnel ? qs(flow.request.target) : qs(flow.request.url());
  d.mode = flow.mode == eng::ProxyMode::Reverse ? QStringLiteral("reverse") : QStringLiteral("forward");
  d.kind = flow.kind == eng::FlowKind::Tunnel      ? QStringLiteral("tunnel")
           : flow.kind == eng::FlowKind::WebSocket ? QStringLiteral("websocket")
                                                   : QStringLiteral("http");
  d.clientAddress = qs(flow.clientAddress);
  d.serverAddress = qs(flow.serverAddress);
  d.backend = qs(flow.backend);
  QStringList tags;
  for (const auto& tag : flow.tags) tags << qs(tag);
  d.tags = tags.join(QLatin1String(", "));
  d.start = flow.timing.start;
  d.durationMicros = flow.timing.durationMicros();
  d.bytesFromClient = flow.bytesFromClient;
  d.bytesToClient = flow.bytesToClient;
  // Each phase runs from the previous mark that happened to its own mark (0 = did not happen).
  const auto& t = flow.timing;
  const std::pair<const char*, int64_t> marks[] = {
      {"request head", t.requestHeaders}, {"DNS", t.dnsDone},        {"connect", t.connectDone},
      {"TLS", t.tlsDone},                 {"send", t.requestSent},   {"wait", t.responseStart},
      {"response head", t.responseHeaders}, {"receive", t.end}};
  int64_t previous = t.start;
  for (const auto& [name, at] : marks) {
    if (at <= 0 || t.start <= 0 || at < previous) continue;
    d.timings.push_back({QString::fromLatin1(name), previous - t.start, at - t.start});
    previous = at;
  }
  if (flow.error && flow.error->kind != eng::ErrorKind::None) {
    d.errorKind = QString::fromLatin1(eng::toString(flow.error->kind));
    d.errorMessage = qs(flow.error->message);
  }

  const auto& rq = flow.request;
  d.request.present = true;
  d.request.firstLine = QStringLiteral("%1 %2 %3").arg(qs(rq.method), qs(rq.target), httpVersion(rq.versionMajor, rq.versionMinor));
  d.request.headers = toHeaderList(rq.headers);
  d.request.body = QByteArray(rq.body.captured.data(), static_cast<qsizetype>(rq.body.captured.size()));
  d.request.bodySize = rq.body.size;
  if (flow.response) {
    const auto& rs = *flow.response;
    d.status = rs.status;
    d.reason = qs(rs.reason);
    d.response.present = true;
    d.response.firstLine = QStringLiteral("%1 %2 %3").arg(httpVersion(rs.versionMajor, rs.versionMinor)).arg(rs.status).arg(qs(rs.reason));
    d.response.headers = toHeaderList(rs.headers);
    d.response.body = QByteArray(rs.body.captured.data(), static_cast<qsizetype>(rs.body.captured.size()));
    d.response.bodySize = rs.body.size;
  }
  d.replayOf = flow.replayOf;
  if (flow.originalRequest) {
    const auto& o = *flow.originalRequest;
    d.originalRequest.present = true;
    d.originalRequest.firstLine = QStringLiteral("%1 %2 %3").arg(qs(o.method), qs(o.target), httpVersion(o.versionMajor, o.versionMinor));
    d.originalRequest.headers = toHeaderList(o.headers);
    d.originalRequest.body = QByteArray(o.body.captured.data(), static_cast<qsizetype>(o.body.captured.size()));
    d.originalRequest.bodySize = o.body.size;
  }
  if (flow.originalResponse) {
    const auto& o = *flow.originalResponse;
    d.originalResponse.present = true;
    d.originalResponse.firstLine = QStringLiteral("%1 %2 %3").arg(httpVersion(o.versionMajor, o.versionMinor)).arg(o.status).arg(qs(o.reason));
    d.originalResponse.headers = toHeaderList(o.headers);
    d.originalResponse.body = QByteArray(o.body.captured.data(), static_cast<qsizetype>(o.body.captured.size()));
    d.originalResponse.bodySize = o.body.size;
  }
  return d;
}

}  // namespace ps::ui
