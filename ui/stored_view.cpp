#include "ui/stored_view.h"

#include <QHeaderView>
#include <QItemSelectionModel>
#include <QTableView>

#include "engine/query/filter.h"
#include "ui/engine_bridge.h"
#include "ui/filter_bar.h"
#include "ui/flow_filter_proxy.h"
#include "ui/flow_table_model.h"
#include "ui/main_window.h"

namespace ps::ui {

namespace {

// The filter bar's text as a filter (pure parsing, no I/O); nullopt when it does not parse.
std::optional<std::shared_ptr<const engine::Filter>> parsed(const QString& text) {
  const QByteArray utf8 = text.toUtf8();
  auto result = engine::parseFilter(std::string_view(utf8.constData(), static_cast<size_t>(utf8.size())));
  if (!result.ok()) return std::nullopt;
  if (result.filter->empty()) return std::shared_ptr<const engine::Filter>();
  return std::make_shared<const engine::Filter>(std::move(*result.filter));
}

}  // namespace

StoredView::StoredView(MainWindow& window) : QObject(&window), m_window(window) {
  EngineBridge& bridge = window.bridge();
  FlowTableModel* model = window.model();
  connect(&bridge, &EngineBridge::viewedSessionOpened, this, &StoredView::onOpened);
  connect(&bridge, &EngineBridge::cleared, this, [model] {
    if (model->isStoredView()) model->clear();
  });
  connect(&bridge, &EngineBridge::sessionJobDone, this, [model](const QString& what, const QString& error, qint64 count) {
    if (what == QLatin1String("open") && error.isEmpty() && model->isStoredView()) model->setStoredTotal(count);
  });
  connect(model, &FlowTableModel::storedOrderWanted, this, &StoredView::requestOrder);
  connect(model, &FlowTableModel::storedRowsWanted, this, [this, model](const std::vector<uint64_t>& ids) {
    m_window.bridge().fetchViewRows(ids, this, [model](std::vector<FlowRow> rows) { model->addStoredRows(rows); });
  });
  connect(window.filterBar(), &FilterBar::filterApplied, this, &StoredView::onFilterApplied);
}

void StoredView::onOpened() {
  FlowTableModel* model = m_window.model();
  const QHeaderView* header = m_window.table()->horizontalHeader();
  const int column = header->sortIndicatorSection();
  const Qt::SortOrder order = header->sortIndicatorOrder();
  // The sort first (not yet a stored view: no request), then the switch; the proxy drops its own
  // sort of the live rows so it passes the stored order through.
  model->setStoredSort(column, order);
  model->beginStoredView();
  m_window.proxy()->sort(column, order);
  m_filterText = m_window.filterBar()->text().trimmed();
  auto filter = parsed(m_filterText);
  m_filter = filter ? *filter : nullptr;
  requestOrder();
}

void StoredView::onFilterApplied(const QString& text) {
  if (!m_window.model()->isStoredView()) return;  // live rows: ui/filter_ui.cpp evaluates in memory
  const QString trimmed = text.trimmed();
  if (trimmed == m_filterText) return;
  auto filter = parsed(trimmed);
  if (!filter) return;  // the bar shows why; the table keeps the last good filter
  m_filterText = trimmed;
  m_filter = *filter;
  requestOrder();
}

void StoredView::requestOrder() {
  FlowTableModel* model = m_window.model();
  if (!model->isStoredView()) return;
  const uint64_t token = ++m_token;
  m_window.bridge().queryViewOrder(m_filter, model->storedSortColumn(), model->storedSortOrder() == Qt::DescendingOrder,
                                   this, [this, token](std::vector<uint64_t> ids, QString error) {
                                     onOrder(token, std::move(ids), error);
                                   });
}

void StoredView::onOrder(uint64_t token, std::vector<uint64_t> ids, const QString& error) {
  if (token != m_token) return;  // a newer sort or filter is on its way
  m_applied = token;
  FlowTableModel* model = m_window.model();
  if (!model->isStoredView()) return;
  if (!error.isEmpty()) {
    m_window.notify(tr("The session could not be read: %1").arg(error), true);
    emit orderApplied(model->rowCount(), error);
    return;
  }
  // Keep the flow the user was on, wherever the new order puts it.
  QTableView* table = m_window.table();
  const uint64_t current = table->currentIndex().data(FlowTableModel::FlowIdRole).toULongLong();
  model->setStoredOrder(std::move(ids));
  if (current != 0) {
    const int row = model->rowOf(current);
    if (row >= 0) {
      const QModelIndex index = m_window.proxy()->mapFromSource(model->index(row, 0));
      table->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
      table->scrollTo(index);
    }
  }
  emit orderApplied(model->rowCount(), QString());
}

StoredView* installStoredView(MainWindow& window) { return new StoredView(window); }

}  // namespace ps::ui
