#pragma once
// BodyRendering: how the inspector shows a captured body — pretty JSON, text, or a hex dump —
// chosen from the Content-Type and the bytes themselves.
#include <QByteArray>
#include <QString>
#include <cstdint>

namespace ps::ui {

struct BodyRendering {
  enum class Kind { Empty, Text, Json, Hex };
  Kind kind = Kind::Empty;
  QString text;     // what the body view shows
  QString summary;  // "application/json · 1.2 KB (pretty)", truncation notes
};

// Shows at most kMaxShownBytes of the capture; the summary says so when it cuts.
BodyRendering renderBody(const QByteArray& body, uint64_t totalSize, const QString& contentType,
                         const QString& contentEncoding);
QString hexDump(const QByteArray& bytes, qsizetype maxBytes);

}  // namespace ps::ui
