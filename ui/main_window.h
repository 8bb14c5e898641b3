#pragma once
// MainWindow: toolbar (mode, listen address, start/stop, clear, auto-scroll), the live flow table
// with a text filter, the inspector, and a status bar with flow counts, rate, bytes and UI drops.
// It talks to the engine only through EngineBridge.
#include <QElapsedTimer>
#include <QMainWindow>
#include <QTimer>
#include <vector>

#include "ui/flow_row.h"

class QAction;
class QComboBox;
class QLabel;
class QLineEdit;
class QMenu;
class QTabWidget;
class QTableView;
class QToolBar;

namespace ps::ui {

class EngineBridge;
class FlowFilterProxy;
class FlowTableModel;
class Inspector;
class TopologyModel;
class TopologyPanel;

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  explicit MainWindow(EngineBridge& bridge, QWidget* parent = nullptr);
  ~MainWindow() override;

  // Widgets and models, for tests and benchmarks.
  QTableView* table() const { return m_table; }
  FlowTableModel* model() const { return m_model; }
  FlowFilterProxy* proxy() const { return m_proxy; }
  Inspector* inspector() const { return m_inspector; }
  QComboBox* modeBox() const { return m_mode; }
  QLineEdit* listenEdit() const { return m_listen; }
  QLineEdit* filterEdit() const { return m_filter; }
  QAction* startStopAction() const { return m_startStop; }
  QAction* clearAction() const { return m_clear; }
  QAction* autoScrollAction() const { return m_autoScroll; }
  bool autoScrollPaused() const { return m_scrollPaused; }

  // Extension points: features add their actions to these menus and their views as tabs beside the
  // flow list, each from its own file, so the window itself stays small.
  QMenu* sessionMenu() const { return m_sessionMenu; }
  QMenu* editMenu() const { return m_editMenu; }
  QMenu* viewMenu() const { return m_viewMenu; }
  QMenu* proxyMenu() const { return m_proxyMenu; }
  QMenu* toolsMenu() const { return m_toolsMenu; }
  QMenu* helpMenu() const { return m_helpMenu; }
  QToolBar* proxyToolBar() const { return m_toolBar; }
  QTabWidget* tabs() const { return m_tabs; }
  int addViewTab(QWidget* view, const QString& title);
  EngineBridge& bridge() const { return m_bridge; }
  TopologyModel* topologyModel() const { return m_topologyModel; }
  TopologyPanel* topologyPanel() const { return m_topologyPanel; }
  // The ids of the selected rows, in view order.
  std::vector<uint64_t> selectedFlowIds() const;
  // Shows a message in the status bar (errors in red) for a while.
  void notify(const QString& text, bool error = false) { showMessage(text, error); }

 signals:
  // Emitted with the table's context menu before it shows, so features can add their row actions.
  void rowMenuAboutToShow(QMenu* menu, uint64_t flowId);

 public slots:
  // Applies the toolbar's mode and address and starts the proxy; errors go to the status bar.
  void startProxy();
  void clearFlows();
  void toggleStartStop();
  void toggleScrollPause();

 protected:
  void changeEvent(QEvent* event) override;

 private:
  void buildMenus();
  void buildToolBar();
  void buildCentral();
  void buildStatusBar();
  void onBatch(const FlowBatch& batch);
  void onRunningChanged(bool running, const QString& address);
  void onModeChanged(int index);
  void onListenEdited();
  void showCurrentFlow();
  void tickAutoScroll();
  void tickStatus();
  void showMessage(const QString& text, bool error);
  void showHeaderMenu(const QPoint& pos);
  void showRowMenu(const QPoint& pos);
  ProxyModeUi selectedMode() const;

  EngineBridge& m_bridge;
  QMenu* m_sessionMenu = nullptr;
  QMenu* m_editMenu = nullptr;
  QMenu* m_viewMenu = nullptr;
  QMenu* m_proxyMenu = nullptr;
  QMenu* m_toolsMenu = nullptr;
  QMenu* m_helpMenu = nullptr;
  QToolBar* m_toolBar = nullptr;
  QTabWidget* m_tabs = nullptr;
  TopologyModel* m_topologyModel = nullptr;
  TopologyPanel* m_topologyPanel = nullptr;
  FlowTableModel* m_model = nullptr;
  FlowFilterProxy* m_proxy = nullptr;
  QTableView* m_table = nullptr;
  Inspector* m_inspector = nullptr;
  QComboBox* m_mode = nullptr;
  QLineEdit* m_listen = nullptr;
  QLineEdit* m_filter = nullptr;
  QAction* m_startStop = nullptr;
  QAction* m_clear = nullptr;
  QAction* m_autoScroll = nullptr;
  QLabel* m_state = nullptr;
  QLabel* m_flows = nullptr;
  QLabel* m_rate = nullptr;
  QLabel* m_bytes = nullptr;
  QLabel* m_dropped = nullptr;
  QTimer m_scrollTimer;
  QTimer m_statusTimer;
  QElapsedTimer m_rateClock;
  uint64_t m_rateBaseFlows = 0;
  double m_requestsPerSecond = 0;
  bool m_scrollPaused = false;
  int m_lastScrolledRows = -1;
  QString m_message;
  bool m_messageIsError = false;
};

}  // namespace ps::ui
