#pragma once
// FlowFilterProxy: sorting (by FlowTableModel::SortRole, raw numbers) and a plain text filter
// (every whitespace-separated word must occur in method, host, path, status, client, type or tags)
// until the filter language lands.
//
// Scale note: QSortFilterProxyModel keeps two index vectors and re-sorts incrementally; it serves
// live capture well. A stored session (a million flows) is sorted and filtered by the store's SQL
// instead: the proxy passes a stored view through in the model's order.
#include <QSortFilterProxyModel>
#include <QStringList>
#include <functional>

#include "ui/flow_row.h"

namespace ps::ui {

class FlowTableModel;

class FlowFilterProxy : public QSortFilterProxyModel {
  Q_OBJECT

 public:
  explicit FlowFilterProxy(FlowTableModel* source, QObject* parent = nullptr);

  void setFilterText(const QString& text);
  QString filterText() const { return m_text; }
  // The filter bar's parsed filter (ui/flow_filter_apply.h): when set, it decides alone.
  using RowPredicate = std::function<bool(const FlowRow&)>;
  void setRowPredicate(RowPredicate predicate);
  bool hasRowPredicate() const { return static_cast<bool>(m_predicate); }
  // Runs the predicate again (its answers changed, e.g. the session store's matches arrived).
  void refilter() { invalidateRowsFilter(); }
  // A stored view (FlowTableModel::isStoredView) is sorted and filtered by the store: the proxy
  // drops its own sort and hands the column to the model. Live rows sort here as before.
  void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

 protected:
  bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

 private:
  FlowTableModel* m_source;
  QString m_text;
  QStringList m_words;
  RowPredicate m_predicate;
};

}  // namespace ps::ui
