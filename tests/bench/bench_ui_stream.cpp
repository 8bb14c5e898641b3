// bench_ui_stream: streams flows from a FakeEngine into the real main window (offscreen) and
// reports how late a 10 ms GUI timer fires (worst, p99, p50), the bridge's batches and drops,
// and the process RSS. Prints figures; asserts nothing about time.
//   bench_ui_stream [--flows 200000] [--rate 5000] [--coalesce MS (bridge batch interval, 33)]
//   bench_ui_stream --flows 0 [--seconds 20]   the same probe with no traffic: the machine's own
//                                               scheduling noise, to compare against
#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QTableView>
#include <QTimer>
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <vector>

#include <unistd.h>

#include "tests/support/fake_engine.h"
#include "ui/engine_bridge.h"
#include "ui/flow_table_model.h"
#include "ui/main_window.h"

namespace {
long statusKb(const char* key) {
  QFile f(QStringLiteral("/proc/self/status"));
  if (!f.open(QIODevice::ReadOnly)) return -1;
  for (const QByteArray& line : f.readAll().split('\n')) {
    if (line.startsWith(key)) return line.mid(static_cast<qsizetype>(std::strlen(key))).trimmed().split(' ').first().toLong();
  }
  return -1;
}
// CPU seconds used so far by the GUI (main) thread, from /proc (utime + stime).
double guiThreadCpuSeconds() {
  QFile f(QStringLiteral("/proc/self/task/%1/stat").arg(QCoreApplication::applicationPid()));
  if (!f.open(QIODevice::ReadOnly)) return -1;
  const QByteArray text = f.readAll();
  const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
  if (fields.size() < 13) return -1;
  return static_cast<double>(fields[11].toLongLong() + fields[12].toLongLong()) / static_cast<double>(sysconf(_SC_CLK_TCK));
}
double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}
}  // namespace

int main(int argc, char** argv) {
  uint64_t flows = 200'000;
  double rate = 5'000;
  int idleSeconds = 20;
  ps::ui::EngineBridge::Options bridgeOptions;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--flows") == 0) flows = std::strtoull(argv[++i], nullptr, 10);
    else if (std::strcmp(argv[i], "--rate") == 0) rate = std::atof(argv[++i]);
    else if (std::strcmp(argv[i], "--seconds") == 0) idleSeconds = std::atoi(argv[++i]);
    else if (std::strcmp(argv[i], "--coalesce") == 0) bridgeOptions.coalesceMillis = std::atoi(argv[++i]);
  }
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  QApplication app(argc, argv);

  ps::test::FakeEngine engine;
  ps::ui::EngineBridge bridge(engine, bridgeOptions);
  ps::ui::MainWindow window(bridge);
  window.resize(1400, 900);
  window.show();
  (void)bridge.start();
  uint64_t batches = 0;
  size_t biggestBatch = 0;
  QObject::connect(&bridge, &ps::ui::EngineBridge::batchReady, [&](const ps::ui::FlowBatch& b) {
    ++batches;
    biggestBatch = std::max(biggestBatch, b.inserted.size() + b.updated.size());
  });

  // The probe: a 10 ms precise timer; lateness = gap between firings beyond 10 ms.
  std::vector<double> lateness;
  lateness.reserve(static_cast<size_t>(static_cast<double>(flows) / rate * 100 + 1000));
  QElapsedTimer clock;
  clock.start();
  qint64 last = clock.nsecsElapsed();
  QTimer probe;
  probe.setTimerType(Qt::PreciseTimer);
  probe.setInterval(10);
  QObject::connect(&probe, &QTimer::timeout, [&] {
    const qint64 now = clock.nsecsElapsed();
    lateness.push_back(std::max(0.0, static_cast<double>(now - last) / 1e6 - 10.0));
    last = now;
  });
  probe.start();

  QElapsedTimer wall;
  wall.start();
  const double cpuBefore = guiThreadCpuSeconds();
  if (flows > 0) engine.startStreaming(1, flows, rate);
  const qint64 budgetMillis = flows > 0 ? static_cast<qint64>(static_cast<double>(flows) / rate * 1000) + 60'000 : idleSeconds * 1000;
  long peakRssDuring = 0;
  QTimer done;
  done.setInterval(100);
  QObject::connect(&done, &QTimer::timeout, [&] {
    peakRssDuring = std::max(peakRssDuring, statusKb("VmRSS:"));
    const bool allIn = flows > 0 && engine.streamed() == flows && bridge.pendingEvents() == 0;
    if (allIn || wall.elapsed() > budgetMillis) app.quit();
  });
  done.start();
  QApplication::exec();
  probe.stop();
  const double guiCpu = guiThreadCpuSeconds() - cpuBefore;
  engine.waitStreaming();

  std::printf("bench_ui_stream: %llu flows at %.0f flows/s into the offscreen main window\n",
              static_cast<unsigned long long>(flows), rate);
  std::printf("  bridge coalescing    %d ms\n", bridgeOptions.coalesceMillis);
  std::printf("  wall time            %.1f s\n", static_cast<double>(wall.elapsed()) / 1000.0);
  std::printf("  rows in table        %d\n", window.model()->rowCount());
  std::printf("  events received      %llu (dropped %llu)\n", static_cast<unsigned long long>(bridge.eventsReceived()),
              static_cast<unsigned long long>(bridge.droppedEvents()));
  std::printf("  batches              %llu (largest %zu rows)\n", static_cast<unsigned long long>(batches), biggestBatch);
  std::printf("  10 ms timer lateness worst %.1f ms, p99 %.1f ms, p50 %.1f ms (%zu samples)\n",
              lateness.empty() ? 0.0 : *std::max_element(lateness.begin(), lateness.end()), percentile(lateness, 0.99),
              percentile(lateness, 0.50), lateness.size());
  std::printf("  GUI thread CPU       %.1f s (%.0f%% of one core)\n", guiCpu,
              100.0 * guiCpu / (static_cast<double>(wall.elapsed()) / 1000.0));
  double load[1] = {0};
  if (getloadavg(load, 1) == 1) std::printf("  load average (1 min) %.1f on %ld cores\n", load[0], sysconf(_SC_NPROCESSORS_ONLN));
  std::printf("  RSS now %ld MB, peak %ld MB\n", statusKb("VmRSS:") / 1024, statusKb("VmHWM:") / 1024);
  return 0;
}
