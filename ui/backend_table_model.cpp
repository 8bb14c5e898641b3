#include "ui/backend_table_model.h"

#include <QColor>

namespace ps::ui {

BackendTableModel::BackendTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void BackendTableModel::update(const QVector<BackendRowUi>& rows, double seconds) {
  for (const auto& r : rows) {
    const QString k = key(r);
    auto& hist = m_history[k];
    const quint64 last = m_lastRequests.value(k, r.requests);
    const double rate = seconds > 0 && r.requests >= last ? static_cast<double>(r.requests - last) / seconds : 0.0;
    hist.push_back(rate);
    if (hist.size() > kHistory) hist.remove(0, hist.size() - kHistory);
    m_lastRequests[k] = r.requests;
  }
  bool sameKeys = rows.size() == m_rows.size();
  for (qsizetype i = 0; sameKeys && i < rows.size(); ++i) sameKeys = key(rows[i]) == key(m_rows[i]);
  if (sameKeys) {
    m_rows = rows;
    if (!m_rows.isEmpty()) emit dataChanged(index(0, 0), index(rowCount() - 1, ColCount - 1));
    return;
  }
  // The set of backends changed (a new configuration): reset rather than diff.
  beginResetModel();
  m_rows = rows;
  endResetModel();
}

int BackendTableModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : static_cast<int>(m_rows.size()); }

int BackendTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColCount; }

QVariant BackendTableModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= rowCount()) return {};
  const BackendRowUi& r = m_rows[index.row()];
  auto ms = [](double v) { return QStringLiteral("%1 ms").arg(v, 0, 'f', v < 10 ? 1 : 0); };
  if (role == Qt::DisplayRole) {
    switch (index.column()) {
      case ColName: return r.name;
      case ColStatus: return r.status;
      case ColWeight: return r.weight;
      case ColRequests: return QVariant::fromValue(r.requests);
      case ColActive: return QVariant::fromValue(r.active);
      case ColErrors: return QVariant::fromValue(r.errors);
      case ColP50: return ms(r.p50Ms);
      case ColP95: return ms(r.p95Ms);
      case ColP99: return ms(r.p99Ms);
      case ColRate: {
        const auto hist = m_history.value(key(r));
        return hist.isEmpty() ? QString() : QStringLiteral("%1/s").arg(hist.back(), 0, 'f', 1);
      }
      default: return {};
    }
  }
  if (role == Qt::ToolTipRole) {
    QString tip = QStringLiteral("%1 — %2").arg(r.url, r.status);
    if (!r.lastError.isEmpty()) tip += QStringLiteral("\nlast error: ") + r.lastError;
    return tip;
  }
  if (role == Qt::ForegroundRole && index.column() == ColStatus) {
    if (r.status == QLatin1String("healthy")) return QColor(0x2e, 0x9d, 0x4a);
    if (r.status == QLatin1String("draining")) return QColor(0xc8, 0x8a, 0x12);
    if (r.status == QLatin1String("disabled")) return QColor(0x80, 0x80, 0x80);
    return QColor(0xd0, 0x30, 0x30);  // down, ejected
  }
  if (role == Qt::TextAlignmentRole && index.column() >= ColWeight) return int(Qt::AlignRight | Qt::AlignVCenter);
  if (role == kHistoryRole && index.column() == ColRate) {
    QVariantList list;
    for (double v : m_history.value(key(r))) list << v;
    return list;
  }
  return {};
}

QVariant BackendTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  static const char* const kNames[] = {"Backend", "Health", "Weight", "Requests", "Active", "Errors", "p50", "p95", "p99", "Requests/s"};
  return section >= 0 && section < ColCount ? tr(kNames[section]) : QVariant();
}

}  // namespace ps::ui
