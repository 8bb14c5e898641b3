// bench_ui_demo: the main window filled with scripted flows from a FakeEngine, for looking at it
// (screenshots under Xvfb) without a real engine. Not a measurement.
//   bench_ui_demo [--seconds N] [--dark] [--reverse-mode] [--select ID]
#include <QApplication>
#include <QPalette>
#include <QStyleFactory>
#include <QTabWidget>

#include "ui/inspector.h"
#include <QTableView>
#include <QTimer>
#include <cstring>

#include "tests/support/fake_engine.h"
#include "ui/engine_bridge.h"
#include "ui/flow_table_model.h"
#include "ui/main_window.h"

namespace eng = ps::engine;

namespace {
QPalette darkPalette() {
  QPalette p;
  p.setColor(QPalette::Window, QColor(0x2b, 0x2d, 0x30));
  p.setColor(QPalette::WindowText, QColor(0xdf, 0xe1, 0xe5));
  p.setColor(QPalette::Base, QColor(0x1e, 0x1f, 0x22));
  p.setColor(QPalette::AlternateBase, QColor(0x26, 0x28, 0x2b));
  p.setColor(QPalette::Text, QColor(0xdf, 0xe1, 0xe5));
  p.setColor(QPalette::Button, QColor(0x33, 0x35, 0x38));
  p.setColor(QPalette::ButtonText, QColor(0xdf, 0xe1, 0xe5));
  p.setColor(QPalette::Highlight, QColor(0x2f, 0x65, 0xca));
  p.setColor(QPalette::HighlightedText, Qt::white);
  p.setColor(QPalette::PlaceholderText, QColor(0x8c, 0x8f, 0x94));
  p.setColor(QPalette::ToolTipBase, QColor(0x33, 0x35, 0x38));
  p.setColor(QPalette::ToolTipText, QColor(0xdf, 0xe1, 0xe5));
  return p;
}
}  // namespace

int main(int argc, char** argv) {
  int seconds = 5;
  bool dark = false;
  bool reverse = false;
  uint64_t select = 42;
  int tab = 0;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) seconds = std::atoi(argv[++i]);
    if (std::strcmp(argv[i], "--dark") == 0) dark = true;
    if (std::strcmp(argv[i], "--reverse-mode") == 0) reverse = true;
    if (std::strcmp(argv[i], "--tab") == 0 && i + 1 < argc) tab = std::atoi(argv[++i]);
    if (std::strcmp(argv[i], "--select") == 0 && i + 1 < argc) select = std::strtoull(argv[++i], nullptr, 10);
  }
  QApplication app(argc, argv);
  if (dark) {
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    QApplication::setPalette(darkPalette());
  }

  auto config = std::make_shared<eng::EngineConfig>();
  config->mode = reverse ? eng::ProxyMode::Reverse : eng::ProxyMode::Forward;
  ps::test::FakeEngine engine(config);
  ps::ui::EngineBridge bridge(engine);
  ps::ui::MainWindow window(bridge);
  window.resize(1400, 860);
  window.show();
  (void)bridge.start();

  for (uint64_t id = 1; id <= 60; ++id) {
    eng::Flow flow = ps::test::sampleFlow(id);
    if (reverse) {
      flow.mode = eng::ProxyMode::Reverse;
      flow.backend = id % 3 == 0 ? "app-2 127.0.0.1:9002" : "app-1 127.0.0.1:9001";
    }
    if (id % 17 == 0) flow.tags = {"intercepted"};
    if (id > 56) {
      engine.publish(eng::FlowEventType::Started, ps::test::startedPart(flow));  // still in flight
    } else {
      engine.publishLifecycle(flow);
    }
  }
  QTimer::singleShot(300, &window, [&window, select, tab] {
    window.inspector()->setCurrentIndex(tab);
    auto* model = window.table()->model();
    for (int r = 0; r < model->rowCount(); ++r) {
      if (model->index(r, 0).data(ps::ui::FlowTableModel::FlowIdRole).toULongLong() == select) {
        window.table()->selectRow(r);
        window.table()->scrollTo(model->index(r, 0));
        break;
      }
    }
  });
  QTimer::singleShot(seconds * 1000, &app, &QApplication::quit);
  return QApplication::exec();
}
