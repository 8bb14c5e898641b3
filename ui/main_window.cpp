#include "ui/main_window.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QIcon>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QTabWidget>
#include <QPainter>
#include <QPixmap>
#include <QShortcut>
#include <QSplitter>
#include <QStatusBar>
#include <QStyle>
#include <QTableView>
#include <QToolBar>
#include <QVBoxLayout>

#include "ui/curl_command.h"
#include "ui/engine_bridge.h"
#include "ui/filter_bar.h"
#include "ui/flow_filter_proxy.h"
#include "ui/flow_table_model.h"
#include "ui/format.h"
#include "ui/inspector.h"
#include "ui/stored_view.h"
#include "ui/topology_model.h"
#include "ui/topology_panel.h"

// Resources live in a static library: make sure its registration is linked in.
static void initProxyscopeResources() { Q_INIT_RESOURCE(proxyscope); }

namespace ps::ui {

namespace {
// Start/Stop glyphs drawn in mid-tone colours that read on light and dark palettes alike (the
// style's media icons are black and vanish on a dark toolbar).
QIcon startStopIcon(bool stop) {
  QPixmap pixmap(32, 32);
  pixmap.fill(Qt::transparent);
  QPainter painter(&pixmap);
  painter.setRenderHint(QPainter::Antialiasing);
  painter.setPen(Qt::NoPen);
  if (stop) {
    painter.setBrush(QColor(0xda, 0x36, 0x33));
    painter.drawRoundedRect(QRectF(7, 7, 18, 18), 3, 3);
  } else {
    painter.setBrush(QColor(0x2d, 0xa4, 0x4e));
    const QPointF triangle[] = {{9, 6}, {27, 16}, {9, 26}};
    painter.drawPolygon(triangle, 3);
  }
  return QIcon(pixmap);
}

constexpr int kAutoScrollMillis = 250;  // catches filter and sort changes; batches scroll at once
constexpr int kStatusMillis = 500;
}  // namespace

MainWindow::MainWindow(EngineBridge& bridge, QWidget* parent) : QMainWindow(parent), m_bridge(bridge) {
  initProxyscopeResources();
  setWindowTitle(QStringLiteral("Proxyscope"));
  setWindowIcon(QIcon(QStringLiteral(":/icons/proxyscope.svg")));
  m_model = new FlowTableModel(this);
  m_proxy = new FlowFilterProxy(m_model, this);

  buildMenus();
  buildToolBar();
  buildCentral();
  buildStatusBar();

  connect(&m_bridge, &EngineBridge::batchReady, this, &MainWindow::onBatch);
  connect(&m_bridge, &EngineBridge::runningChanged, this, &MainWindow::onRunningChanged);

  m_scrollTimer.setInterval(kAutoScrollMillis);
  connect(&m_scrollTimer, &QTimer::timeout, this, &MainWindow::tickAutoScroll);
  m_scrollTimer.start();
  m_statusTimer.setInterval(kStatusMillis);
  connect(&m_statusTimer, &QTimer::timeout, this, &MainWindow::tickStatus);
  m_statusTimer.start();
  m_rateClock.start();

  m_filterUi = installFilterUi(*this);
  installStoredView(*this);  // opened session files: a store-backed table (ui/stored_view.h)

  onRunningChanged(m_bridge.running(), m_bridge.listenAddress());
  tickStatus();
  resize(1280, 800);
}

MainWindow::~MainWindow() = default;

void MainWindow::buildMenus() {
  m_sessionMenu = menuBar()->addMenu(tr("&Session"));
  m_editMenu = menuBar()->addMenu(tr("&Edit"));
  m_viewMenu = menuBar()->addMenu(tr("&View"));
  m_proxyMenu = menuBar()->addMenu(tr("&Proxy"));
  m_toolsMenu = menuBar()->addMenu(tr("&Tools"));
  m_helpMenu = menuBar()->addMenu(tr("&Help"));
}

QLineEdit* MainWindow::filterEdit() const { return m_filter; }

int MainWindow::addViewTab(QWidget* view, const QString& title) { return m_tabs->addTab(view, title); }

std::vector<uint64_t> MainWindow::selectedFlowIds() const {
  std::vector<uint64_t> ids;
  for (const QModelIndex& index : m_table->selectionModel()->selectedRows()) {
    ids.push_back(index.data(FlowTableModel::FlowIdRole).toULongLong());
  }
  return ids;
}

void MainWindow::buildToolBar() {
  QToolBar* bar = addToolBar(tr("Proxy"));
  m_toolBar = bar;
  bar->setObjectName(QStringLiteral("proxyToolBar"));
  bar->setMovable(false);
  bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);

