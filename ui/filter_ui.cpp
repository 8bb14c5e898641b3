#include "ui/filter_ui.h"

#include <QAction>
#include <QHeaderView>
#include <QMenu>
#include <QSet>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTreeView>
#include <memory>

#include "engine/query/filter.h"
#include "ui/engine_bridge.h"
#include "ui/filter_bar.h"
#include "ui/flow_filter_proxy.h"
#include "ui/flow_table_model.h"
#include "ui/main_window.h"
#include "ui/structure_model.h"

namespace ps::ui {

namespace {

// Values seen in the capture, for the filter bar's completer. Kept incrementally from batches:
// scanning a million rows per keystroke would stall typing.
struct SeenValues {
  static constexpr int kMaxPerField = 5000;
  QSet<QString> hosts, methods, statuses;
  void add(const std::vector<FlowRow>& rows) {
    for (const FlowRow& r : rows) {
      if (hosts.size() < kMaxPerField && !r.host.isEmpty()) hosts.insert(r.host);
      if (methods.size() < 64 && !r.method.isEmpty()) methods.insert(r.method);
      if (r.status > 0 && statuses.size() < 600) statuses.insert(QString::number(r.status));
    }
  }
};

QStringList sorted(const QSet<QString>& set) {
  QStringList list(set.begin(), set.end());
  list.sort(Qt::CaseInsensitive);
  return list;
}

void applyFilter(MainWindow& window, const QString& text) {
  const QByteArray utf8 = text.toUtf8();
  auto parsed = engine::parseFilter(std::string_view(utf8.constData(), static_cast<size_t>(utf8.size())));
  if (!parsed.ok()) return;  // the bar shows why; the table keeps the last good filter
  // An opened session file is filtered by its own SQL, as a new order of its ids (ui/stored_view.cpp).
  if (window.model()->isStoredView()) {
    window.proxy()->setRowPredicate(nullptr);
    return;
  }
  // Rows without an in-memory snapshot (an opened session file, old rows) are answered by the
  // session store's SQL in the background; storedMatchesReady() re-runs the row filter.
  window.bridge().queryStoredMatches(*parsed.filter);
  if (parsed.filter->empty()) {
    window.proxy()->setRowPredicate(nullptr);
    return;
  }
  // Live rows are judged by the in-memory evaluator on the bridge's snapshot of each flow, so
  // every field (headers, bodies, timings) works, not only the columns a row holds.
  EngineBridge* bridge = &window.bridge();
  window.proxy()->setRowPredicate([bridge, filter = std::move(*parsed.filter)](const FlowRow& row) {
    return bridge->flowMatches(row.id, filter);
  });
}

}  // namespace

FilterUi installFilterUi(MainWindow& window) {
  FilterUi ui;
  EngineBridge& bridge = window.bridge();
  FilterBar* bar = window.filterBar();

  auto seen = std::make_shared<SeenValues>();
  QObject::connect(&bridge, &EngineBridge::batchReady, bar, [seen](const FlowBatch& batch) {
    seen->add(batch.inserted);
    seen->add(batch.updated);  // statuses arrive with the response
  });
  QObject::connect(&bridge, &EngineBridge::cleared, bar, [seen] { *seen = SeenValues{}; });
  bar->setValueSource([seen, &bridge](const QString& field) -> QStringList {
    if (field == QLatin1String("host")) return sorted(seen->hosts);
    if (field == QLatin1String("method")) return sorted(seen->methods);
    if (field == QLatin1String("status")) return sorted(seen->statuses);
    if (field.contains(QLatin1String("header"))) return bridge.headerNamesSeen();
    return {};
  });
  QObject::connect(bar, &FilterBar::filterApplied, &window, [&window](const QString& text) { applyFilter(window, text); });
  QObject::connect(&bridge, &EngineBridge::storedMatchesReady, window.proxy(), &FlowFilterProxy::refilter);
  // A session opened (or HAR imported) under an active filter: ask the store again for the new rows.
  QObject::connect(&bridge, &EngineBridge::sessionJobDone, bar, [&window, bar](const QString& what, const QString& error) {
    if (error.isEmpty() && (what == QLatin1String("open") || what == QLatin1String("import")) && !bar->text().trimmed().isEmpty()) {
      applyFilter(window, bar->text());
    }
  });

  // Structure view, left of the table.
  ui.structureModel = new StructureModel(&window);
  auto* sorter = new QSortFilterProxyModel(&window);
  sorter->setSourceModel(ui.structureModel);
  sorter->setSortCaseSensitivity(Qt::CaseInsensitive);
  ui.structureView = new QTreeView(window.flowListSplitter());
  ui.structureView->setObjectName(QStringLiteral("structureView"));
  ui.structureView->setModel(sorter);
  ui.structureView->setSortingEnabled(true);
  ui.structureView->sortByColumn(StructureModel::ColName, Qt::AscendingOrder);
  ui.structureView->setUniformRowHeights(true);
  ui.structureView->setEditTriggers(QAbstractItemView::NoEditTriggers);
  ui.structureView->header()->setStretchLastSection(false);
  ui.structureView->header()->setSectionResizeMode(StructureModel::ColName, QHeaderView::Stretch);
  ui.structureView->header()->setSectionResizeMode(StructureModel::ColCount, QHeaderView::ResizeToContents);
  ui.structureView->setToolTip(QObject::tr("Hosts and paths seen; select one to filter the table"));
  window.flowListSplitter()->insertWidget(0, ui.structureView);
  window.flowListSplitter()->setStretchFactor(0, 0);
  window.flowListSplitter()->setStretchFactor(1, 1);
  window.flowListSplitter()->setSizes({240, 1000});
  // An opened session file has no live batches: its hosts and paths come from the file's SQL. Live
  // capture ends the file's view in the table, and so here: the tree then counts live flows again.
  auto fromFile = std::make_shared<bool>(false);
  QObject::connect(&bridge, &EngineBridge::batchReady, ui.structureModel,
                   [model = ui.structureModel, fromFile](const FlowBatch& batch) {
                     if (*fromFile && !batch.inserted.empty()) {
                       model->clear();
                       *fromFile = false;
                     }
                     model->applyBatch(batch);
                   });
  QObject::connect(&bridge, &EngineBridge::cleared, ui.structureModel, &StructureModel::clear);
  QObject::connect(&bridge, &EngineBridge::viewedSessionOpened, ui.structureModel, [&bridge, model = ui.structureModel, fromFile] {
    *fromFile = true;
    model->clear();
    bridge.fetchViewPathCounts(model, [model](QVector<EngineBridge::PathCountUi> counts) {
      for (const auto& c : counts) model->addFlow(c.host, c.path, c.count);
    });
  });
  StructureModel* model = ui.structureModel;
  // Hosts open to their first level of paths as they appear; deeper levels stay folded.
  QTreeView* treeView = ui.structureView;
  QObject::connect(sorter, &QAbstractItemModel::rowsInserted, treeView, [treeView, sorter](const QModelIndex& parent, int first, int last) {
    if (parent.isValid()) return;
    for (int r = first; r <= last; ++r) treeView->expand(sorter->index(r, 0));
  });
  QObject::connect(ui.structureView->selectionModel(), &QItemSelectionModel::currentChanged, bar,
                   [bar, sorter, model](const QModelIndex& current) {
                     if (!current.isValid()) return;
                     bar->setText(model->filterFor(sorter->mapToSource(current)));
                     bar->validateNow();
                   });

  ui.structureToggle = window.viewMenu()->addAction(QObject::tr("&Structure"));
  ui.structureToggle->setCheckable(true);
  ui.structureToggle->setChecked(true);
  ui.structureToggle->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S));
  ui.structureToggle->setToolTip(QObject::tr("Hosts → paths tree beside the flow list"));
  QTreeView* tree = ui.structureView;
  QObject::connect(ui.structureToggle, &QAction::toggled, tree, &QWidget::setVisible);

  installFlowTableActions(window, ui);
  return ui;
}

}  // namespace ps::ui
