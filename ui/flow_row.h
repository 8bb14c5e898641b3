#pragma once
// FlowRow: the small value the flow table holds per flow. Built by EngineBridge from engine
// snapshots; formatted to text only when a view asks (FlowTableModel::data). Qt value types only,
// so everything below the bridge stays free of engine headers.
#include <QString>
#include <cstdint>
#include <vector>

namespace ps::ui {

enum class ProxyModeUi { Forward, Reverse };
enum class RowKind : uint8_t { Http, Tunnel, WebSocket };

struct FlowRow {
  uint64_t id = 0;
  int64_t start = 0;  // µs since the epoch
  QString client;
  QString method;
  QString scheme;
  QString host;
  uint16_t port = 0;  // shown after the host when it is not the scheme's default; 0 = default
  QString path;
  int status = 0;  // 0 = no response (yet)
  QString type;    // media type without parameters, "" if none
  uint64_t requestSize = 0;
  uint64_t responseSize = 0;
  int64_t durationMicros = 0;
  QString backend;
  QString tags;  // comma-separated
  QString errorKind;  // "" when no error
  QString errorMessage;
  RowKind kind = RowKind::Http;
  bool finished = false;
  bool intercepted = false;  // held or edited at a breakpoint

  bool hasError() const { return !errorKind.isEmpty(); }
};

// One drain's worth of changes: rows first seen in this batch (in arrival order) and new values
// of rows seen before (each id at most once per batch).
struct FlowBatch {
  std::vector<FlowRow> inserted;
  std::vector<FlowRow> updated;
};

}  // namespace ps::ui
