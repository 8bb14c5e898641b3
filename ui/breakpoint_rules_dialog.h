#pragma once
// BreakpointRulesDialog: the table of breakpoint rules (expression in the filter language, stage,
// enabled). Expressions are checked with the filter parser as they are typed (red with the reason);
// OK applies them to the engine through the bridge and keeps them in QSettings.
#include <QDialog>
#include <QVector>

#include "ui/breakpoint_types.h"

class QLabel;
class QLineEdit;
class QTableWidget;

namespace ps::ui {

class EngineBridge;

class BreakpointRulesDialog : public QDialog {
  Q_OBJECT

 public:
  BreakpointRulesDialog(EngineBridge& bridge, QWidget* parent = nullptr);

  QVector<BreakpointRuleUi> rules() const;
  void setRules(const QVector<BreakpointRuleUi>& rules);
  void addRule(const BreakpointRuleUi& rule);
  QTableWidget* table() const { return m_table; }
  QLineEdit* newExpression() const { return m_new; }
  // "" when the expression parses; else the parser's message with its position.
  static QString validate(const QString& expression);

  // QSettings "breakpoints/rules"; apply() sends them to the engine and returns its error, "" = ok.
  static QVector<BreakpointRuleUi> loadRules();
  static void saveRules(const QVector<BreakpointRuleUi>& rules);
  static QString apply(EngineBridge& bridge, const QVector<BreakpointRuleUi>& rules);

 public slots:
  void accept() override;

 private:
  void checkRow(int row);

  EngineBridge& m_bridge;
  QTableWidget* m_table = nullptr;
  QLineEdit* m_new = nullptr;
  QLabel* m_message = nullptr;
};

}  // namespace ps::ui
