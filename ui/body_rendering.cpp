#include "ui/body_rendering.h"

#include <QJsonDocument>
#include <QJsonParseError>
#include <QStringDecoder>
#include <QStringList>
#include <algorithm>

#include "ui/format.h"

namespace ps::ui {

namespace {
constexpr qsizetype kMaxTextBytes = 2 * 1024 * 1024;
constexpr qsizetype kMaxHexBytes = 64 * 1024;

bool looksTextual(const QString& type) {
  const QString t = type.section(QLatin1Char(';'), 0, 0).trimmed().toLower();
  if (t.startsWith(QLatin1String("text/"))) return true;
  static const char* const kTextual[] = {"json", "xml", "javascript", "ecmascript", "x-www-form-urlencoded", "html",
                                         "csv", "yaml", "graphql"};
  for (const char* word : kTextual) {
    if (t.contains(QLatin1String(word))) return true;
  }
  return false;
}

bool isJsonType(const QString& type) {
  const QString t = type.section(QLatin1Char(';'), 0, 0).trimmed().toLower();
  return t == QLatin1String("application/json") || t.endsWith(QLatin1String("+json"));
}

// Without a (useful) type: text when the bytes decode as UTF-8 with no control characters besides
// whitespace.
bool bytesLookTextual(const QByteArray& bytes) {
  const QByteArray sample = bytes.left(4096);
  for (char c : sample) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 && u != '\n' && u != '\r' && u != '\t') return false;
  }
  QStringDecoder decoder(QStringDecoder::Utf8);
  // Stateful decoding: a sample ending inside a multi-byte sequence is not an error.
  const QString text = decoder.decode(sample);
  return !decoder.hasError() && !text.isNull();
}
}  // namespace

QString hexDump(const QByteArray& bytes, qsizetype maxBytes) {
  const qsizetype n = std::min(bytes.size(), maxBytes);
  QString out;
  out.reserve(n * 4 + n / 16 * 12);
  for (qsizetype offset = 0; offset < n; offset += 16) {
    out += QStringLiteral("%1  ").arg(offset, 8, 16, QLatin1Char('0'));
    QString ascii;
    for (qsizetype i = 0; i < 16; ++i) {
      if (offset + i < n) {
        const auto b = static_cast<unsigned char>(bytes[offset + i]);
        out += QStringLiteral("%1 ").arg(b, 2, 16, QLatin1Char('0'));
        ascii += (b >= 0x20 && b < 0x7f) ? QChar(b) : QChar('.');
      } else {
        out += QLatin1String("   ");
      }
      if (i == 7) out += QLatin1Char(' ');
    }
    out += QLatin1String(" |") + ascii + QLatin1String("|\n");
  }
  return out;
}

BodyRendering renderBody(const QByteArray& body, uint64_t totalSize, const QString& contentType,
                         const QString& contentEncoding) {
  BodyRendering r;
  if (totalSize == 0 && body.isEmpty()) {
    r.summary = QObject::tr("No body");
    return r;
  }
  QStringList notes;
  if (!contentType.isEmpty()) notes << contentType.section(QLatin1Char(';'), 0, 0).trimmed();
  notes << formatBytes(totalSize);
  if (totalSize > static_cast<uint64_t>(body.size())) {
    notes << QObject::tr("capture truncated: %1 of %2 kept").arg(formatBytes(static_cast<uint64_t>(body.size())), formatBytes(totalSize));
  }
  const bool encoded = !contentEncoding.isEmpty() && contentEncoding.compare(QLatin1String("identity"), Qt::CaseInsensitive) != 0;
  if (encoded) notes << QObject::tr("%1-encoded, shown raw").arg(contentEncoding);

  const bool textual = !encoded && (contentType.isEmpty() ? bytesLookTextual(body) : looksTextual(contentType));
  if (textual && isJsonType(contentType) && body.size() <= kMaxTextBytes && static_cast<uint64_t>(body.size()) == totalSize) {
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(body, &error);
    if (error.error == QJsonParseError::NoError) {
      r.kind = BodyRendering::Kind::Json;
      r.text = QString::fromUtf8(doc.toJson(QJsonDocument::Indented));
      notes << QObject::tr("pretty");
      r.summary = notes.join(QStringLiteral(" · "));
      return r;
    }
  }
  if (textual) {
    r.kind = BodyRendering::Kind::Text;
    r.text = QString::fromUtf8(body.left(kMaxTextBytes));
    if (body.size() > kMaxTextBytes) notes << QObject::tr("first %1 shown").arg(formatBytes(kMaxTextBytes));
  } else {
    r.kind = BodyRendering::Kind::Hex;
    r.text = hexDump(body, kMaxHexBytes);
    notes << QObject::tr("hex");
    if (body.size() > kMaxHexBytes) notes << QObject::tr("first %1 shown").arg(formatBytes(kMaxHexBytes));
  }
  r.summary = notes.join(QStringLiteral(" · "));
  return r;
}

}  // namespace ps::ui