  m_mode = new QComboBox(bar);
  m_mode->addItem(tr("Forward proxy"));
  m_mode->addItem(tr("Reverse proxy"));
  m_mode->setItemData(0, tr("Stands in for the clients: point a browser or app at the listen address"), Qt::ToolTipRole);
  m_mode->setItemData(1, tr("Stands in for the servers: fronts local backends"), Qt::ToolTipRole);
  m_mode->setCurrentIndex(m_bridge.mode() == ProxyModeUi::Reverse ? 1 : 0);
  connect(m_mode, &QComboBox::currentIndexChanged, this, &MainWindow::onModeChanged);
  bar->addWidget(m_mode);

  bar->addWidget(new QLabel(tr("  Listen "), bar));
  m_listen = new QLineEdit(m_bridge.listenAddress(), bar);
  m_listen->setPlaceholderText(QStringLiteral("127.0.0.1:8080"));
  m_listen->setMaximumWidth(180);
  m_listen->setToolTip(tr("HOST:PORT the proxy listens on"));
  connect(m_listen, &QLineEdit::editingFinished, this, &MainWindow::onListenEdited);
  bar->addWidget(m_listen);
  bar->addSeparator();

  m_startStop = bar->addAction(startStopIcon(false), tr("Start"));
  connect(m_startStop, &QAction::triggered, this, &MainWindow::toggleStartStop);

  m_clear = bar->addAction(style()->standardIcon(QStyle::SP_DialogResetButton), tr("Clear"));
  m_clear->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_K));
  m_clear->setToolTip(tr("Clear the flow list (Ctrl+K)"));
  connect(m_clear, &QAction::triggered, this, &MainWindow::clearFlows);

  m_autoScroll = bar->addAction(style()->standardIcon(QStyle::SP_ArrowDown), tr("Auto-scroll"));
  m_autoScroll->setCheckable(true);
  m_autoScroll->setChecked(true);
  m_autoScroll->setToolTip(tr("Follow new flows (Space in the table pauses)"));
  connect(m_autoScroll, &QAction::toggled, this, [this](bool on) {
    if (on) m_scrollPaused = false;
  });
}

