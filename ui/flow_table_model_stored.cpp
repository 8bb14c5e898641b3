// FlowTableModel, stored-view part: a session file shown through its ids (see flow_table_model.h).
// Invariants: m_ids is the order on screen; m_cache holds at most kMaxStoredCache rows by id,
// whatever the order; a block (kStoredBlockRows rows of the current order) is asked for at most
// once per order (m_pendingBlocks), and its rows repaint when they arrive.
#include <QMetaObject>
#include <algorithm>
#include <unordered_set>

#include "ui/flow_table_model.h"

namespace ps::ui {

bool FlowTableModel::isRowCached(int r) const {
  if (!m_stored) return r >= 0 && static_cast<size_t>(r) < m_rows.size();
  return r >= 0 && static_cast<size_t>(r) < m_ids.size() && m_cache.count(m_ids[static_cast<size_t>(r)]) > 0;
}

const FlowRow& FlowTableModel::storedRow(int r) const {
  m_placeholder = FlowRow{};
  if (r < 0 || static_cast<size_t>(r) >= m_ids.size()) return m_placeholder;
  const uint64_t id = m_ids[static_cast<size_t>(r)];
  auto it = m_cache.find(id);
  if (it != m_cache.end()) return it->second;
  // Missing: show the id, and fetch the row's block on the next turn of the event loop (one
  // request for everything a paint asked for).
  m_placeholder.id = id;
  m_placeholder.finished = true;  // no "…" pending mark: the value is known, just not here yet
  const int block = r / kStoredBlockRows;
  if (m_pendingBlocks.count(block) == 0 && m_wantedBlocks.insert(block).second && !m_requestQueued) {
    m_requestQueued = true;
    QMetaObject::invokeMethod(const_cast<FlowTableModel*>(this), &FlowTableModel::requestStoredRows, Qt::QueuedConnection);
  }
  return m_placeholder;
}

void FlowTableModel::requestStoredRows() {
  m_requestQueued = false;
  if (!m_stored) {
    m_wantedBlocks.clear();
    return;
  }
  std::vector<uint64_t> ids;
  for (int block : m_wantedBlocks) {
    if (!m_pendingBlocks.insert(block).second) continue;
    const size_t first = static_cast<size_t>(block) * kStoredBlockRows;
    const size_t last = std::min(m_ids.size(), first + kStoredBlockRows);
    for (size_t r = first; r < last; ++r) {
      if (m_cache.count(m_ids[r]) == 0) ids.push_back(m_ids[r]);
    }
  }
  m_wantedBlocks.clear();
  if (!ids.empty()) emit storedRowsWanted(ids);
}

void FlowTableModel::beginStoredView() {
  beginResetModel();
  dropAllRows();
  m_stored = true;
  endResetModel();
}

void FlowTableModel::setStoredOrder(std::vector<uint64_t> ids) {
  if (!m_stored) return;
  // A reset, not a layout change: remapping persistent indexes would need an id → row map of the
  // whole order; the stored view (ui/stored_view.cpp) restores the current flow itself.
  beginResetModel();
  m_ids = std::move(ids);
  m_wantedBlocks.clear();
  m_pendingBlocks.clear();
  endResetModel();
}

void FlowTableModel::addStoredRows(const std::vector<FlowRow>& rows) {
  if (!m_stored || rows.empty()) return;
  std::unordered_set<uint64_t> arrived;
  for (const FlowRow& value : rows) {
    auto [it, fresh] = m_cache.insert_or_assign(value.id, value);
    (void)it;
    if (fresh) m_cacheOrder.push_back(value.id);
    arrived.insert(value.id);
  }
  while (m_cache.size() > kMaxStoredCache && !m_cacheOrder.empty()) {
    m_cache.erase(m_cacheOrder.front());
    m_cacheOrder.pop_front();
  }
  // Repaint the blocks asked for under this order whose rows are now here. Rows of an older
  // order stay cached; the current order asks again for whatever it still lacks.
  std::vector<int> done;
  for (int block : m_pendingBlocks) {
    const size_t first = static_cast<size_t>(block) * kStoredBlockRows;
    const size_t last = std::min(m_ids.size(), first + kStoredBlockRows);
    bool touched = false;
    for (size_t r = first; r < last && !touched; ++r) touched = arrived.count(m_ids[r]) > 0;
    if (!touched) continue;
    done.push_back(block);
    if (last > first) emit dataChanged(index(static_cast<int>(first), 0), index(static_cast<int>(last) - 1, ColumnCount - 1));
  }
  for (int block : done) m_pendingBlocks.erase(block);
}

void FlowTableModel::setStoredSort(int column, Qt::SortOrder order) {
  if (column < 0 || column >= ColumnCount) {
    column = ColId;
    order = Qt::AscendingOrder;
  }
  if (column == m_storedSortColumn && order == m_storedSortOrder) return;
  m_storedSortColumn = column;
  m_storedSortOrder = order;
  if (m_stored) emit storedOrderWanted();
}

void FlowTableModel::removeStoredFlows(const std::vector<uint64_t>& ids) {
  // The file is read-only: the rows leave this view only.
  const std::unordered_set<uint64_t> gone(ids.begin(), ids.end());
  size_t end = m_ids.size();
  while (end > 0) {
    if (gone.count(m_ids[end - 1]) == 0) {
      --end;
      continue;
    }
    size_t begin = end - 1;
    while (begin > 0 && gone.count(m_ids[begin - 1]) > 0) --begin;
    beginRemoveRows({}, static_cast<int>(begin), static_cast<int>(end) - 1);
    m_ids.erase(m_ids.begin() + static_cast<std::ptrdiff_t>(begin), m_ids.begin() + static_cast<std::ptrdiff_t>(end));
    endRemoveRows();
    end = begin;
  }
  // Block numbers shifted: let every block be asked for again.
  m_pendingBlocks.clear();
  m_storedTotal = std::max<qint64>(0, m_storedTotal - static_cast<qint64>(ids.size()));
}

}  // namespace ps::ui
