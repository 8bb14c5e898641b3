#include "ui/breakpoints_ui.h"

#include <QAction>
#include <QDialog>
#include <QMenu>
#include <QSettings>
#include <QTabWidget>
#include <QToolBar>
#include <QUrl>
#include <QVBoxLayout>

#include "ui/breakpoint_rules_dialog.h"
#include "ui/compare_view.h"
#include "ui/composer.h"
#include "ui/engine_bridge.h"
#include "ui/main_window.h"
#include "ui/paused_flows_panel.h"

namespace ps::ui {
namespace {

void showCompare(MainWindow& window, const FlowDetail& left, const FlowDetail& right, const QString& title) {
  auto* dialog = new QDialog(&window);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  dialog->setWindowTitle(title);
  dialog->resize(1100, 700);
  auto* layout = new QVBoxLayout(dialog);
  auto* view = new CompareView(dialog);
  view->setFlows(left, right);
  layout->addWidget(view);
  dialog->show();
}

// Compares a replay with the flow it replays, or an edited flow with its version before the edit.
void compareWithOriginal(MainWindow& window, uint64_t id) {
  auto detail = window.bridge().detail(id);
  if (!detail) return;
  if (detail->replayOf != 0) {
    auto original = window.bridge().detail(detail->replayOf);
    if (!original) {
      window.notify(QObject::tr("Flow #%1 (replayed by #%2) is no longer in memory").arg(detail->replayOf).arg(id), true);
      return;
    }
    showCompare(window, *original, *detail, QObject::tr("Original #%1 vs replay #%2").arg(detail->replayOf).arg(id));
    return;
  }
  if (!detail->originalRequest.present && !detail->originalResponse.present) {
    window.notify(QObject::tr("Flow #%1 is neither a replay nor edited").arg(id));
    return;
  }
  FlowDetail before = *detail;
  if (detail->originalRequest.present) before.request = detail->originalRequest;
  if (detail->originalResponse.present) before.response = detail->originalResponse;
  showCompare(window, before, *detail, QObject::tr("Flow #%1: original vs edited").arg(id));
}

}  // namespace

BreakpointsUi installBreakpointsUi(MainWindow& window) {
  EngineBridge& bridge = window.bridge();
  BreakpointsUi ui;
  ui.paused = new PausedFlowsPanel(bridge, &window);
  ui.composer = new Composer(bridge, &window);
  const int pausedTab = window.addViewTab(ui.paused, QObject::tr("Paused"));
  const int composerTab = window.addViewTab(ui.composer, QObject::tr("Composer"));

  QSettings settings;
  QString error = BreakpointRulesDialog::apply(bridge, BreakpointRulesDialog::loadRules());
  if (!error.isEmpty()) window.notify(QObject::tr("Saved breakpoint rules refused: %1").arg(error), true);

  auto* toolBar = window.proxyToolBar();
  toolBar->addSeparator();
  auto* enabled = toolBar->addAction(QObject::tr("Breakpoints"));
  enabled->setObjectName(QStringLiteral("breakpointsSwitch"));
  enabled->setCheckable(true);
  enabled->setChecked(settings.value(QStringLiteral("breakpoints/enabled"), true).toBool());
  enabled->setToolTip(QObject::tr("Pause flows matching the breakpoint rules"));
  bridge.setBreakpointsEnabled(enabled->isChecked());
  QObject::connect(enabled, &QAction::toggled, &window, [&bridge](bool on) {
    bridge.setBreakpointsEnabled(on);
    QSettings().setValue(QStringLiteral("breakpoints/enabled"), on);
  });
  auto* next = toolBar->addAction(QObject::tr("Break on next request"));
  next->setObjectName(QStringLiteral("breakOnNext"));
  QObject::connect(next, &QAction::triggered, &window, [&window, &bridge, enabled] {
    if (!enabled->isChecked()) enabled->setChecked(true);
    bridge.breakOnNextRequest();
    window.notify(QObject::tr("The next request will pause"));
  });
  PausedFlowsPanel* panel = ui.paused;
  // The first pause brings the Paused tab forward (like Charles' breakpoint window).
  QObject::connect(panel, &PausedFlowsPanel::pausedCountChanged, &window, [&window, pausedTab, last = 0](int count) mutable {
    if (last == 0 && count > 0) window.tabs()->setCurrentIndex(pausedTab);
    last = count;
  });
  QObject::connect(panel, &PausedFlowsPanel::pausedCountChanged, &window, [&window, enabled, pausedTab](int count) {
    enabled->setText(count > 0 ? QObject::tr("Breakpoints (%1 paused)").arg(count) : QObject::tr("Breakpoints"));
    window.tabs()->setTabText(pausedTab, count > 0 ? QObject::tr("Paused (%1)").arg(count) : QObject::tr("Paused"));
  });

  auto openRules = [&window, &bridge] {
    BreakpointRulesDialog dialog(bridge, &window);
    dialog.exec();
  };
  QObject::connect(window.proxyMenu()->addAction(QObject::tr("Breakpoint rules…")), &QAction::triggered, &window, openRules);

  Composer* composer = ui.composer;
  auto editAndResend = [&window, &bridge, composer, composerTab](uint64_t id) {
    auto request = bridge.editableRequest(id);
    if (!request) return;
    composer->openRequest(*request, id);
    window.tabs()->setCurrentIndex(composerTab);
  };
  auto* tools = window.toolsMenu();
  QObject::connect(tools->addAction(QObject::tr("Composer")), &QAction::triggered, &window,
                   [&window, composerTab] { window.tabs()->setCurrentIndex(composerTab); });
  auto* resend = tools->addAction(QObject::tr("Edit and resend"));
  resend->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
  QObject::connect(resend, &QAction::triggered, &window, [&window, editAndResend] {
    auto ids = window.selectedFlowIds();
    if (!ids.empty()) editAndResend(ids.front());
  });
  QObject::connect(tools->addAction(QObject::tr("Compare selected flows")), &QAction::triggered, &window, [&window] {
    auto ids = window.selectedFlowIds();
    if (ids.size() != 2) {
      window.notify(QObject::tr("Select two flows to compare"), true);
      return;
    }
    auto a = window.bridge().detail(ids[0]), b = window.bridge().detail(ids[1]);
    if (a && b) showCompare(window, *a, *b, QObject::tr("Compare #%1 and #%2").arg(ids[0]).arg(ids[1]));
  });
  QObject::connect(tools->addAction(QObject::tr("Compare with original")), &QAction::triggered, &window, [&window] {
    auto ids = window.selectedFlowIds();
    if (!ids.empty()) compareWithOriginal(window, ids.front());
  });

  QObject::connect(&window, &MainWindow::rowMenuAboutToShow, &window,
                   [&window, &bridge, editAndResend, panel, pausedTab](QMenu* menu, uint64_t id) {
    menu->addSeparator();
    auto detail = bridge.detail(id);
    if (detail) {
      QString host = QUrl(detail->url).host();
      if (!host.isEmpty()) {
        QObject::connect(menu->addAction(QObject::tr("Break on this host")), &QAction::triggered, &window, [&window, &bridge, host] {
          auto rules = BreakpointRulesDialog::loadRules();
          rules.push_back({QStringLiteral("host:\"%1\"").arg(host), BreakStageUi::Request, true});
          QString error = BreakpointRulesDialog::apply(bridge, rules);
          if (error.isEmpty()) BreakpointRulesDialog::saveRules(rules);
          window.notify(error.isEmpty() ? QObject::tr("Breaking on host %1").arg(host) : error, !error.isEmpty());
        });
      }
    }
    QObject::connect(menu->addAction(QObject::tr("Edit and resend")), &QAction::triggered, &window, [editAndResend, id] { editAndResend(id); });
    QObject::connect(menu->addAction(QObject::tr("Compare with original")), &QAction::triggered, &window,
                     [&window, id] { compareWithOriginal(window, id); });
    QObject::connect(menu->addAction(QObject::tr("Open in the breakpoint editor")), &QAction::triggered, &window,
                     [&window, panel, pausedTab, id] {
                       if (panel->select(id))
                         window.tabs()->setCurrentIndex(pausedTab);
                       else
                         window.notify(QObject::tr("Flow #%1 is not paused").arg(id));
                     });
  });
  return ui;
}

}  // namespace ps::ui
