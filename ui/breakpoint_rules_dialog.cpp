// Uses engine/query/filter.h parseFilter directly: a pure parser without I/O, where a bridge method
// would only forward (ui-brief exception).
#include "ui/breakpoint_rules_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QTableWidget>
#include <QVBoxLayout>

#include "engine/query/filter.h"
#include "ui/engine_bridge.h"

namespace ps::ui {
namespace {

QComboBox* stageBox(BreakStageUi stage) {
  auto* box = new QComboBox;
  box->addItems({QObject::tr("request"), QObject::tr("response"), QObject::tr("both")});
  box->setCurrentIndex(static_cast<int>(stage));
  return box;
}

}  // namespace

BreakpointRulesDialog::BreakpointRulesDialog(EngineBridge& bridge, QWidget* parent) : QDialog(parent), m_bridge(bridge) {
  setWindowTitle(tr("Breakpoint rules"));
  resize(640, 360);
  auto* layout = new QVBoxLayout(this);
  m_table = new QTableWidget(0, 3, this);
  m_table->setHorizontalHeaderLabels({tr("Expression"), tr("Stage"), tr("Enabled")});
  m_table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
  m_table->verticalHeader()->setVisible(false);
  layout->addWidget(m_table);
  connect(m_table, &QTableWidget::itemChanged, this, [this](QTableWidgetItem* item) { checkRow(item->row()); });

  auto* row = new QHBoxLayout;
  m_new = new QLineEdit(this);
  m_new->setPlaceholderText(tr("New rule, e.g. host:api.example.com method:POST"));
  auto* add = new QPushButton(tr("Add"), this);
  auto* remove = new QPushButton(tr("Remove"), this);
  row->addWidget(m_new, 1);
  row->addWidget(add);
  row->addWidget(remove);
  layout->addLayout(row);
  m_message = new QLabel(this);
  m_message->setWordWrap(true);
  layout->addWidget(m_message);
  // Validated as typed, like the filter bar (STYLE.md: Wireshark's display-filter edit).
  connect(m_new, &QLineEdit::textChanged, this, [this](const QString& text) {
    QString error = validate(text);
    m_new->setStyleSheet(error.isEmpty() ? QString() : QStringLiteral("background: #ffd6d6"));
    m_message->setText(error);
  });
  connect(add, &QPushButton::clicked, this, [this] {
    if (!validate(m_new->text()).isEmpty()) return;
    addRule({m_new->text(), BreakStageUi::Request, true});
    m_new->clear();
  });
  connect(remove, &QPushButton::clicked, this, [this] {
    if (m_table->currentRow() >= 0) m_table->removeRow(m_table->currentRow());
  });
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  connect(buttons, &QDialogButtonBox::accepted, this, &BreakpointRulesDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &BreakpointRulesDialog::reject);
  layout->addWidget(buttons);
  setRules(loadRules());
}

QString BreakpointRulesDialog::validate(const QString& expression) {
  std::string text = expression.toStdString();
  auto parsed = engine::parseFilter(text);
  if (parsed.ok()) return {};
  return tr("%1 (at character %2)")
      .arg(QString::fromStdString(parsed.error.message))
      .arg(engine::utf16Offset(text, parsed.error.position) + 1);
}

void BreakpointRulesDialog::addRule(const BreakpointRuleUi& rule) {
  int row = m_table->rowCount();
  m_table->insertRow(row);
  m_table->setItem(row, 0, new QTableWidgetItem(rule.expression));
  m_table->setCellWidget(row, 1, stageBox(rule.stage));
  auto* enabled = new QTableWidgetItem;
  enabled->setFlags(Qt::ItemIsUserCheckable | Qt::ItemIsEnabled | Qt::ItemIsSelectable);
  enabled->setCheckState(rule.enabled ? Qt::Checked : Qt::Unchecked);
  m_table->setItem(row, 2, enabled);
  checkRow(row);
}

void BreakpointRulesDialog::setRules(const QVector<BreakpointRuleUi>& rules) {
  m_table->setRowCount(0);
  for (const auto& r : rules) addRule(r);
}

QVector<BreakpointRuleUi> BreakpointRulesDialog::rules() const {
  QVector<BreakpointRuleUi> out;
  for (int row = 0; row < m_table->rowCount(); ++row) {
    BreakpointRuleUi r;
    r.expression = m_table->item(row, 0) ? m_table->item(row, 0)->text() : QString();
    if (auto* box = qobject_cast<QComboBox*>(m_table->cellWidget(row, 1)))
      r.stage = static_cast<BreakStageUi>(box->currentIndex());
    r.enabled = m_table->item(row, 2) && m_table->item(row, 2)->checkState() == Qt::Checked;
    out.push_back(r);
  }
  return out;
}

void BreakpointRulesDialog::checkRow(int row) {
  auto* item = m_table->item(row, 0);
  if (!item) return;
  QString error = validate(item->text());
  QSignalBlocker block(m_table);
  item->setBackground(error.isEmpty() ? QBrush() : QBrush(QColor(0xff, 0xd6, 0xd6)));
  item->setToolTip(error);
  if (!error.isEmpty()) m_message->setText(error);
}

void BreakpointRulesDialog::accept() {
  auto list = rules();
  QString error = apply(m_bridge, list);
  if (!error.isEmpty()) {
    m_message->setText(error);
    return;
  }
  saveRules(list);
  QDialog::accept();
}

QVector<BreakpointRuleUi> BreakpointRulesDialog::loadRules() {
  QSettings settings;
  QVector<BreakpointRuleUi> out;
  int n = settings.beginReadArray(QStringLiteral("breakpoints/rules"));
  for (int i = 0; i < n; ++i) {
    settings.setArrayIndex(i);
    BreakpointRuleUi r;
    r.expression = settings.value(QStringLiteral("expression")).toString();
    r.stage = static_cast<BreakStageUi>(std::clamp(settings.value(QStringLiteral("stage")).toInt(), 0, 2));
    r.enabled = settings.value(QStringLiteral("enabled"), true).toBool();
    out.push_back(r);
  }
  settings.endArray();
  return out;
}

void BreakpointRulesDialog::saveRules(const QVector<BreakpointRuleUi>& rules) {
  QSettings settings;
  settings.beginWriteArray(QStringLiteral("breakpoints/rules"), rules.size());
  for (int i = 0; i < rules.size(); ++i) {
    settings.setArrayIndex(i);
    settings.setValue(QStringLiteral("expression"), rules[i].expression);
    settings.setValue(QStringLiteral("stage"), static_cast<int>(rules[i].stage));
    settings.setValue(QStringLiteral("enabled"), rules[i].enabled);
  }
  settings.endArray();
}

QString BreakpointRulesDialog::apply(EngineBridge& bridge, const QVector<BreakpointRuleUi>& rules) {
  return bridge.setBreakpointRules(rules);
}

}  // namespace ps::ui
