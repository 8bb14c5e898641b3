#pragma once
// PoliciesPanel (the "Policies" tab, issue 10): every policy of the running configuration with an
// on/off switch applied at run time, what it does, how to configure it, and live counters.
#include <QTimer>
#include <QWidget>

class QLabel;
class QPushButton;
class QTableView;

namespace ps::ui {

class EngineBridge;
class MainWindow;
class PolicyTableModel;

class PoliciesPanel : public QWidget {
  Q_OBJECT

 public:
  explicit PoliciesPanel(EngineBridge& bridge, QWidget* parent = nullptr);

  PolicyTableModel* model() const { return m_model; }
  QTableView* view() const { return m_view; }
  QPushButton* purgeButton() const { return m_purge; }
  QLabel* statusLabel() const { return m_status; }
  // Reads the rows and counters again (the timer does this about once a second).
  void refresh();
  // "Purge cache…": opens the dialog (window-modal, not blocking); its Purge calls purgeCache(filter).
  void openPurgeDialog();
  // Purges the entries matching `filter` ("" = all) and says how many went; false on a bad filter.
  bool purgeCache(const QString& filter = {});

 signals:
  void message(const QString& text, bool error);

 private:
  EngineBridge& m_bridge;
  PolicyTableModel* m_model = nullptr;
  QTableView* m_view = nullptr;
  QPushButton* m_purge = nullptr;
  QLabel* m_status = nullptr;
  QTimer m_timer;
};

// Adds the "Policies" tab to the window.
PoliciesPanel* installPoliciesUi(MainWindow& window);

}  // namespace ps::ui
