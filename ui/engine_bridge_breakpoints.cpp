// EngineBridge, breakpoints block: rules, paused flows, decisions, replay. Every call posts to the
// engine and returns at once (STYLE.md "Threads" 3); paused flows are value snapshots.
#include <QUrl>
#include <chrono>

#include "engine/har/curl_export.h"
#include "ui/engine_bridge.h"

namespace eng = ps::engine;

namespace ps::ui {
namespace {

QString qstr(const std::string& s) { return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size())); }
std::string str(const QString& s) { return s.toUtf8().toStdString(); }

eng::BreakStage toEngine(BreakStageUi stage) {
  switch (stage) {
    case BreakStageUi::Request: return eng::BreakStage::Request;
    case BreakStageUi::Response: return eng::BreakStage::Response;
    case BreakStageUi::Both: return eng::BreakStage::Both;
  }
  return eng::BreakStage::Request;
}

HeaderList fromHeaders(const eng::Headers& headers) {
  HeaderList list;
  for (const auto& field : headers) list.push_back({qstr(field.name), qstr(field.value)});
  return list;
}

// Content-Length and Transfer-Encoding describe the old body; the engine frames the new one
// (RFC 9112 §6.1-6.3), so a stale length never reaches the peer.
eng::Headers toHeaders(const HeaderList& list) {
  eng::Headers headers;
  for (const auto& [name, value] : list) {
    if (name.compare(QLatin1String("content-length"), Qt::CaseInsensitive) == 0) continue;
    if (name.compare(QLatin1String("transfer-encoding"), Qt::CaseInsensitive) == 0) continue;
    headers.add(str(name), str(value));
  }
  return headers;
}

eng::Request toRequest(const EditableRequest& edit, const eng::Request* base) {
  eng::Request rq = base ? *base : eng::Request{};
  rq.method = str(edit.method.trimmed().toUpper());
  QUrl url(edit.url.trimmed());
  rq.scheme = str(url.scheme().isEmpty() ? QStringLiteral("http") : url.scheme().toLower());
  rq.host = str(url.host());
  int defaultPort = rq.scheme == "https" ? 443 : 80;
  rq.port = static_cast<uint16_t>(url.port(defaultPort));
  QString path = url.path(QUrl::FullyEncoded);
  if (path.isEmpty()) path = QStringLiteral("/");
  if (url.hasQuery()) path += QLatin1Char('?') + url.query(QUrl::FullyEncoded);
  rq.path = str(path);
  // Keep the form of the original request-target (RFC 9112 §3.2): absolute-form for a forward
  // proxy's plain-HTTP requests, origin-form otherwise.
  bool absolute = base ? base->target.rfind("http", 0) == 0 : false;
  rq.target = absolute ? rq.url() : rq.path;
  rq.headers = toHeaders(edit.headers);
  if (!rq.headers.has("Host")) rq.headers.add("Host", rq.authority());
  rq.body.captured = edit.body.toStdString();
  rq.body.size = rq.body.captured.size();
  return rq;
}

eng::Response toResponse(const EditableResponse& edit, const eng::Response* base) {
  eng::Response rs = base ? *base : eng::Response{};
  rs.status = edit.status;
  rs.reason = str(edit.reason);
  rs.headers = toHeaders(edit.headers);
  rs.body.captured = edit.body.toStdString();
  rs.body.size = rs.body.captured.size();
  return rs;
}

EditableRequest fromRequest(const eng::Request& rq) {
  EditableRequest e;
  e.method = qstr(rq.method);
  e.url = qstr(rq.url());
  e.headers = fromHeaders(rq.headers);
  e.body = QByteArray(rq.body.captured.data(), static_cast<qsizetype>(rq.body.captured.size()));
  return e;
}

eng::PausedFlow findPaused(const eng::Engine& engine, uint64_t id) {
  for (auto& p : engine.pausedFlows())
    if (p.flowId == id) return p;
  return {};
}

}  // namespace

QString EngineBridge::setBreakpointRules(const QVector<BreakpointRuleUi>& rules) {
  std::vector<eng::BreakpointRule> list;
  uint64_t id = 0;
  for (const auto& r : rules) {
    ++id;
    if (!r.enabled) continue;
    eng::BreakpointRule rule;
    rule.id = id;
    rule.expression = str(r.expression);
    rule.stage = toEngine(r.stage);
    rule.enabled = r.enabled;
    list.push_back(std::move(rule));
  }
  auto result = m_engine.setBreakpoints(std::move(list));
  return result.ok() ? QString() : qstr(result.error().message);
}

