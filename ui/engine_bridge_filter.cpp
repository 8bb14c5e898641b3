// EngineBridge, ui-filter part: filter evaluation on snapshots, completion values, replay, raw
// HTTP, HAR export of a selection and forgetting deleted rows.
#include <QCoreApplication>
#include <QPointer>
#include <QRunnable>
#include <QStringList>
#include <QThreadPool>
#include <algorithm>
#include <cctype>
#include <set>

#include "engine/har/har_export.h"
#include "engine/http/message_writer.h"
#include "engine/query/filter.h"
#include "engine/store/flow_reader.h"
#include "engine/store/flow_store.h"
#include "ui/engine_bridge.h"

namespace ps::ui {

namespace eng = ps::engine;

bool EngineBridge::flowMatches(uint64_t id, const eng::Filter& filter) const {
  if (filter.empty()) return true;
  auto it = m_snapshots.find(id);
  if (it != m_snapshots.end() && it->second) return filter.matches(*it->second);
  return m_storedMatches && m_storedMatches->count(id) > 0;
}

void EngineBridge::queryStoredMatches(const eng::Filter& filter) {
  const uint64_t generation = ++m_storedMatchesGeneration;
  m_storedMatches.reset();
  if (filter.empty()) return;
  std::string source = m_viewedSession.toStdString();
  eng::FlowStore* store = source.empty() ? m_sessionStore : nullptr;
  if (store) source = store->path();
  if (source.empty()) return;
  const eng::SqlFilter sql = filter.toSql();
  runJob([this, source, store, sql, generation] {
    if (store) store->flush(false);  // rows the writer still holds
    auto matches = std::make_shared<std::unordered_set<uint64_t>>();
    if (auto reader = eng::FlowReader::open(source); reader) {
      if (auto ids = (*reader)->ids(sql); ids) matches->insert(ids->begin(), ids->end());
    }
    QMetaObject::invokeMethod(
        this,
        [this, matches, generation] {
          if (generation != m_storedMatchesGeneration) return;  // a newer filter won
          m_storedMatches = matches;
          emit storedMatchesReady();
        },
        Qt::QueuedConnection);
  });
}

QStringList EngineBridge::headerNamesSeen(size_t maxFlows) const {
  std::set<std::string> names;
  size_t seen = 0;
  for (auto id = m_snapshotOrder.rbegin(); id != m_snapshotOrder.rend() && seen < maxFlows; ++id) {
    auto it = m_snapshots.find(*id);
    if (it == m_snapshots.end() || !it->second) continue;
    ++seen;
    const eng::Flow& flow = *it->second;
    auto add = [&names](const eng::Headers& headers) {
      for (const auto& field : headers) {
        std::string name = field.name;
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        names.insert(std::move(name));
      }
    };
    add(flow.request.headers);
    if (flow.response) add(flow.response->headers);
  }
  QStringList out;
  out.reserve(static_cast<qsizetype>(names.size()));
  for (const auto& n : names) out.push_back(QString::fromStdString(n));
  return out;
}

QString EngineBridge::replayFlow(uint64_t id, uint64_t* newId) {
  auto it = m_snapshots.find(id);
  if (it == m_snapshots.end() || !it->second) return tr("Flow %1 is no longer in memory").arg(id);
  if (it->second->kind != eng::FlowKind::Http) return tr("Only HTTP exchanges can be replayed");
  auto result = m_engine.replay(it->second->request, id);
  if (!result) return QString::fromStdString(result.error().message);
  if (newId != nullptr) *newId = *result;
  return {};
}

QByteArray EngineBridge::rawHttp(uint64_t id) const {
  auto it = m_snapshots.find(id);
  if (it == m_snapshots.end() || !it->second) return {};
  const eng::Flow& flow = *it->second;
  eng::http::RequestHead request{flow.request.method, flow.request.target, flow.request.versionMajor,
                                 flow.request.versionMinor, flow.request.headers};
  std::string out = eng::http::writeRequestHead(request) + flow.request.body.captured;
  if (flow.response) {
    const eng::Response& r = *flow.response;
    eng::http::ResponseHead response{r.status, r.reason, r.versionMajor, r.versionMinor, r.headers};
    // A blank line between the two messages, as curl -v and Burp show them.
    out += "\r\n\r\n" + eng::http::writeResponseHead(response) + r.body.captured;
  }
  return QByteArray(out.data(), static_cast<qsizetype>(out.size()));
}

int EngineBridge::exportHarFile(const std::vector<uint64_t>& ids, const QString& path) {
  std::vector<eng::FlowPtr> flows;
  for (uint64_t id : ids) {
    auto it = m_snapshots.find(id);
    if (it != m_snapshots.end() && it->second) flows.push_back(it->second);
  }
  if (flows.empty()) return 0;
  const int count = static_cast<int>(flows.size());
  // Serialising bodies (base64) can take a while: off the GUI thread, snapshots are immutable.
  QPointer<EngineBridge> self(this);
  QThreadPool::globalInstance()->start([self, flows = std::move(flows), path]() {
    size_t next = 0;
    auto result = eng::har::exportHarFile(path.toStdString(), [&](eng::Flow& flow) {
      if (next >= flows.size()) return false;
      flow = *flows[next++];
      return true;
    });
    const QString error = result ? QString() : QString::fromStdString(result.error().message);
    const int written = result ? static_cast<int>(*result) : 0;
    QMetaObject::invokeMethod(
        qApp, [self, path, written, error] {
          if (self) emit self->harExported(path, written, error);
        },
        Qt::QueuedConnection);
  });
  return count;
}

void EngineBridge::forget(const std::vector<uint64_t>& ids) {
  for (uint64_t id : ids) m_snapshots.erase(id);
  // m_snapshotOrder keeps the stale ids; eviction skips ids without a snapshot.
}

}  // namespace ps::ui
