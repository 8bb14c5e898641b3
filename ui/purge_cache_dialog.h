#pragma once
// PurgeCacheDialog (Policies panel, "Purge cache…"): purge every stored response, or only those
// matching a filter-language expression (the same grammar as the filter bar), validated as it is
// typed; Purge stays disabled while the expression does not parse.
#include <QDialog>

class QDialogButtonBox;
class QLabel;
class QPushButton;
class QRadioButton;

namespace ps::ui {

class FilterBar;

class PurgeCacheDialog : public QDialog {
  Q_OBJECT

 public:
  // `entries`: how many responses the cache holds now (shown on the "everything" choice).
  explicit PurgeCacheDialog(quint64 entries, QWidget* parent = nullptr);

  // "" = everything; else the filter expression to purge by (valid when accepted).
  QString filterText() const;
  // The parse error of the expression typed so far ("" when it parses).
  QString errorText() const;

  QRadioButton* allChoice() const { return m_all; }
  QRadioButton* matchingChoice() const { return m_matching; }
  FilterBar* filterField() const { return m_filter; }
  QPushButton* purgeButton() const { return m_purge; }

 private:
  void check();

  QRadioButton* m_all = nullptr;
  QRadioButton* m_matching = nullptr;
  FilterBar* m_filter = nullptr;
  QLabel* m_error = nullptr;
  QPushButton* m_purge = nullptr;
};

}  // namespace ps::ui
