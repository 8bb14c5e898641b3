#include "ui/flow_table_model.h"

#include <QApplication>
#include <QGuiApplication>
#include <QIcon>
#include <QPalette>
#include <QStyle>
#include <algorithm>

#include "ui/format.h"

namespace ps::ui {

namespace {
bool isNumeric(int column) {
  switch (column) {
    case FlowTableModel::ColId:
    case FlowTableModel::ColStatus:
    case FlowTableModel::ColRequestSize:
    case FlowTableModel::ColResponseSize:
    case FlowTableModel::ColDuration:
      return true;
    default:
      return false;
  }
}
}  // namespace

FlowTableModel::FlowTableModel(QObject* parent) : QAbstractTableModel(parent) { refreshColours(); }

void FlowTableModel::refreshColours() {
  // Foreground only (backgrounds come from the palette), in two sets readable on light and dark bases.
  const bool dark = QGuiApplication::palette().color(QPalette::Base).lightness() < 128;
  m_ok = dark ? QColor(0x3f, 0xb9, 0x50) : QColor(0x1a, 0x7f, 0x37);
  m_redirect = dark ? QColor(0x58, 0xa6, 0xff) : QColor(0x09, 0x69, 0xda);
  m_clientError = dark ? QColor(0xf0, 0x88, 0x3e) : QColor(0xbc, 0x4c, 0x00);
  m_serverError = dark ? QColor(0xf8, 0x51, 0x49) : QColor(0xcf, 0x22, 0x2e);
  m_pending = QGuiApplication::palette().color(QPalette::PlaceholderText);
  if (rowCount() > 0) emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1), {Qt::ForegroundRole});
}

int FlowTableModel::rowCount(const QModelIndex& parent) const {
  if (parent.isValid()) return 0;
  return static_cast<int>(m_stored ? m_ids.size() : m_rows.size());
}

const FlowRow& FlowTableModel::row(int r) const {
  if (m_stored) return storedRow(r);
  if (r < 0 || static_cast<size_t>(r) >= m_rows.size()) {
    m_placeholder = FlowRow{};
    return m_placeholder;
  }
  return m_rows[static_cast<size_t>(r)];
}

int FlowTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

int FlowTableModel::rowOf(uint64_t id) const {
  if (m_stored) {
    auto found = std::find(m_ids.begin(), m_ids.end(), id);
    return found == m_ids.end() ? -1 : static_cast<int>(found - m_ids.begin());
  }
  auto it = m_index.find(id);
  return it == m_index.end() ? -1 : it->second;
}

QVariant FlowTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal) return {};
  if (role == Qt::TextAlignmentRole) {
    return QVariant::fromValue(Qt::Alignment(isNumeric(section) ? Qt::AlignRight | Qt::AlignVCenter : Qt::AlignLeft | Qt::AlignVCenter));
  }
  if (role != Qt::DisplayRole) return {};
  switch (section) {
    case ColId: return tr("#");
    case ColTime: return tr("Time");
    case ColClient: return tr("Client");
    case ColMethod: return tr("Method");
    case ColScheme: return tr("Scheme");
    case ColHost: return tr("Host");
    case ColPath: return tr("Path");
    case ColStatus: return tr("Status");
    case ColType: return tr("Type");
    case ColRequestSize: return tr("Req size");
    case ColResponseSize: return tr("Res size");
    case ColDuration: return tr("Duration");
    case ColBackend: return tr("Backend");
    case ColTags: return tr("Tags");
    default: return {};
  }
}

QVariant FlowTableModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  // A stored view knows every id without fetching (export and selection read only these).
  if (role == FlowIdRole && m_stored) return QVariant::fromValue<qulonglong>(m_ids[static_cast<size_t>(index.row())]);
  const FlowRow& r = row(index.row());
  const int column = index.column();
  switch (role) {
    case Qt::DisplayRole: return displayText(r, column);
    case SortRole: return sortValue(r, column);
    case FlowIdRole: return QVariant::fromValue<qulonglong>(r.id);
    case Qt::ForegroundRole: return foreground(r, column);
    case Qt::TextAlignmentRole:
      return QVariant::fromValue(Qt::Alignment(isNumeric(column) ? Qt::AlignRight | Qt::AlignVCenter : Qt::AlignLeft | Qt::AlignVCenter));
    case Qt::ToolTipRole:
      if (r.hasError()) return QStringLiteral("%1: %2").arg(r.errorKind, r.errorMessage);
      if (column == ColPath || column == ColHost) return displayText(r, column);
      return {};
    case Qt::DecorationRole:
      // Error rows carry the style's warning icon in the first column (palette-independent).
      if (column == ColId && r.hasError()) {
        static const QIcon icon = QApplication::style()->standardIcon(QStyle::SP_MessageBoxWarning);
        return icon;
      }
      // Flows held (or edited) at a breakpoint carry a pause mark (ui/breakpoints_ui).
      if (column == ColId && r.intercepted) {
        static const QIcon icon = QApplication::style()->standardIcon(QStyle::SP_MediaPause);
        return icon;
      }
      return {};
    default: return {};
  }
}

