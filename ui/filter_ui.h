#pragma once
// installFilterUi: attaches the ui-filter features to a MainWindow with one call —
//  * the filter bar applies the filter language to the live rows (Filter::matches on the bridge's
//    latest snapshot of each flow), completes hosts, methods, statuses and header names seen;
//  * the structure view (hosts → path segments with counts) left of the flow table, toggled by
//    View ▸ Structure; selecting a node filters the table;
//  * flow table: columns remembered (QSettings), Replay (Ctrl+R), Export selection as HAR,
//    Delete, Copy as raw HTTP in the Edit menu and the row menu.
class QTreeView;
class QAction;

namespace ps::ui {

class MainWindow;
class StructureModel;

struct FilterUi {
  StructureModel* structureModel = nullptr;
  QTreeView* structureView = nullptr;  // shows a sorting proxy over structureModel
  QAction* structureToggle = nullptr;
  QAction* replay = nullptr;
  QAction* exportHar = nullptr;
  QAction* deleteFlows = nullptr;
  QAction* copyRaw = nullptr;
};

FilterUi installFilterUi(MainWindow& window);
// Installs only the table part (called by installFilterUi).
void installFlowTableActions(MainWindow& window, FilterUi& ui);

// Column layout of the flow table in QSettings ("flowTable/header").
void saveFlowTableColumns(MainWindow& window);
bool restoreFlowTableColumns(MainWindow& window);

}  // namespace ps::ui
