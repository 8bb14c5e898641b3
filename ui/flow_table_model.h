#pragma once
// FlowTableModel: the live flow table. Rows are small FlowRow values appended once per bridge
// batch (one beginInsertRows) and updated in place by id; text is formatted only when a view asks.
//
// Stored view (ui/flow_table_model_stored.cpp): an opened session file is shown without loading
// it. The model then holds the flow ids in the order the file's SQL gave (8 bytes a flow) and a
// bounded cache of rows; a row the view asks for and the cache lacks shows its id only while its
// block of kStoredBlockRows is fetched (storedRowsWanted → addStoredRows → dataChanged). Sorting
// and filtering are new orders from the store (storedOrderWanted → setStoredOrder), driven by
// ui/stored_view.h; FlowFilterProxy passes a stored view through untouched.
#include <QAbstractTableModel>
#include <QColor>
#include <deque>
#include <set>
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

  // The row value. In a stored view a row not fetched yet is a placeholder holding only its id
  // (and its fetch is queued); the reference is valid until the model next changes.
  const FlowRow& row(int r) const;
  int rowOf(uint64_t id) const;  // -1 if absent (a linear search in a stored view)
  uint64_t totalBytes() const { return m_totalBytes; }

  // --- stored view ---
  static constexpr int kStoredBlockRows = 256;
  static constexpr size_t kMaxStoredCache = 40'000;  // rows kept (oldest fetched dropped first)
  bool isStoredView() const { return m_stored; }
  // Empties the table and switches to a stored view (no rows until the first order).
  void beginStoredView();
  // A new order (and filter) from the store: the ids to show, in order. Cached rows stay.
  void setStoredOrder(std::vector<uint64_t> ids);
  // Fetched rows (any order); rows of the current order among them repaint.
  void addStoredRows(const std::vector<FlowRow>& rows);
  // The sort the view asked for (FlowFilterProxy::sort); emits storedOrderWanted().
  void setStoredSort(int column, Qt::SortOrder order);
  int storedSortColumn() const { return m_storedSortColumn; }
  Qt::SortOrder storedSortOrder() const { return m_storedSortOrder; }
  // Flows in the file (the status bar's total; rowCount() is what the filter kept).
  qint64 storedTotal() const { return m_storedTotal; }
  void setStoredTotal(qint64 total) { m_storedTotal = total; }
  const std::vector<uint64_t>& storedIds() const { return m_ids; }
  bool isRowCached(int r) const;

 signals:
  void storedOrderWanted();
  // Ids of rows a view showed without their values (one signal per event-loop turn).
  void storedRowsWanted(const std::vector<uint64_t>& ids);

 public:
  // Status colours adapt to the palette (light or dark); call on a palette change.
  void refreshColours();

 public slots:
  // Live rows; a stored view ends first (the window shows the capture again).
  void applyBatch(const ps::ui::FlowBatch& batch);
  void clear();
  // Removes the rows of these flows (the table's Delete); unknown ids are ignored.
  void removeFlows(const std::vector<uint64_t>& ids);

 private:
  void dropAllRows();  // live and stored; inside a model reset
  QVariant displayText(const FlowRow& row, int column) const;
  QVariant sortValue(const FlowRow& row, int column) const;
  QVariant foreground(const FlowRow& row, int column) const;
  const FlowRow& storedRow(int r) const;
  void requestStoredRows();
  void removeStoredFlows(const std::vector<uint64_t>& ids);

  std::vector<FlowRow> m_rows;
  std::unordered_map<uint64_t, int> m_index;  // flow id → row
  uint64_t m_totalBytes = 0;
  QColor m_ok, m_redirect, m_clientError, m_serverError, m_pending;
  // Stored view (GUI thread only; the mutable parts change when a const data() finds a row missing).
  bool m_stored = false;
  std::vector<uint64_t> m_ids;
  std::unordered_map<uint64_t, FlowRow> m_cache;
  std::deque<uint64_t> m_cacheOrder;  // ids by fetch time, for eviction
  mutable std::set<int> m_wantedBlocks;
  mutable std::set<int> m_pendingBlocks;  // asked for under the current order
  mutable bool m_requestQueued = false;
  mutable FlowRow m_placeholder;
  int m_storedSortColumn = ColId;
  Qt::SortOrder m_storedSortOrder = Qt::AscendingOrder;
  qint64 m_storedTotal = 0;
};

}  // namespace ps::ui
