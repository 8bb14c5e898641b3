#include "ui/reverse_config_form.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

#include "ui/engine_bridge.h"

namespace ps::ui {

namespace {
enum { ColUrl, ColWeight, ColEnabled };
}

ReverseConfigForm::ReverseConfigForm(EngineBridge& bridge, QWidget* parent) : QWidget(parent), m_bridge(bridge) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  m_backends = new QTableWidget(0, 3, this);
  m_backends->setHorizontalHeaderLabels({tr("Backend URL"), tr("Weight"), tr("Enabled")});
  m_backends->horizontalHeader()->setSectionResizeMode(ColUrl, QHeaderView::Stretch);
  m_backends->verticalHeader()->hide();
  m_backends->setMinimumHeight(90);
  layout->addWidget(m_backends);

  auto* rowButtons = new QHBoxLayout;
  auto* add = new QPushButton(tr("Add backend"), this);
  auto* remove = new QPushButton(tr("Remove"), this);
  rowButtons->addWidget(add);
  rowButtons->addWidget(remove);
  rowButtons->addStretch();
  layout->addLayout(rowButtons);

  auto* fields = new QFormLayout;
  m_strategy = new QComboBox(this);
  m_strategy->setEditable(true);  // free text, so the engine's own message answers a typo
  m_strategy->addItems({QStringLiteral("round-robin"), QStringLiteral("weighted"), QStringLiteral("least-connections"),
                        QStringLiteral("random-two"), QStringLiteral("ip-hash"), QStringLiteral("cookie")});
  fields->addRow(tr("Strategy"), m_strategy);
  m_healthEnabled = new QCheckBox(tr("Active health check"), this);
  fields->addRow(QString(), m_healthEnabled);
  m_healthPath = new QLineEdit(this);
  fields->addRow(tr("Check path"), m_healthPath);
  m_healthInterval = new QSpinBox(this);
  m_healthInterval->setRange(0, 600'000);
  m_healthInterval->setSuffix(tr(" ms"));
  fields->addRow(tr("Check interval"), m_healthInterval);
  layout->addLayout(fields);

  m_error = new QLabel(this);
  m_error->setWordWrap(true);
  m_error->setStyleSheet(QStringLiteral("color: #d03030"));
  layout->addWidget(m_error);
  m_apply = new QPushButton(tr("Apply"), this);
  m_apply->setToolTip(tr("Swap the configuration at run time; requests in flight finish on the old one"));
  layout->addWidget(m_apply, 0, Qt::AlignRight);

  connect(add, &QPushButton::clicked, this, [this] {
    addRow({QStringLiteral("http://127.0.0.1:3001"), 1, true});
    validate();
  });
  connect(remove, &QPushButton::clicked, this, [this] {
    if (m_backends->currentRow() >= 0) m_backends->removeRow(m_backends->currentRow());
    validate();
  });
  connect(m_backends, &QTableWidget::cellChanged, this, [this] { validate(); });
  connect(m_strategy, &QComboBox::currentTextChanged, this, [this] { validate(); });
  connect(m_healthEnabled, &QCheckBox::toggled, this, [this] { validate(); });
  connect(m_healthPath, &QLineEdit::textChanged, this, [this] { validate(); });
  connect(m_healthInterval, &QSpinBox::valueChanged, this, [this] { validate(); });
  connect(m_apply, &QPushButton::clicked, this, [this] { apply(); });
}

void ReverseConfigForm::addRow(const ReverseBackendForm& backend) {
  const int row = m_backends->rowCount();
  m_backends->insertRow(row);
  m_backends->setItem(row, ColUrl, new QTableWidgetItem(backend.url));
  auto* weight = new QTableWidgetItem;
  weight->setData(Qt::EditRole, backend.weight);
  m_backends->setItem(row, ColWeight, weight);
  auto* enabled = new QTableWidgetItem;
  enabled->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable | Qt::ItemIsSelectable);
  enabled->setCheckState(backend.enabled ? Qt::Checked : Qt::Unchecked);
  m_backends->setItem(row, ColEnabled, enabled);
}

void ReverseConfigForm::reload() { setForm(m_bridge.reverseForm()); }

void ReverseConfigForm::setForm(const ReverseForm& form) {
  m_loading = true;
  m_backends->setRowCount(0);
  for (const auto& b : form.backends) addRow(b);
  m_strategy->setCurrentText(form.strategy);
  m_healthEnabled->setChecked(form.healthEnabled);
  m_healthPath->setText(form.healthPath);
  m_healthInterval->setValue(form.healthIntervalMs);
  m_loading = false;
  validate();
}

ReverseForm ReverseConfigForm::form() const {
  ReverseForm form;
  for (int row = 0; row < m_backends->rowCount(); ++row) {
    ReverseBackendForm b;
    if (auto* item = m_backends->item(row, ColUrl)) b.url = item->text();
    if (auto* item = m_backends->item(row, ColWeight)) b.weight = item->data(Qt::EditRole).toInt();
    if (auto* item = m_backends->item(row, ColEnabled)) b.enabled = item->checkState() == Qt::Checked;
    form.backends.push_back(b);
  }
  form.strategy = m_strategy->currentText();
  form.healthEnabled = m_healthEnabled->isChecked();
  form.healthPath = m_healthPath->text();
  form.healthIntervalMs = m_healthInterval->value();
  return form;
}

QString ReverseConfigForm::validate() {
  if (m_loading) return {};
  const QString error = m_bridge.validateReverseForm(form());
  m_error->setText(error);
  m_apply->setEnabled(error.isEmpty());
  return error;
}

QString ReverseConfigForm::apply() {
  QString error = validate();
  if (error.isEmpty()) error = m_bridge.applyReverseForm(form());
  m_error->setText(error);
  if (error.isEmpty()) emit applied();
  return error;
}

}  // namespace ps::ui
