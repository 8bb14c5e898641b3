#include "ui/reverse_ui.h"

#include <QAction>
#include <QComboBox>
#include <QFileDialog>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QMenu>
#include <QTabWidget>
#include <QTableView>

#include "ui/engine_bridge.h"
#include "ui/guided_tour.h"
#include "ui/hop_diff_view.h"
#include "ui/inspector.h"
#include "ui/main_window.h"
#include "ui/reverse_panel.h"
#include "ui/topology_panel.h"
#include "ui/topology_view.h"

namespace ps::ui {

ReverseUi installReverseUi(MainWindow& window, bool firstRunTour) {
  ReverseUi ui;
  EngineBridge& bridge = window.bridge();

  ui.panel = new ReversePanel(bridge, window.topologyModel(), &window);
  const int tab = window.addViewTab(ui.panel, QObject::tr("Backends"));
  // The Backends tab belongs to reverse mode.
  auto showForMode = [&window, tab] {
    window.tabs()->setTabVisible(tab, window.modeBox()->currentIndex() == 1);
    // Each mode has its own default address (the bridge chose it): keep the box in step.
    if (!window.listenEdit()->hasFocus()) window.listenEdit()->setText(window.bridge().listenAddress());
  };
  QObject::connect(window.modeBox(), &QComboBox::currentIndexChanged, &window, showForMode);
  QObject::connect(&bridge, &EngineBridge::runningChanged, &window, showForMode);
  showForMode();

  // The hop diff follows the inspector's flow.
  ui.hopDiff = new HopDiffView(window.inspector());
  window.inspector()->addTab(ui.hopDiff, QObject::tr("Hop diff"));
  auto update = [&window, bridgePtr = &bridge, view = ui.hopDiff] {
    const auto ids = window.selectedFlowIds();
    const uint64_t id = ids.empty() ? window.inspector()->flowId() : ids.front();
    std::optional<HopDiff> diff;
    if (id != 0) diff = bridgePtr->hopDiff(id);
    if (diff) view->showDiff(*diff);
    else view->clearDiff();
  };
  QObject::connect(window.table()->selectionModel(), &QItemSelectionModel::selectionChanged, ui.hopDiff, update);
  QObject::connect(&bridge, &EngineBridge::cleared, ui.hopDiff, &HopDiffView::clearDiff);

  // The topology picture for slides (also the panel's own button).
  QAction* exportPicture = window.viewMenu()->addAction(QObject::tr("Export topology picture…"));
  QObject::connect(exportPicture, &QAction::triggered, &window, [&window] {
    const QString path = QFileDialog::getSaveFileName(&window, QObject::tr("Export topology picture"), QStringLiteral("topology.png"),
                                                      QObject::tr("PNG image (*.png);;SVG image (*.svg)"));
    if (path.isEmpty()) return;
    const bool ok = window.topologyPanel()->view()->exportImage(path);
    window.notify(ok ? QObject::tr("Saved %1").arg(path) : QObject::tr("Could not save %1").arg(path), !ok);
  });

  installGuidedTour(window, firstRunTour);
  return ui;
}

}  // namespace ps::ui
