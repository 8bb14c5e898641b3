#pragma once
// BackendTableModel: the reverse panel's rows — one per backend, refreshed from polled statistics,
// with a short history of requests/s per backend for the sparkline column.
#include <QAbstractTableModel>
#include <QHash>
#include <QVector>

#include "ui/reverse_values.h"

namespace ps::ui {

class BackendTableModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column { ColName, ColStatus, ColWeight, ColRequests, ColActive, ColErrors, ColP50, ColP95, ColP99, ColRate, ColCount };
  static constexpr int kHistory = 60;  // samples kept for the sparkline
  static constexpr int kHistoryRole = Qt::UserRole + 1;  // QVariantList of doubles (requests/s)

  explicit BackendTableModel(QObject* parent = nullptr);

  // New statistics, taken `seconds` after the previous ones (for the rate).
  void update(const QVector<BackendRowUi>& rows, double seconds);
  const BackendRowUi& backend(int row) const { return m_rows[row]; }
  QVector<double> history(const QString& key) const { return m_history.value(key); }

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

 private:
  static QString key(const BackendRowUi& row) { return row.pool + QLatin1Char('/') + row.name; }
  QVector<BackendRowUi> m_rows;
  QHash<QString, quint64> m_lastRequests;
  QHash<QString, QVector<double>> m_history;
};

}  // namespace ps::ui