void MainWindow::buildCentral() {
  // The filter bar only edits; installFilterUi() (ui/filter_ui.h) applies what it accepts.
  m_filter = new FilterBar(this);
  auto* focusFilter = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_L), this);
  connect(focusFilter, &QShortcut::activated, this, [this] {
    m_filter->setFocus();
    m_filter->selectAll();
  });

  m_table = new QTableView(this);
  m_table->setModel(m_proxy);
  m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
  m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_table->setShowGrid(false);
  m_table->setWordWrap(false);
  m_table->setAlternatingRowColors(true);
  m_table->setTextElideMode(Qt::ElideMiddle);
  // Uniform row heights: fixed sections, so the view never measures rows.
  QHeaderView* rows = m_table->verticalHeader();
  rows->setSectionResizeMode(QHeaderView::Fixed);
  rows->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
  rows->hide();
  QHeaderView* columns = m_table->horizontalHeader();
  columns->setHighlightSections(false);
  columns->setSectionsMovable(true);
  columns->setStretchLastSection(true);
  // Sorting enabled but off (indicator -1) until a header is clicked: arrival order needs no sort.
  columns->setSortIndicator(-1, Qt::AscendingOrder);
  m_table->setSortingEnabled(true);
  const int widths[FlowTableModel::ColumnCount] = {56, 92, 120, 60, 56, 180, 260, 52, 170, 72, 72, 72, 150, 80};
  for (int c = 0; c < FlowTableModel::ColumnCount; ++c) columns->resizeSection(c, widths[c]);
  if (m_bridge.mode() == ProxyModeUi::Forward) m_table->hideColumn(FlowTableModel::ColBackend);
  connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &MainWindow::showCurrentFlow);
  columns->setContextMenuPolicy(Qt::CustomContextMenu);
  connect(columns, &QHeaderView::customContextMenuRequested, this, &MainWindow::showHeaderMenu);
  m_table->setContextMenuPolicy(Qt::CustomContextMenu);
  connect(m_table, &QTableView::customContextMenuRequested, this, &MainWindow::showRowMenu);

  auto* quit = new QShortcut(QKeySequence::Quit, this);
  connect(quit, &QShortcut::activated, this, &QWidget::close);

  auto* pause = new QShortcut(QKeySequence(Qt::Key_Space), m_table, nullptr, nullptr, Qt::WidgetShortcut);
  connect(pause, &QShortcut::activated, this, &MainWindow::toggleScrollPause);

  m_inspector = new Inspector(this);

  auto* top = new QWidget(this);
  auto* topLayout = new QVBoxLayout(top);
  topLayout->setContentsMargins(0, 0, 0, 0);
  topLayout->setSpacing(2);
  topLayout->addWidget(m_filter);
  m_listSplit = new QSplitter(Qt::Horizontal, top);
  m_listSplit->addWidget(m_table);
  m_listSplit->setChildrenCollapsible(false);
  topLayout->addWidget(m_listSplit, 1);

  auto* split = new QSplitter(Qt::Vertical, this);
  split->addWidget(top);
  split->addWidget(m_inspector);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 2);
  split->setSizes({480, 320});
  split->setChildrenCollapsible(false);

  // The flow list is the first tab; "See the direction" (the topology) the second.
  m_tabs = new QTabWidget(this);
  m_tabs->setDocumentMode(true);
  m_tabs->addTab(split, tr("Flows"));
  m_topologyModel = new TopologyModel(this);
  m_topologyModel->setMode(m_bridge.mode() == ProxyModeUi::Reverse ? TopologyMode::Reverse : TopologyMode::Forward,
                           m_bridge.listenAddress());
  m_topologyPanel = new TopologyPanel(m_topologyModel, this);
  m_tabs->addTab(m_topologyPanel, tr("See the direction"));
  m_tabs->setTabToolTip(1, tr("Who stands in for whom: your own traffic drawn as forward or reverse proxying"));
  connect(&m_bridge, &EngineBridge::flowsFinished, m_topologyModel, [this](const QVector<TopologySample>& samples) {
    for (const auto& s : samples) m_topologyModel->addFlow(s);
  });
  connect(m_topologyPanel, &TopologyPanel::filterRequested, this, [this](const QString& filter) {
    m_filter->setText(filter);
    m_tabs->setCurrentIndex(0);
  });
  setCentralWidget(m_tabs);
}

void MainWindow::buildStatusBar() {
  m_state = new QLabel(this);
  m_flows = new QLabel(this);
  m_rate = new QLabel(this);
  m_bytes = new QLabel(this);
  m_dropped = new QLabel(this);
  statusBar()->addWidget(m_state, 1);
  statusBar()->addPermanentWidget(m_flows);
  statusBar()->addPermanentWidget(m_rate);
  statusBar()->addPermanentWidget(m_bytes);
  statusBar()->addPermanentWidget(m_dropped);
  m_dropped->hide();
}

ProxyModeUi MainWindow::selectedMode() const {
  return m_mode->currentIndex() == 1 ? ProxyModeUi::Reverse : ProxyModeUi::Forward;
}

void MainWindow::onBatch(const FlowBatch& batch) {
  m_model->applyBatch(batch);
  // Scroll in the same event-loop turn as the insert, so both reach the screen in one paint
  // (batches already arrive at most ~30 times a second).
  if (!batch.inserted.empty()) tickAutoScroll();
  // Keep the inspector live for the selected flow (response arriving, flow finishing).
  const uint64_t shown = m_inspector->flowId();
  if (shown == 0) return;
  for (const auto& row : batch.updated) {
    if (row.id == shown) {
      if (auto detail = m_bridge.detail(shown)) m_inspector->showFlow(*detail);
      break;
    }
  }
}

