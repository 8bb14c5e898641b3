#pragma once
// Value types of the breakpoint, editor, composer and compare UI. They cross from EngineBridge to
// widgets, so they hold Qt types only (ui/flow_detail.h style).
#include <QByteArray>
#include <QString>
#include <QVector>
#include <cstdint>

#include "ui/flow_detail.h"

namespace ps::ui {

enum class BreakStageUi { Request, Response, Both };

struct BreakpointRuleUi {
  QString expression;  // filter language; "" matches every flow
  BreakStageUi stage = BreakStageUi::Request;
  bool enabled = true;
};

// A request as the editor and the composer edit it. The URL carries scheme, host, port and path.
struct EditableRequest {
  QString method = QStringLiteral("GET");
  QString url;
  HeaderList headers;
  QByteArray body;
};

struct EditableResponse {
  int status = 200;
  QString reason = QStringLiteral("OK");
  HeaderList headers;
  QByteArray body;
};

struct PausedFlowUi {
  uint64_t id = 0;
  BreakStageUi stage = BreakStageUi::Request;  // Request or Response
  int64_t pausedAtMs = 0;                      // epoch ms
  int64_t deadlineMs = 0;                      // epoch ms when it continues by itself; 0 = never
  EditableRequest request;
  bool hasResponse = false;
  EditableResponse response;
};

}  // namespace ps::ui