QVariant FlowTableModel::displayText(const FlowRow& r, int column) const {
  switch (column) {
    case ColId: return QString::number(r.id);
    case ColTime: return formatClockMicros(r.start);
    case ColClient: return r.client;
    case ColMethod: return r.method;
    case ColScheme: return r.scheme;
    case ColHost:
      if (r.port == 0) return r.host;
      return r.host.contains(QLatin1Char(':')) ? QStringLiteral("[%1]:%2").arg(r.host).arg(r.port)  // IPv6
                                               : QStringLiteral("%1:%2").arg(r.host).arg(r.port);
    case ColPath: return r.path;
    case ColStatus:
      if (r.status > 0) return QString::number(r.status);
      if (r.hasError()) return tr("error");
      return r.finished ? QString() : QStringLiteral("…");
    case ColType:
      if (!r.type.isEmpty()) return r.type;
      if (r.kind == RowKind::Tunnel) return tr("tunnel");
      if (r.kind == RowKind::WebSocket) return tr("websocket");
      return {};
    case ColRequestSize: return r.requestSize > 0 ? formatBytes(r.requestSize) : QString();
    case ColResponseSize: return r.responseSize > 0 || r.finished ? formatBytes(r.responseSize) : QString();
    case ColDuration: return formatDurationMicros(r.durationMicros);
    case ColBackend: return r.backend;
    case ColTags: return r.tags;
    default: return {};
  }
}

QVariant FlowTableModel::sortValue(const FlowRow& r, int column) const {
  switch (column) {
    case ColId: return QVariant::fromValue<qulonglong>(r.id);
    case ColTime: return QVariant::fromValue<qlonglong>(r.start);
    case ColStatus: return r.status;
    case ColRequestSize: return QVariant::fromValue<qulonglong>(r.requestSize);
    case ColResponseSize: return QVariant::fromValue<qulonglong>(r.responseSize);
    case ColDuration: return QVariant::fromValue<qlonglong>(r.durationMicros);
    default: return displayText(r, column);
  }
}

QVariant FlowTableModel::foreground(const FlowRow& r, int column) const {
  if (r.hasError() || r.status >= 500) return m_serverError;
  if (column != ColStatus) return {};
  if (r.status >= 400) return m_clientError;
  if (r.status >= 300) return m_redirect;
  if (r.status >= 200) return m_ok;
  return m_pending;
}

void FlowTableModel::applyBatch(const FlowBatch& batch) {
  if (m_stored) clear();
  std::vector<int> changed;
  auto replace = [&](const FlowRow& value) {
    auto it = m_index.find(value.id);
    if (it == m_index.end()) return false;
    FlowRow& old = m_rows[static_cast<size_t>(it->second)];
    m_totalBytes += value.requestSize + value.responseSize;
    m_totalBytes -= old.requestSize + old.responseSize;
    old = value;
    changed.push_back(it->second);
    return true;
  };

  // New rows: one insertion per batch. An id the model already has (cannot happen with the
  // bridge, but stays harmless) is treated as an update.
  std::vector<const FlowRow*> fresh;
  fresh.reserve(batch.inserted.size());
  for (const auto& value : batch.inserted) {
    if (!replace(value)) fresh.push_back(&value);
  }
  if (!fresh.empty()) {
    const int first = static_cast<int>(m_rows.size());
    beginInsertRows({}, first, first + static_cast<int>(fresh.size()) - 1);
    for (const FlowRow* value : fresh) {
      m_index.emplace(value->id, static_cast<int>(m_rows.size()));
      m_totalBytes += value->requestSize + value->responseSize;
      m_rows.push_back(*value);
    }
    endInsertRows();
  }

  for (const auto& value : batch.updated) replace(value);
  if (changed.empty()) return;
  // dataChanged per contiguous run; past a few dozen runs one covering range is cheaper for views.
  std::sort(changed.begin(), changed.end());
  changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
  std::vector<std::pair<int, int>> runs;
  for (int r : changed) {
    if (!runs.empty() && runs.back().second + 1 == r) {
      runs.back().second = r;
    } else {
      runs.emplace_back(r, r);
    }
  }
  if (runs.size() > 32) runs = {{changed.front(), changed.back()}};
  for (const auto& [a, b] : runs) emit dataChanged(index(a, 0), index(b, ColumnCount - 1));
}

void FlowTableModel::clear() {
  if (m_rows.empty() && !m_stored) return;
  beginResetModel();
  dropAllRows();
  m_stored = false;
  endResetModel();
}

void FlowTableModel::dropAllRows() {
  m_ids = {};
  m_cache.clear();
  m_cacheOrder.clear();
  m_wantedBlocks.clear();
  m_pendingBlocks.clear();
  m_storedTotal = 0;
  m_rows.clear();
  m_rows.shrink_to_fit();
  m_index.clear();
  m_totalBytes = 0;
}

void FlowTableModel::removeFlows(const std::vector<uint64_t>& ids) {
  if (m_stored) {
    removeStoredFlows(ids);
    return;
  }
  std::vector<int> rows;
  for (uint64_t id : ids) {
    auto it = m_index.find(id);
    if (it != m_index.end()) rows.push_back(it->second);
  }
  if (rows.empty()) return;
  // Bottom-up, one contiguous run at a time, then one pass to renumber the index.
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  size_t end = rows.size();
  while (end > 0) {
    size_t begin = end - 1;
    while (begin > 0 && rows[begin - 1] == rows[begin] - 1) --begin;
    const int first = rows[begin];
    const int last = rows[end - 1];
    beginRemoveRows({}, first, last);
    for (int r = first; r <= last; ++r) {
      const FlowRow& row = m_rows[static_cast<size_t>(r)];
      m_totalBytes -= row.requestSize + row.responseSize;
      m_index.erase(row.id);
    }
    m_rows.erase(m_rows.begin() + first, m_rows.begin() + last + 1);
    endRemoveRows();
    end = begin;
  }
  for (size_t r = static_cast<size_t>(rows.front()); r < m_rows.size(); ++r) m_index[m_rows[r].id] = static_cast<int>(r);
}

}  // namespace ps::ui
