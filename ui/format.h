#pragma once
// Small text formatters shared by the table, the inspector and the status bar.
#include <QString>
#include <cstdint>

namespace ps::ui {

QString formatBytes(uint64_t bytes);          // "512 B", "1.5 KB", "12.0 MB"
QString formatDurationMicros(int64_t micros);  // "850 µs", "12 ms", "1.25 s"
QString formatClockMicros(int64_t epochMicros);  // local "HH:mm:ss.zzz"

}  // namespace ps::ui
