// The flow table's remembered column layout and its flow actions: Replay (Ctrl+R), Export
// selection as HAR, Delete, Copy as raw HTTP — in the Edit menu and in the row menu.
#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QFileDialog>
#include <QHeaderView>
#include <QMenu>
#include <QSettings>
#include <QTableView>
#include <QTimer>

#include "ui/engine_bridge.h"
#include "ui/filter_ui.h"
#include "ui/flow_table_model.h"
#include "ui/main_window.h"

namespace ps::ui {

namespace {
const QString kHeaderKey = QStringLiteral("flowTable/header");

std::vector<uint64_t> targets(MainWindow& window) {
  std::vector<uint64_t> ids = window.selectedFlowIds();
  if (ids.empty()) {
    const QModelIndex current = window.table()->currentIndex();
    if (current.isValid()) ids.push_back(current.data(FlowTableModel::FlowIdRole).toULongLong());
  }
  return ids;
}

void replaySelected(MainWindow& window) {
  const auto ids = targets(window);
  if (ids.empty()) return;
  int started = 0;
  QString lastError;
  for (uint64_t id : ids) {
    const QString error = window.bridge().replayFlow(id);
    if (error.isEmpty()) {
      ++started;
    } else {
      lastError = error;
    }
  }
  if (started > 0) {
    window.notify(QObject::tr("Replaying %n flow(s)", nullptr, started));
  } else {
    window.notify(QObject::tr("Replay failed: %1").arg(lastError), true);
  }
}

void exportSelected(MainWindow& window) {
  const auto ids = targets(window);
  if (ids.empty()) return;
  const QString path = QFileDialog::getSaveFileName(&window, QObject::tr("Export selection as HAR"),
                                                    QStringLiteral("selection.har"), QObject::tr("HAR files (*.har)"));
  if (path.isEmpty()) return;
  if (window.bridge().exportHarFile(ids, path) == 0) {
    window.notify(QObject::tr("The selected flows are no longer in memory"), true);
  } else {
    window.notify(QObject::tr("Exporting %n flow(s) to %1…", nullptr, static_cast<int>(ids.size())).arg(path));
  }
}

void deleteSelected(MainWindow& window) {
  const auto ids = targets(window);
  if (ids.empty()) return;
  window.model()->removeFlows(ids);
  window.bridge().forget(ids);
}

void copyRawSelected(MainWindow& window) {
  const auto ids = targets(window);
  if (ids.empty()) return;
  QByteArray all;
  for (uint64_t id : ids) {
    if (!all.isEmpty()) all += "\r\n\r\n";
    all += window.bridge().rawHttp(id);
  }
  // Raw bytes may not be UTF-8; Latin-1 keeps one character per byte.
  QApplication::clipboard()->setText(QString::fromLatin1(all));
}
}  // namespace

void saveFlowTableColumns(MainWindow& window) {
  QSettings().setValue(kHeaderKey, window.table()->horizontalHeader()->saveState());
}

bool restoreFlowTableColumns(MainWindow& window) {
  const QByteArray state = QSettings().value(kHeaderKey).toByteArray();
  if (state.isEmpty()) return false;
  QHeaderView* header = window.table()->horizontalHeader();
  if (!header->restoreState(state)) return false;
  // Sorting is a per-session choice: start in arrival order.
  header->setSortIndicator(-1, Qt::AscendingOrder);
  return true;
}

void installFlowTableActions(MainWindow& window, FilterUi& ui) {
  QTableView* table = window.table();
  restoreFlowTableColumns(window);
  // Hidden, moved and resized sections all pass through these signals; save shortly after.
  auto* saveTimer = new QTimer(table);
  saveTimer->setSingleShot(true);
  saveTimer->setInterval(300);
  QObject::connect(saveTimer, &QTimer::timeout, table, [&window] { saveFlowTableColumns(window); });
  QHeaderView* header = table->horizontalHeader();
  QObject::connect(header, &QHeaderView::sectionMoved, saveTimer, qOverload<>(&QTimer::start));
  QObject::connect(header, &QHeaderView::sectionResized, saveTimer, qOverload<>(&QTimer::start));

  QMenu* edit = window.editMenu();
  ui.replay = edit->addAction(QObject::tr("&Replay"));
  ui.replay->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
  ui.replay->setToolTip(QObject::tr("Send the selected requests again (a new flow tagged replay)"));
  QObject::connect(ui.replay, &QAction::triggered, &window, [&window] { replaySelected(window); });

  ui.copyRaw = edit->addAction(QObject::tr("Copy as raw &HTTP"));
  ui.copyRaw->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));
  QObject::connect(ui.copyRaw, &QAction::triggered, &window, [&window] { copyRawSelected(window); });

  ui.exportHar = edit->addAction(QObject::tr("Export selection as HA&R…"));
  QObject::connect(ui.exportHar, &QAction::triggered, &window, [&window] { exportSelected(window); });
  QObject::connect(&window.bridge(), &EngineBridge::harExported, &window,
                   [&window](const QString& path, int flows, const QString& error) {
                     if (error.isEmpty()) {
                       window.notify(QObject::tr("Exported %n flow(s) to %1", nullptr, flows).arg(path));
                     } else {
                       window.notify(QObject::tr("HAR export failed: %1").arg(error), true);
                     }
                   });

  ui.deleteFlows = edit->addAction(QObject::tr("&Delete"));
  ui.deleteFlows->setShortcut(QKeySequence::Delete);
  // Only while the table has focus: Delete in the filter bar edits text.
  ui.deleteFlows->setShortcutContext(Qt::WidgetWithChildrenShortcut);
  table->addAction(ui.deleteFlows);
  QObject::connect(ui.deleteFlows, &QAction::triggered, &window, [&window] { deleteSelected(window); });

  QObject::connect(&window, &MainWindow::rowMenuAboutToShow, &window, [ui](QMenu* menu, uint64_t) {
    menu->addSeparator();
    menu->addAction(ui.replay);
    menu->addAction(ui.copyRaw);
    menu->addAction(ui.exportHar);
    menu->addSeparator();
    menu->addAction(ui.deleteFlows);
  });
}

}  // namespace ps::ui
