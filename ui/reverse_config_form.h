#pragma once
// ReverseConfigForm: the reverse configuration as a form — backends (URL, weight, enabled), the
// balancing strategy and the health check. Validated as you type with the engine's own parser (its
// messages shown verbatim); Apply swaps the configuration at run time.
#include <QWidget>

#include "ui/reverse_values.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace ps::ui {

class EngineBridge;

class ReverseConfigForm : public QWidget {
  Q_OBJECT
 public:
  explicit ReverseConfigForm(EngineBridge& bridge, QWidget* parent = nullptr);

  // Loads the running configuration into the form.
  void reload();
  void setForm(const ReverseForm& form);
  ReverseForm form() const;
  // The engine's message for the current form, empty when valid; also shown in the form.
  QString validate();
  // Validates, then swaps the configuration; the error, empty on success.
  QString apply();

  QTableWidget* backendsTable() const { return m_backends; }
  QLabel* errorLabel() const { return m_error; }
  QPushButton* applyButton() const { return m_apply; }

 signals:
  void applied();

 private:
  void addRow(const ReverseBackendForm& backend);

  EngineBridge& m_bridge;
  QTableWidget* m_backends;
  QComboBox* m_strategy;
  QCheckBox* m_healthEnabled;
  QLineEdit* m_healthPath;
  QSpinBox* m_healthInterval;
  QLabel* m_error;
  QPushButton* m_apply;
  bool m_loading = false;
};

}  // namespace ps::ui
