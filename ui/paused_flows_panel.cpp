#include "ui/paused_flows_panel.h"

#include <QDateTime>
#include <QHeaderView>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include "ui/breakpoint_editor.h"
#include "ui/engine_bridge.h"

namespace ps::ui {
namespace {

QString seconds(int64_t ms) {
  int64_t s = std::max<int64_t>(0, ms / 1000);
  return s >= 60 ? QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'))
                 : QStringLiteral("%1 s").arg(s);
}

}  // namespace

PausedFlowsPanel::PausedFlowsPanel(EngineBridge& bridge, QWidget* parent) : QWidget(parent), m_bridge(bridge) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  auto* split = new QSplitter(Qt::Vertical, this);
  m_list = new QTableWidget(0, 5, split);
  m_list->setHorizontalHeaderLabels({tr("#"), tr("Stage"), tr("Request"), tr("Waiting"), tr("Auto-continue in")});
  m_list->horizontalHeader()->setSectionResizeMode(2, QHeaderView::Stretch);
  m_list->verticalHeader()->setVisible(false);
  m_list->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_list->setSelectionMode(QAbstractItemView::SingleSelection);
  m_list->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_editor = new BreakpointEditor(bridge, split);
  split->addWidget(m_list);
  split->addWidget(m_editor);
  split->setStretchFactor(1, 3);
  layout->addWidget(split);
  connect(m_list, &QTableWidget::itemSelectionChanged, this, &PausedFlowsPanel::openSelected);
  connect(m_editor, &BreakpointEditor::decided, this, &PausedFlowsPanel::refresh);
  connect(&m_timer, &QTimer::timeout, this, &PausedFlowsPanel::refresh);
  m_timer.start(500);
}

void PausedFlowsPanel::refresh() {
  auto paused = m_bridge.pausedFlows();
  bool sameIds = paused.size() == m_paused.size();
  for (int i = 0; sameIds && i < paused.size(); ++i) sameIds = paused[i].id == m_paused[i].id;
  int before = m_paused.size();
  m_paused = paused;
  int64_t now = QDateTime::currentMSecsSinceEpoch();
  if (!sameIds) {
    QSignalBlocker block(m_list);
    uint64_t selected = m_editor->flowId();
    m_list->setRowCount(m_paused.size());
    for (int row = 0; row < m_paused.size(); ++row) {
      const auto& p = m_paused[row];
      m_list->setItem(row, 0, new QTableWidgetItem(QString::number(p.id)));
      m_list->setItem(row, 1, new QTableWidgetItem(p.stage == BreakStageUi::Response ? tr("response") : tr("request")));
      m_list->setItem(row, 2, new QTableWidgetItem(p.request.method + QLatin1Char(' ') + p.request.url));
      m_list->setItem(row, 3, new QTableWidgetItem);
      m_list->setItem(row, 4, new QTableWidgetItem);
      if (p.id == selected) m_list->selectRow(row);
    }
    // The flow in the editor was resolved elsewhere (timeout, client gone, shutdown).
    bool stillPaused = std::any_of(m_paused.begin(), m_paused.end(), [&](const auto& p) { return p.id == selected; });
    if (selected && !stillPaused) m_editor->clearFlow();
    // Nothing in the editor: open the oldest paused flow, so a new pause is ready to edit.
    if (m_editor->flowId() == 0 && !m_paused.isEmpty()) {
      m_list->selectRow(0);
      m_editor->setPausedFlow(m_paused.front());
    }
  }
  for (int row = 0; row < m_paused.size(); ++row) {
    const auto& p = m_paused[row];
    m_list->item(row, 3)->setText(seconds(now - p.pausedAtMs));
    m_list->item(row, 4)->setText(p.deadlineMs > 0 ? seconds(p.deadlineMs - now) : tr("never"));
  }
  if (before != m_paused.size()) emit pausedCountChanged(m_paused.size());
}

bool PausedFlowsPanel::select(uint64_t id) {
  refresh();
  for (int row = 0; row < m_paused.size(); ++row) {
    if (m_paused[row].id == id) {
      m_list->selectRow(row);
      if (m_editor->flowId() != id) m_editor->setPausedFlow(m_paused[row]);
      return true;
    }
  }
  return false;
}

void PausedFlowsPanel::openSelected() {
  int row = m_list->currentRow();
  auto rows = m_list->selectionModel()->selectedRows();
  if (!rows.isEmpty()) row = rows.first().row();
  if (row < 0 || row >= m_paused.size()) return;
  if (m_editor->flowId() != m_paused[row].id) m_editor->setPausedFlow(m_paused[row]);
}

}  // namespace ps::ui
