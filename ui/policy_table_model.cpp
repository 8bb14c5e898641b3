// PolicyTableModel: see policy_table_model.h.
#include "ui/policy_table_model.h"

#include <QColor>
#include <QFont>
#include <QGuiApplication>
#include <QPalette>

namespace ps::ui {

PolicyTableModel::PolicyTableModel(ApplyFn apply, QObject* parent) : QAbstractTableModel(parent), m_apply(std::move(apply)) {}

void PolicyTableModel::setRows(const QVector<PolicyRowUi>& rows) {
  bool sameKeys = rows.size() == m_rows.size();
  for (qsizetype i = 0; sameKeys && i < rows.size(); ++i) sameKeys = rows[i].key == m_rows[i].key;
  if (!sameKeys) {
    beginResetModel();
    m_rows = rows;
    endResetModel();
    return;
  }
  for (qsizetype i = 0; i < rows.size(); ++i) {
    const auto& a = m_rows[i];
    const auto& b = rows[i];
    const bool head = a.enabled != b.enabled || a.configured != b.configured || a.title != b.title;
    const bool text = a.description != b.description || a.howTo != b.howTo;
    const bool counts = countersText(a) != countersText(b);
    m_rows[i] = b;
    if (head || text) emit dataChanged(index(int(i), Name), index(int(i), ColumnCount - 1));
    else if (counts) emit dataChanged(index(int(i), Counters), index(int(i), Counters));
  }
}

int PolicyTableModel::rowOf(const QString& key) const {
  for (qsizetype i = 0; i < m_rows.size(); ++i) {
    if (m_rows[i].key == key) return int(i);
  }
  return -1;
}

int PolicyTableModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(m_rows.size()); }
int PolicyTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QString PolicyTableModel::countersText(const PolicyRowUi& row) {
  QStringList parts;
  for (const auto& c : row.counters) parts << QStringLiteral("%1 %2").arg(c.name).arg(c.value);
  return parts.join(QStringLiteral(" · "));
}

QVariant PolicyTableModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= m_rows.size() || index.column() >= ColumnCount) return {};
  const auto& row = m_rows[index.row()];
  const bool idle = row.enabled && !row.configured;  // on, but with nothing to do
  switch (role) {
    case Qt::DisplayRole:
      switch (index.column()) {
        case Name: return row.title;
        case Description:
          if (!row.configured) return row.description + QStringLiteral("\nNot configured — add to the --config file: ") + row.howTo;
          return row.description;
        case Counters: return row.enabled || !row.counters.isEmpty() ? countersText(row) : QString();
      }
      break;
    case Qt::CheckStateRole:
      if (index.column() == Name) return row.enabled ? Qt::Checked : Qt::Unchecked;
      break;
    case Qt::ToolTipRole:
      if (index.column() == Description || index.column() == Name) return QStringLiteral("Configured in JSON: ") + row.howTo;
      break;
    case Qt::FontRole:
      if (index.column() == Name) {
        QFont f;
        f.setBold(row.enabled);
        return f;
      }
      break;
    case Qt::ForegroundRole:
      if (!row.configured && index.column() == Description) return QColor(idle ? 0xc0 : 0x9a, idle ? 0x6a : 0x5a, 0x00);
      if (!row.enabled && index.column() == Counters) return QGuiApplication::palette().color(QPalette::Disabled, QPalette::Text);
      break;
    case Qt::UserRole: return row.key;
    default: break;
  }
  return {};
}

bool PolicyTableModel::setData(const QModelIndex& index, const QVariant& value, int role) {
  if (!index.isValid() || index.row() >= m_rows.size()) return false;
  if (role != Qt::CheckStateRole || index.column() != Name) return false;
  auto& row = m_rows[index.row()];
  const bool on = value.toInt() == Qt::Checked;
  if (on == row.enabled) return true;
  const QString error = m_apply ? m_apply(row.key, on) : QString();
  if (!error.isEmpty()) {
    emit applyFailed(error);
    return false;
  }
  row.enabled = on;
  emit dataChanged(this->index(index.row(), Name), this->index(index.row(), ColumnCount - 1));
  return true;
}

Qt::ItemFlags PolicyTableModel::flags(const QModelIndex& index) const {
  if (!index.isValid() || index.row() >= m_rows.size()) return Qt::NoItemFlags;
  Qt::ItemFlags f = Qt::ItemIsEnabled | Qt::ItemIsSelectable;
  if (index.column() == Name) f |= Qt::ItemIsUserCheckable;
  return f;
}

QVariant PolicyTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case Name: return tr("Policy");
    case Description: return tr("What it does");
    case Counters: return tr("Counters");
  }
  return {};
}

}  // namespace ps::ui
