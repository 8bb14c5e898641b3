#pragma once
// Value types of the reverse-proxy UI (panel, form, hop diff), filled by the EngineBridge so the
// widgets never see engine types (STYLE.md "Boundaries").
#include <QString>
#include <QStringList>
#include <QVector>

namespace ps::ui {

struct BackendRowUi {
  QString pool;
  QString name;
  QString url;
  QString status;  // "healthy", "ejected", "down", "draining", "disabled"
  bool up = true;  // receives new requests (healthy)
  int weight = 1;
  quint64 requests = 0;
  quint64 active = 0;
  quint64 errors = 0;
  double p50Ms = 0;
  double p95Ms = 0;
  double p99Ms = 0;
  QString lastError;
};

enum class BackendActionUi { Enable, Drain, Disable, SetWeight };

struct ReverseBackendForm {
  QString url;
  int weight = 1;
  bool enabled = true;
};

// The editable part of a one-pool reverse configuration.
struct ReverseForm {
  QVector<ReverseBackendForm> backends;
  QString strategy = QStringLiteral("round-robin");
  bool healthEnabled = true;
  QString healthPath = QStringLiteral("/");
  int healthIntervalMs = 2000;
};

// One header line of the hop diff.
struct HopDiffLine {
  enum class Change { Same, Removed, Added, Changed };
  QString name;
  QString value;
  Change change = Change::Same;
};

// A flow's request "as received from the client" beside "as sent upstream", the sent copy
// computed with the engine's own rules.
struct HopDiff {
  quint64 flowId = 0;
  QString receivedLine;  // "GET http://host/path HTTP/1.1"
  QString sentLine;      // "GET /path HTTP/1.1"
  QVector<HopDiffLine> received;
  QVector<HopDiffLine> sent;
  QStringList notes;     // "TLS terminated at the proxy", "Host rewritten", ...
};

}  // namespace ps::ui
