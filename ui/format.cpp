#include "ui/format.h"

#include <QDateTime>

namespace ps::ui {

QString formatBytes(uint64_t bytes) {
  if (bytes < 1024) return QStringLiteral("%1 B").arg(bytes);
  const char* units[] = {"KB", "MB", "GB", "TB"};
  double value = static_cast<double>(bytes) / 1024.0;
  int unit = 0;
  while (value >= 1024.0 && unit < 3) {
    value /= 1024.0;
    ++unit;
  }
  return QStringLiteral("%1 %2").arg(value, 0, 'f', value < 10 ? 1 : 0).arg(QLatin1String(units[unit]));
}

QString formatDurationMicros(int64_t micros) {
  if (micros <= 0) return {};
  if (micros < 1000) return QStringLiteral("%1 µs").arg(micros);
  if (micros < 1'000'000) return QStringLiteral("%1 ms").arg(static_cast<double>(micros) / 1000.0, 0, 'f', micros < 10'000 ? 1 : 0);
  return QStringLiteral("%1 s").arg(static_cast<double>(micros) / 1e6, 0, 'f', 2);
}

QString formatClockMicros(int64_t epochMicros) {
  if (epochMicros <= 0) return {};
  return QDateTime::fromMSecsSinceEpoch(epochMicros / 1000).toString(QStringLiteral("HH:mm:ss.zzz"));
}

}  // namespace ps::ui
