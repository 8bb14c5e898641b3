#pragma once
// FlowDetail: everything the inspector shows for one flow, converted from an engine snapshot by
// EngineBridge only when a flow is selected (bodies and headers load lazily).
#include <QByteArray>
#include <QString>
#include <QVector>
#include <cstdint>
#include <utility>

namespace ps::ui {

using HeaderList = QVector<std::pair<QString, QString>>;  // exactly as received: case, order, duplicates

struct MessageDetail {
  bool present = false;
  QString firstLine;  // "GET /a HTTP/1.1" or "HTTP/1.1 200 OK"
  HeaderList headers;
  QByteArray body;    // captured bytes (content-coding still applied)
  uint64_t bodySize = 0;  // every body byte seen
  bool truncated() const { return bodySize > static_cast<uint64_t>(body.size()); }
  QString contentType() const;       // first Content-Type value, "" if none
  QString contentEncoding() const;   // first Content-Encoding value, "" if none
};

// One phase of the exchange (HAR 1.2 timings), as offsets since the flow's first request byte.
struct TimingDetail {
  QString phase;
  int64_t fromMicros = 0;
  int64_t toMicros = 0;
};

struct FlowDetail {
  uint64_t id = 0;
  QString url;
  QString mode;  // "forward" / "reverse"
  QString kind;  // "http", "tunnel", "websocket"
  QString clientAddress;
  QString serverAddress;
  QString backend;
  QString tags;
  int status = 0;
  QString reason;
  int64_t start = 0;
  int64_t durationMicros = 0;
  QVector<TimingDetail> timings;
  uint64_t bytesFromClient = 0;
  uint64_t bytesToClient = 0;
  QString errorKind;
  QString errorMessage;
  MessageDetail request;
  MessageDetail response;
  // Edited at a breakpoint: the versions before the edit (present = false when not edited).
  MessageDetail originalRequest;
  MessageDetail originalResponse;
  uint64_t replayOf = 0;
};

}  // namespace ps::ui