void MainWindow::onRunningChanged(bool running, const QString& address) {
  m_startStop->setText(running ? tr("Stop") : tr("Start"));
  m_startStop->setIcon(startStopIcon(running));
  m_startStop->setToolTip(running ? tr("Stop the proxy") : tr("Start the proxy"));
  if (running && !address.isEmpty() && !m_listen->hasFocus()) m_listen->setText(address);
  const bool reverse = m_bridge.mode() == ProxyModeUi::Reverse;
  m_table->setColumnHidden(FlowTableModel::ColBackend, !reverse);
  if (running) m_topologyModel->setMode(reverse ? TopologyMode::Reverse : TopologyMode::Forward, address);
  if (running) {
    showMessage(reverse ? tr("Reverse proxy listening on %1 — stands in for the servers").arg(address)
                        : tr("Forward proxy listening on %1 — stands in for the clients").arg(address),
                false);
  } else {
    showMessage(tr("Stopped"), false);
  }
}

void MainWindow::onModeChanged(int) {
  const QString error = m_bridge.switchMode(selectedMode(), m_listen->text());
  if (!error.isEmpty()) {
    showMessage(error, true);
    return;
  }
  if (!m_bridge.running()) onRunningChanged(false, {});
  m_table->setColumnHidden(FlowTableModel::ColBackend, selectedMode() != ProxyModeUi::Reverse);
}

void MainWindow::onListenEdited() {
  if (m_listen->text().trimmed() == m_bridge.listenAddress()) return;
  const QString error = m_bridge.switchMode(selectedMode(), m_listen->text());
  if (!error.isEmpty()) showMessage(error, true);
}

void MainWindow::toggleStartStop() {
  if (m_bridge.running()) {
    m_bridge.stop();
  } else {
    startProxy();
  }
}

void MainWindow::startProxy() {
  QString error = m_bridge.switchMode(selectedMode(), m_listen->text());
  if (error.isEmpty()) error = m_bridge.start();
  if (!error.isEmpty()) showMessage(tr("Could not start: %1").arg(error), true);
}

void MainWindow::clearFlows() {
  m_bridge.clear();
  m_model->clear();
  m_inspector->clearFlow();
  m_lastScrolledRows = -1;
  tickStatus();
}

void MainWindow::toggleScrollPause() {
  m_scrollPaused = !m_scrollPaused;
  tickStatus();
}

void MainWindow::showCurrentFlow() {
  const QModelIndex current = m_table->selectionModel()->currentIndex();
  if (!current.isValid()) {
    m_inspector->clearFlow();
    return;
  }
  const auto id = current.data(FlowTableModel::FlowIdRole).toULongLong();
  if (auto detail = m_bridge.detail(id)) {
    m_inspector->showFlow(*detail);
  } else {
    m_inspector->clearFlow();
  }
}

void MainWindow::tickAutoScroll() {
  // A timer, not every insert: scrolling per batch would relayout the view many times a second.
  if (!m_autoScroll->isChecked() || m_scrollPaused) return;
  if (m_model->isStoredView()) return;  // a session file does not grow: its order starts at the top
  const int rowsNow = m_proxy->rowCount();
  if (rowsNow == m_lastScrolledRows) return;
  m_lastScrolledRows = rowsNow;
  m_table->scrollToBottom();
}

