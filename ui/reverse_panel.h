#pragma once
// ReversePanel: the backends of reverse mode, live — health (coloured), weight, requests, active,
// errors, latency p50/p95/p99 and a requests/s sparkline — polled from the engine at ~2 Hz on the
// GUI thread (a non-blocking copy of the counters); drain / disable / enable / set weight; and the
// configuration form. Health and weight also feed the topology model, so a backend going down turns
// red there and its traffic visibly moves to the others.
#include <QElapsedTimer>
#include <QTimer>
#include <QWidget>

class QLabel;
class QSpinBox;
class QTableView;

namespace ps::ui {

class BackendTableModel;
class EngineBridge;
class ReverseConfigForm;
class TopologyModel;

class ReversePanel : public QWidget {
  Q_OBJECT
 public:
  ReversePanel(EngineBridge& bridge, TopologyModel* topology, QWidget* parent = nullptr);

  // Polls the engine now (the timer calls it every 500 ms while the panel is in use).
  void refresh();
  // The selected backend (or row `row`) gets the action; errors go to the panel's status line.
  QString drainSelected();
  QString disableSelected();
  QString enableSelected();
  QString setWeightSelected(int weight);

  BackendTableModel* model() const { return m_model; }
  QTableView* table() const { return m_table; }
  ReverseConfigForm* form() const { return m_form; }

 private:
  QString act(int action, int weight);

  EngineBridge& m_bridge;
  TopologyModel* m_topology;
  BackendTableModel* m_model;
  QTableView* m_table;
  QSpinBox* m_weight;
  QLabel* m_status;
  ReverseConfigForm* m_form;
  QTimer m_poll;
  QElapsedTimer m_sinceLast;
  qsizetype m_lastBackendCount = -1;
};

}  // namespace ps::ui
