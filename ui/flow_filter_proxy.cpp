#include "ui/flow_filter_proxy.h"

#include "ui/flow_table_model.h"

namespace ps::ui {

FlowFilterProxy::FlowFilterProxy(FlowTableModel* source, QObject* parent)
    : QSortFilterProxyModel(parent), m_source(source) {
  setSourceModel(source);
  setSortRole(FlowTableModel::SortRole);
  setDynamicSortFilter(true);
}

void FlowFilterProxy::setFilterText(const QString& text) {
  if (text == m_text) return;
  m_text = text;
  m_words = text.split(QLatin1Char(' '), Qt::SkipEmptyParts);
  invalidateRowsFilter();
}

void FlowFilterProxy::setRowPredicate(RowPredicate predicate) {
  m_predicate = std::move(predicate);
  invalidateRowsFilter();
}

void FlowFilterProxy::sort(int column, Qt::SortOrder order) {
  if (m_source->isStoredView()) {
    if (sortColumn() != -1) QSortFilterProxyModel::sort(-1, order);
    m_source->setStoredSort(column, order);
    return;
  }
  QSortFilterProxyModel::sort(column, order);
}

bool FlowFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const {
  if (m_source->isStoredView()) return true;  // the store's SQL filtered the ids already
  if (m_predicate && !sourceParent.isValid()) return m_predicate(m_source->row(sourceRow));
  if (m_words.isEmpty() || sourceParent.isValid()) return true;
  // Straight from the row value: no QVariant or formatting per row.
  const FlowRow& r = m_source->row(sourceRow);
  const QString status = r.status > 0 ? QString::number(r.status) : QString();
  for (const QString& word : m_words) {
    const auto has = [&word](const QString& field) { return field.contains(word, Qt::CaseInsensitive); };
    if (!(has(r.host) || has(r.path) || has(r.method) || has(status) || has(r.client) || has(r.type) ||
          has(r.tags) || has(r.scheme) || has(r.errorKind) || has(r.backend))) {
      return false;
    }
  }
  return true;
}

}  // namespace ps::ui
