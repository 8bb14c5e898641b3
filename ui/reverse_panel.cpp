#include "ui/reverse_panel.h"

#include <algorithm>

#include <QApplication>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPainter>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QVBoxLayout>

#include "ui/backend_table_model.h"
#include "ui/engine_bridge.h"
#include "ui/reverse_config_form.h"
#include "ui/topology_model.h"

namespace ps::ui {

namespace {

// Requests/s of the last 30 s as a small line under the current figure.
class SparklineDelegate : public QStyledItemDelegate {
 public:
  using QStyledItemDelegate::QStyledItemDelegate;
  void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override {
    QStyledItemDelegate::paint(painter, option, index);
    const QVariantList values = index.data(BackendTableModel::kHistoryRole).toList();
    if (values.size() < 2) return;
    double peak = 1.0;
    for (const auto& v : values) peak = std::max(peak, v.toDouble());
    const QRectF area = QRectF(option.rect).adjusted(4, 4, -60, -4);
    if (area.width() < 10) return;
    QPolygonF line;
    const double step = area.width() / (BackendTableModel::kHistory - 1);
    const double x0 = area.right() - step * static_cast<double>(values.size() - 1);
    for (qsizetype i = 0; i < values.size(); ++i) {
      line << QPointF(x0 + step * static_cast<double>(i), area.bottom() - area.height() * values[i].toDouble() / peak);
    }
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setPen(QPen(option.palette.highlight().color(), 1.5));
    painter->drawPolyline(line);
    painter->restore();
  }
};

}  // namespace

ReversePanel::ReversePanel(EngineBridge& bridge, TopologyModel* topology, QWidget* parent)
    : QWidget(parent), m_bridge(bridge), m_topology(topology), m_model(new BackendTableModel(this)) {
  auto* layout = new QVBoxLayout(this);
  auto* split = new QSplitter(Qt::Vertical, this);
  layout->addWidget(split);

  auto* top = new QWidget(split);
  auto* topLayout = new QVBoxLayout(top);
  topLayout->setContentsMargins(0, 0, 0, 0);
  m_table = new QTableView(top);
  m_table->setModel(m_model);
  m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_table->setSelectionMode(QAbstractItemView::SingleSelection);
  m_table->verticalHeader()->hide();
  m_table->horizontalHeader()->setSectionResizeMode(BackendTableModel::ColRate, QHeaderView::Stretch);
  m_table->setItemDelegateForColumn(BackendTableModel::ColRate, new SparklineDelegate(m_table));
  m_table->setAlternatingRowColors(true);
  topLayout->addWidget(m_table);

  auto* actions = new QHBoxLayout;
  auto* drain = new QPushButton(tr("Drain"), top);
  drain->setToolTip(tr("No new requests; requests in flight and sticky sessions finish"));
  auto* disable = new QPushButton(tr("Disable"), top);
  auto* enable = new QPushButton(tr("Enable"), top);
  m_weight = new QSpinBox(top);
  m_weight->setRange(1, 1000);
  m_weight->setPrefix(tr("weight "));
  auto* setWeight = new QPushButton(tr("Set weight"), top);
  m_status = new QLabel(top);
  for (QWidget* w : {static_cast<QWidget*>(drain), static_cast<QWidget*>(disable), static_cast<QWidget*>(enable),
                     static_cast<QWidget*>(m_weight), static_cast<QWidget*>(setWeight)}) {
    actions->addWidget(w);
  }
  actions->addWidget(m_status, 1);
  topLayout->addLayout(actions);

  auto* box = new QGroupBox(tr("Configuration"), split);
  auto* boxLayout = new QVBoxLayout(box);
  m_form = new ReverseConfigForm(bridge, box);
  boxLayout->addWidget(m_form);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 2);

  connect(drain, &QPushButton::clicked, this, [this] { drainSelected(); });
  connect(disable, &QPushButton::clicked, this, [this] { disableSelected(); });
  connect(enable, &QPushButton::clicked, this, [this] { enableSelected(); });
  connect(setWeight, &QPushButton::clicked, this, [this] { setWeightSelected(m_weight->value()); });
  connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& current) {
    if (current.isValid()) m_weight->setValue(m_model->backend(current.row()).weight);
  });
  connect(m_form, &ReverseConfigForm::applied, this, [this] {
    m_status->setText(tr("Configuration applied"));
    refresh();
  });
  // A health change comes as an event: show it at once rather than at the next tick.
  connect(&m_bridge, &EngineBridge::backendHealthChanged, this, [this](const QString& detail) {
    m_status->setText(detail);
    refresh();
  });
  connect(&m_bridge, &EngineBridge::runningChanged, this, [this] { m_form->reload(); });

  m_poll.setInterval(500);
  connect(&m_poll, &QTimer::timeout, this, &ReversePanel::refresh);
  m_poll.start();
  m_form->reload();
}

void ReversePanel::refresh() {
  const double seconds = m_sinceLast.isValid() ? static_cast<double>(m_sinceLast.restart()) / 1000.0 : 0.0;
  if (!m_sinceLast.isValid()) m_sinceLast.start();
  const QVector<BackendRowUi> rows = m_bridge.backendStats();
  m_model->update(rows, seconds);
  // The configuration changed elsewhere (the tour, another Apply): show it, unless being edited.
  if (rows.size() != m_lastBackendCount && !m_form->isAncestorOf(QApplication::focusWidget())) m_form->reload();
  m_lastBackendCount = rows.size();
  if (m_topology) {
    for (const auto& r : rows) m_topology->setBackendState(r.name, r.up, r.weight);
  }
}

QString ReversePanel::act(int action, int weight) {
  const QModelIndex current = m_table->currentIndex();
  if (!current.isValid()) {
    m_status->setText(tr("Select a backend first"));
    return m_status->text();
  }
  const BackendRowUi& row = m_model->backend(current.row());
  const QString error = m_bridge.adminBackend(row.pool, row.name, static_cast<BackendActionUi>(action), weight);
  m_status->setText(error.isEmpty() ? QString() : error);
  refresh();
  return error;
}

QString ReversePanel::drainSelected() { return act(static_cast<int>(BackendActionUi::Drain), 0); }
QString ReversePanel::disableSelected() { return act(static_cast<int>(BackendActionUi::Disable), 0); }
QString ReversePanel::enableSelected() { return act(static_cast<int>(BackendActionUi::Enable), 0); }
QString ReversePanel::setWeightSelected(int weight) { return act(static_cast<int>(BackendActionUi::SetWeight), weight); }

}  // namespace ps::ui