void MainWindow::tickStatus() {
  const qint64 elapsed = m_rateClock.elapsed();
  if (elapsed >= 1000) {
    const uint64_t flows = m_bridge.flowsSeen();
    m_requestsPerSecond = static_cast<double>(flows - m_rateBaseFlows) * 1000.0 / static_cast<double>(elapsed);
    m_rateBaseFlows = flows;
    m_rateClock.restart();
  }
  const qint64 total = m_model->isStoredView() ? m_model->storedTotal() : m_model->rowCount();
  m_flows->setText(tr("Flows %1 / %2").arg(m_proxy->rowCount()).arg(total));
  m_rate->setText(tr("%1 req/s").arg(m_requestsPerSecond, 0, 'f', m_requestsPerSecond < 10 ? 1 : 0));
  // A stored view's byte total would need a scan of the whole file: left out rather than wrong.
  m_bytes->setText(m_model->isStoredView() ? QString() : formatBytes(m_model->totalBytes()));
  const uint64_t dropped = m_bridge.droppedEvents();
  m_dropped->setVisible(dropped > 0);
  if (dropped > 0) {
    m_dropped->setText(tr("UI events dropped: %1").arg(dropped));
    m_dropped->setToolTip(tr("The table fell behind; the session store still has every flow."));
  }
  QString state = m_message;
  if (m_scrollPaused && m_autoScroll->isChecked()) state += tr("   ·   auto-scroll paused (Space)");
  m_state->setText(state);
  QPalette p = m_state->palette();
  if (m_messageIsError) {
    const bool dark = palette().color(QPalette::Base).lightness() < 128;
    p.setColor(QPalette::WindowText, dark ? QColor(0xf8, 0x51, 0x49) : QColor(0xcf, 0x22, 0x2e));
  } else {
    p.setColor(QPalette::WindowText, palette().color(QPalette::WindowText));
  }
  m_state->setPalette(p);
}

void MainWindow::showMessage(const QString& text, bool error) {
  m_message = text;
  m_messageIsError = error;
  if (m_state != nullptr) tickStatus();
}

void MainWindow::showHeaderMenu(const QPoint& pos) {
  QMenu menu(this);
  for (int c = FlowTableModel::ColTime; c < FlowTableModel::ColumnCount; ++c) {
    QAction* action = menu.addAction(m_model->headerData(c, Qt::Horizontal).toString());
    action->setCheckable(true);
    action->setChecked(!m_table->isColumnHidden(c));
    connect(action, &QAction::toggled, this, [this, c](bool shown) { m_table->setColumnHidden(c, !shown); });
  }
  menu.exec(m_table->horizontalHeader()->viewport()->mapToGlobal(pos));
}

void MainWindow::showRowMenu(const QPoint& pos) {
  const QModelIndex index = m_table->indexAt(pos);
  if (!index.isValid()) return;
  const auto id = index.data(FlowTableModel::FlowIdRole).toULongLong();
  const FlowRow& row = m_model->row(m_model->rowOf(id));
  const auto detail = m_bridge.detail(id);
  QMenu menu(this);
  QAction* copyUrl = menu.addAction(tr("Copy URL"));
  copyUrl->setEnabled(detail.has_value());
  connect(copyUrl, &QAction::triggered, this, [detail] { QApplication::clipboard()->setText(detail->url); });
  QAction* copyCurl = menu.addAction(tr("Copy as cURL"));
  copyCurl->setEnabled(detail.has_value() && row.kind == RowKind::Http);
  connect(copyCurl, &QAction::triggered, this, [detail] { QApplication::clipboard()->setText(curlCommand(*detail)); });
  menu.addSeparator();
  const QString host = row.host;
  connect(menu.addAction(tr("Filter on host %1").arg(host)), &QAction::triggered, this,
          [this, host] { m_filter->setText(QStringLiteral("host:=") + host); });
  if (row.status > 0) {
    const QString status = QString::number(row.status);
    connect(menu.addAction(tr("Filter on status %1").arg(status)), &QAction::triggered, this,
            [this, status] { m_filter->setText(QStringLiteral("status:") + status); });
  }
  emit rowMenuAboutToShow(&menu, id);
  menu.exec(m_table->viewport()->mapToGlobal(pos));
}

void MainWindow::changeEvent(QEvent* event) {
  if (event->type() == QEvent::PaletteChange || event->type() == QEvent::ApplicationPaletteChange) {
    m_model->refreshColours();
  }
  QMainWindow::changeEvent(event);
}

}  // namespace ps::ui