void EngineBridge::setBreakpointsEnabled(bool enabled) { m_engine.setBreakpointsEnabled(enabled); }
void EngineBridge::breakOnNextRequest() { m_engine.breakOnNextRequest(); }

QVector<PausedFlowUi> EngineBridge::pausedFlows() const {
  QVector<PausedFlowUi> out;
  for (const auto& p : m_engine.pausedFlows()) {
    PausedFlowUi ui;
    ui.id = p.flowId;
    ui.stage = p.stage == eng::BreakStage::Response ? BreakStageUi::Response : BreakStageUi::Request;
    ui.pausedAtMs = p.pausedAt / 1000;
    ui.deadlineMs = p.deadline / 1000;
    if (p.snapshot) {
      ui.request = fromRequest(p.snapshot->request);
      if (p.snapshot->response) {
        const auto& rs = *p.snapshot->response;
        ui.hasResponse = true;
        ui.response.status = rs.status;
        ui.response.reason = qstr(rs.reason);
        ui.response.headers = fromHeaders(rs.headers);
        ui.response.body = QByteArray(rs.body.captured.data(), static_cast<qsizetype>(rs.body.captured.size()));
      }
    }
    out.push_back(std::move(ui));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

bool EngineBridge::continueFlow(uint64_t id) { return m_engine.resolve(id, eng::Decision{}); }

bool EngineBridge::continueEditedRequest(uint64_t id, const EditableRequest& request) {
  auto paused = findPaused(m_engine, id);
  if (!paused.snapshot) return false;
  eng::Decision d;
  d.kind = eng::Decision::Kind::ContinueEdited;
  d.request = toRequest(request, &paused.snapshot->request);
  return m_engine.resolve(id, std::move(d));
}

bool EngineBridge::continueEditedResponse(uint64_t id, const EditableResponse& response) {
  auto paused = findPaused(m_engine, id);
  if (!paused.snapshot || !paused.snapshot->response) return false;
  eng::Decision d;
  d.kind = eng::Decision::Kind::ContinueEdited;
  d.response = toResponse(response, &*paused.snapshot->response);
  return m_engine.resolve(id, std::move(d));
}

bool EngineBridge::respondTo(uint64_t id, const EditableResponse& response) {
  eng::Decision d;
  d.kind = eng::Decision::Kind::Respond;
  d.response = toResponse(response, nullptr);
  return m_engine.resolve(id, std::move(d));
}

bool EngineBridge::abortFlow(uint64_t id, bool closeConnection) {
  eng::Decision d;
  d.kind = eng::Decision::Kind::Abort;
  d.closeConnection = closeConnection;
  d.reason = "aborted at a breakpoint";
  return m_engine.resolve(id, std::move(d));
}

uint64_t EngineBridge::replay(const EditableRequest& request, uint64_t replayOf, QString* error) {
  const eng::Request* base = nullptr;
  auto it = m_snapshots.find(replayOf);
  if (it != m_snapshots.end()) base = &it->second->request;
  auto result = m_engine.replay(toRequest(request, base), replayOf);
  if (!result.ok()) {
    if (error) *error = qstr(result.error().message);
    return 0;
  }
  return result.value();
}

QString EngineBridge::repeat(const EditableRequest& request, uint64_t replayOf, unsigned count, unsigned concurrency,
                             int delayMs) {
  const eng::Request* base = nullptr;
  auto it = m_snapshots.find(replayOf);
  if (it != m_snapshots.end()) base = &it->second->request;
  eng::Engine::RepeatOptions options;
  options.count = count;
  options.concurrency = concurrency;
  options.delay = std::chrono::milliseconds(delayMs);
  auto result = m_engine.repeat(toRequest(request, base), replayOf, options);
  return result.ok() ? QString() : qstr(result.error().message);
}

std::optional<EditableRequest> EngineBridge::editableRequest(uint64_t id) const {
  auto it = m_snapshots.find(id);
  if (it == m_snapshots.end()) return std::nullopt;
  return fromRequest(it->second->request);
}

std::optional<EditableRequest> EngineBridge::requestFromCurl(const QString& command, QString* error) {
  auto parsed = eng::har::parseCurlCommand(str(command));
  if (!parsed.ok()) {
    if (error) *error = qstr(parsed.error().message);
    return std::nullopt;
  }
  return fromRequest(parsed.value());
}

}  // namespace ps::ui
