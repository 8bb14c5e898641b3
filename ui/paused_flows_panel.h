#pragma once
// PausedFlowsPanel: the flows held at breakpoints, with how long each has waited and the countdown
// to its auto-continue, above the editor of the selected one. Polls the bridge twice a second (the
// list is small; the engine answers from a snapshot without blocking).
#include <QTimer>
#include <QVector>
#include <QWidget>

#include "ui/breakpoint_types.h"

class QTableWidget;

namespace ps::ui {

class BreakpointEditor;
class EngineBridge;

class PausedFlowsPanel : public QWidget {
  Q_OBJECT

 public:
  explicit PausedFlowsPanel(EngineBridge& bridge, QWidget* parent = nullptr);

  QTableWidget* list() const { return m_list; }
  BreakpointEditor* editor() const { return m_editor; }
  int pausedCount() const { return m_paused.size(); }
  const QVector<PausedFlowUi>& paused() const { return m_paused; }
  // Opens the editor on that paused flow (if it is paused); false otherwise.
  bool select(uint64_t id);

 public slots:
  void refresh();

 signals:
  void pausedCountChanged(int count);

 private:
  void openSelected();

  EngineBridge& m_bridge;
  QTableWidget* m_list = nullptr;
  BreakpointEditor* m_editor = nullptr;
  QVector<PausedFlowUi> m_paused;
  QTimer m_timer;
};

}  // namespace ps::ui
