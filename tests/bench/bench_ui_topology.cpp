// Topology view under load: streams flows into the TopologyPanel at a given rate and reports the
// GUI event loop's lateness (a 10 ms timer's worst and p99 delay). Prints figures; asserts nothing.
//   bench_ui_topology [--rate 2000] [--seconds 10] [--mode forward|reverse] [--screenshot out.png]
#include <QApplication>
#include <QElapsedTimer>
#include <QTimer>
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "ui/topology_model.h"
#include "ui/topology_panel.h"
#include "ui/topology_view.h"

using namespace ps::ui;

static long peakRssKb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  int rate = 2000;
  double seconds = 10;
  bool reverse = false;
  QString screenshot;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--rate") rate = std::atoi(argv[i + 1]);
    if (a == "--seconds") seconds = std::atof(argv[i + 1]);
    if (a == "--mode") reverse = std::string(argv[i + 1]) == "reverse";
    if (a == "--screenshot") screenshot = argv[i + 1];
  }
  TopologyModel model;
  model.setMode(reverse ? TopologyMode::Reverse : TopologyMode::Forward, reverse ? "127.0.0.1:8000" : "127.0.0.1:8080");
  if (reverse) {
    model.setBackendState("backend-1", true, 1);
    model.setBackendState("backend-2", true, 1);
    model.setBackendState("backend-3", false, 1);
  }
  TopologyPanel panel(&model);
  panel.resize(1300, 640);
  panel.show();

  const char* hosts[] = {"api.example.test", "cdn.example.test", "auth.example.test", "static.example.test", "ws.example.test"};
  const int statuses[] = {200, 200, 200, 304, 404, 200, 500, 201};
  quint64 sent = 0;
  QElapsedTimer clock;
  clock.start();
  // Flows arrive in 10 ms batches, as the EngineBridge delivers them.
  QTimer feeder;
  feeder.setInterval(10);
  QObject::connect(&feeder, &QTimer::timeout, [&] {
    quint64 due = static_cast<quint64>(clock.elapsed() * rate / 1000);
    for (; sent < due; ++sent) {
      TopologySample s;
      s.flowId = sent;
      s.clientAddress = QStringLiteral("127.0.0.%1:%2").arg(1 + sent % 3).arg(40000 + sent % 1000);
      s.host = reverse ? QStringLiteral("127.0.0.1") : QString::fromLatin1(hosts[sent % 5]);
      s.port = reverse ? 8000 : 443;
      s.scheme = QStringLiteral("https");
      s.backend = reverse ? QStringLiteral("backend-%1").arg(1 + sent % 2) : QString();
      s.status = statuses[sent % 8];
      s.error = s.status >= 500;
      s.bytes = 1024;
      s.tlsIntercepted = !reverse;
      if (reverse) s.headersAdded = {QStringLiteral("X-Forwarded-For"), QStringLiteral("Forwarded")};
      else s.headersRemoved = {QStringLiteral("Proxy-Connection")};
      model.addFlow(s);
    }
  });
  feeder.start();

  std::vector<double> lateness;
  QElapsedTimer probe;
  probe.start();
  QTimer tick;
  tick.setInterval(10);
  QObject::connect(&tick, &QTimer::timeout, [&] {
    lateness.push_back(std::max(0.0, static_cast<double>(probe.nsecsElapsed()) / 1e6 - 10.0));
    probe.restart();
  });
  tick.start();
  QTimer::singleShot(static_cast<int>(seconds * 1000), [&] {
    if (!screenshot.isEmpty()) panel.grab().save(screenshot);
    app.quit();
  });
  app.exec();

  std::sort(lateness.begin(), lateness.end());
  double p99 = lateness.empty() ? 0 : lateness[static_cast<size_t>(static_cast<double>(lateness.size() - 1) * 0.99)];
  double worst = lateness.empty() ? 0 : lateness.back();
  std::printf("topology view: %llu flows at %d flows/s over %.1f s (%s mode)\n", static_cast<unsigned long long>(sent), rate,
              seconds, reverse ? "reverse" : "forward");
  std::printf("event-loop lateness of a 10 ms timer: p99 %.1f ms, worst %.1f ms (%zu samples)\n", p99, worst, lateness.size());
  std::printf("coalescing: %s, peak RSS %ld MB\n", panel.view()->coalescing() ? "yes" : "no", peakRssKb() / 1024);
  return 0;
}
