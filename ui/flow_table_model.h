#pragma once
// FlowTableModel: the live flow table. Rows are small FlowRow values appended once per bridge
// batch (one beginInsertRows) and updated in place by id; text is formatted only when a view asks.
#include <QAbstractTableModel>
#include <QColor>
#include <unordered_map>
#include <vector>

#include "ui/flow_row.h"

namespace ps::ui {

class FlowTableModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column {
    ColId,
    ColTime,
    ColClient,
    ColMethod,
    ColScheme,
    ColHost,
    ColPath,
    ColStatus,
    ColType,
    ColRequestSize,
    ColResponseSize,
    ColDuration,
    ColBackend,
    ColTags,
    ColumnCount
  };
  // Qt::UserRole: the raw value to sort by (numbers for numeric columns).
  static constexpr int SortRole = Qt::UserRole;
  static constexpr int FlowIdRole = Qt::UserRole + 1;

  explicit FlowTableModel(QObject* parent = nullptr);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

  const FlowRow& row(int r) const { return m_rows[static_cast<size_t>(r)]; }
  int rowOf(uint64_t id) const;  // -1 if absent
  uint64_t totalBytes() const { return m_totalBytes; }

  // Status colours adapt to the palette (light or dark); call on a palette change.
  void refreshColours();

 public slots:
  void applyBatch(const ps::ui::FlowBatch& batch);
  void clear();
  // Removes the rows of these flows (the table's Delete); unknown ids are ignored.
  void removeFlows(const std::vector<uint64_t>& ids);

 private:
  QVariant displayText(const FlowRow& row, int column) const;
  QVariant sortValue(const FlowRow& row, int column) const;
  QVariant foreground(const FlowRow& row, int column) const;

  std::vector<FlowRow> m_rows;
  std::unordered_map<uint64_t, int> m_index;  // flow id → row
  uint64_t m_totalBytes = 0;
  QColor m_ok, m_redirect, m_clientError, m_serverError, m_pending;
};

}  // namespace ps::ui
