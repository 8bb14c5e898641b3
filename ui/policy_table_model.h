#pragma once
// PolicyTableModel: one row per policy (ui/policy_values.h): the switch (checkable name), what it
// does, its live counters. Toggling the check box calls the apply function (the bridge's
// setPolicyEnabled); the panel refreshes the rows about once a second.
#include <QAbstractTableModel>
#include <functional>

#include "ui/policy_values.h"

namespace ps::ui {

class PolicyTableModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { Name, Description, Counters, ColumnCount };
  // Returns "" on success or the reason the switch could not be applied.
  using ApplyFn = std::function<QString(const QString& key, bool enabled)>;

  explicit PolicyTableModel(ApplyFn apply, QObject* parent = nullptr);

  // Replaces the rows: same policies → only changed cells are signalled; otherwise a reset.
  void setRows(const QVector<PolicyRowUi>& rows);
  const QVector<PolicyRowUi>& rows() const { return m_rows; }
  int rowOf(const QString& key) const;

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;
  Qt::ItemFlags flags(const QModelIndex& index) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

  static QString countersText(const PolicyRowUi& row);

 signals:
  void applyFailed(const QString& error);

 private:
  ApplyFn m_apply;
  QVector<PolicyRowUi> m_rows;
};

}  // namespace ps::ui
