// bench_ui_shots: the real app's window with real traffic, for the README's screenshots.
// Starts the real engine (forward mode, 127.0.0.1 port 0) and an in-process origin, sends a mix of
// requests through the proxy with curl, selects one flow and saves the window as a PNG.
//   xvfb-run -a -s "-screen 0 1400x900x24" bench_ui_shots OUT.png [--dark] [--tab N] [--select PATH]
#include <QApplication>
#include <QDir>
#include <QPalette>
#include <QPixmap>
#include <QProcess>
#include <QStyleFactory>
#include <QTableView>
#include <QTimer>
#include <cstdio>
#include <cstring>
#include <deque>
#include <functional>

#include "engine/net/engine.h"
#include "tests/support/test_origin.h"
#include "ui/engine_bridge.h"
#include "ui/filter_bar.h"
#include "ui/flow_table_model.h"
#include "ui/inspector.h"
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
  return p;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_ui_shots OUT.png [--dark] [--tab N] [--select PATH]\n");
    return 2;
  }
  const QString out = QString::fromLocal8Bit(argv[1]);
  bool dark = false;
  int tab = 2;
  QString select = QStringLiteral("/echo");
  QString filter;
  for (int i = 2; i < argc; ++i) {
    if (std::strcmp(argv[i], "--dark") == 0) dark = true;
    if (std::strcmp(argv[i], "--tab") == 0 && i + 1 < argc) tab = std::atoi(argv[++i]);
    if (std::strcmp(argv[i], "--select") == 0 && i + 1 < argc) select = QString::fromLocal8Bit(argv[++i]);
    if (std::strcmp(argv[i], "--filter") == 0 && i + 1 < argc) filter = QString::fromLocal8Bit(argv[++i]);
  }
  QApplication app(argc, argv);
  QApplication::setOrganizationName(QStringLiteral("ProxyscopeShots"));  // no saved layout of the user's
  if (dark) {
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    QApplication::setPalette(darkPalette());
  }

  ps::test::TestOrigin origin;
  auto config = std::make_shared<eng::EngineConfig>();
  config->listen = {"127.0.0.1", 0};
  config->dataDir = QDir::tempPath().toStdString() + "/proxyscope-shots";
  auto engine = eng::Engine::create(config);
  int rc = 0;
  {
    ps::ui::EngineBridge bridge(*engine);
    ps::ui::MainWindow window(bridge);
    window.resize(1400, 860);
    window.show();
    window.startProxy();
    if (!bridge.running()) {
      std::fprintf(stderr, "bench_ui_shots: the engine did not start\n");
      return 1;
    }
    const QString proxy = QStringLiteral("http://") + bridge.listenAddress();
    const QString base = QStringLiteral("http://%1/").arg(QString::fromStdString(origin.authority()));
    const QString local = QStringLiteral("http://localhost:%1").arg(origin.port());
    std::deque<QStringList> commands = {
        {base + "hello"},
        {base + "echo", "-H", "Accept: application/json", "-H", "X-Trace-Id: 7f3a9c"},
        {local + "/echo-body", "-H", "Content-Type: application/json", "--data-binary", R"({"user":"ada","roles":["admin","dev"],"active":true})"},
        {base + "chunked?n=6"},
        {base + "big?size=300000"},
        {local + "/status?code=404"},
        {base + "delay?ms=180"},
        {base + "status?code=301"},
        {base + "status?code=500"},
        {local + "/status?code=204"},
        {"http://127.0.0.1:9/unreachable"},
        {base + "echo?page=2&sort=desc", "-X", "PUT", "--data-binary", "name=proxyscope"},
        {base + "hello", "-I"},
        {base + "big?size=4096&seed=7"},
        {local + "/echo", "-H", "Authorization: Bearer eyJhbGciOi..."},
    };
    std::function<void()> next;
    QProcess curl;
    next = [&] {
      if (commands.empty()) {
        QTimer::singleShot(600, &window, [&] {
          auto* model = window.table()->model();
          for (int r = 0; r < model->rowCount(); ++r) {
            if (model->index(r, ps::ui::FlowTableModel::ColPath).data().toString() == select) {
              window.table()->selectRow(r);
              break;
            }
          }
          window.inspector()->setCurrentIndex(tab);
          if (!filter.isEmpty()) {
            // Shows the filter bar's state: green and applied, or red with the error underlined.
            window.filterBar()->setText(filter);
            window.filterBar()->validateNow();
            window.filterBar()->setCursorPosition(0);
          }
          QTimer::singleShot(300, &window, [&] {
            rc = window.grab().save(out) ? 0 : 1;
            std::printf("bench_ui_shots: %d flows, saved %s\n", window.model()->rowCount(), qPrintable(out));
            QApplication::quit();
          });
        });
        return;
      }
      QStringList args = commands.front();
      commands.pop_front();
      args << "-s" << "-o" << "/dev/null" << "-x" << proxy << "--max-time" << "10";
      curl.start(QStringLiteral("curl"), args);
    };
    QObject::connect(&curl, &QProcess::finished, &window, [&] { QTimer::singleShot(40, &window, next); });
    QTimer::singleShot(300, &window, next);
    QTimer::singleShot(60'000, &app, &QApplication::quit);  // deadline
    QApplication::exec();
    engine->stop();
  }
  return rc;
}
