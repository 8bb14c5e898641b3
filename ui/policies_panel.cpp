// PoliciesPanel: see policies_panel.h.
#include "ui/policies_panel.h"

#include <QDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>

#include "ui/engine_bridge.h"
#include "ui/main_window.h"
#include "ui/policy_table_model.h"
#include "ui/purge_cache_dialog.h"

namespace ps::ui {

PoliciesPanel::PoliciesPanel(EngineBridge& bridge, QWidget* parent) : QWidget(parent), m_bridge(bridge) {
  m_model = new PolicyTableModel([this](const QString& key, bool on) { return m_bridge.setPolicyEnabled(key, on); }, this);
  connect(m_model, &PolicyTableModel::applyFailed, this, [this](const QString& e) { emit message(e, true); });

  auto* intro = new QLabel(tr("Policies act on every new request, in both modes unless noted. Switching one "
                              "takes effect at once; rules come from the <code>\"policies\"</code> object of the "
                              "<code>--config</code> JSON file. Switching a policy off and on keeps its counters and the "
                              "cache's entries (a cache switched off serves nothing until it is on again; "
                              "<i>Purge cache…</i> empties it)."),
                           this);
  intro->setWordWrap(true);
  intro->setTextFormat(Qt::RichText);

  m_view = new QTableView(this);
  m_view->setModel(m_model);
  m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_view->setSelectionMode(QAbstractItemView::SingleSelection);
  m_view->setWordWrap(true);
  m_view->setAlternatingRowColors(true);
  m_view->verticalHeader()->hide();
  m_view->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  m_view->horizontalHeader()->setSectionResizeMode(PolicyTableModel::Name, QHeaderView::ResizeToContents);
  m_view->horizontalHeader()->setSectionResizeMode(PolicyTableModel::Description, QHeaderView::Stretch);
  m_view->horizontalHeader()->setSectionResizeMode(PolicyTableModel::Counters, QHeaderView::Interactive);
  m_view->horizontalHeader()->resizeSection(PolicyTableModel::Counters, 340);

  m_purge = new QPushButton(tr("Purge cache…"), this);
  m_purge->setToolTip(tr("Removes every stored response, or those matching a filter; the next request of each "
                         "goes to the origin"));
  connect(m_purge, &QPushButton::clicked, this, &PoliciesPanel::openPurgeDialog);
  m_status = new QLabel(this);

  auto* buttons = new QHBoxLayout;
  buttons->addWidget(m_purge);
  buttons->addWidget(m_status, 1);

  auto* layout = new QVBoxLayout(this);
  layout->addWidget(intro);
  layout->addWidget(m_view, 1);
  layout->addLayout(buttons);

  refresh();
  m_timer.setInterval(1000);
  connect(&m_timer, &QTimer::timeout, this, &PoliciesPanel::refresh);
  m_timer.start();
}

void PoliciesPanel::refresh() {
  m_model->setRows(m_bridge.policyRows());
  const int cache = m_model->rowOf(QStringLiteral("cache"));
  bool hasEntries = false;
  if (cache >= 0) {
    for (const auto& c : m_model->rows()[cache].counters) hasEntries |= c.name == QLatin1String("entries") && c.value > 0;
  }
  // A cache switched off keeps its entries: they can still be purged.
  m_purge->setEnabled(cache >= 0 && (m_model->rows()[cache].enabled || hasEntries));
}

void PoliciesPanel::openPurgeDialog() {
  quint64 entries = 0;
  const int cache = m_model->rowOf(QStringLiteral("cache"));
  if (cache >= 0) {
    for (const auto& c : m_model->rows()[cache].counters) {
      if (c.name == QLatin1String("entries")) entries = c.value;
    }
  }
  auto* dialog = new PurgeCacheDialog(entries, this);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  connect(dialog, &QDialog::accepted, this, [this, dialog] { purgeCache(dialog->filterText()); });
  dialog->open();
}

bool PoliciesPanel::purgeCache(const QString& filter) {
  qint64 removed = 0;
  const QString error = m_bridge.purgeCacheMatching(filter, &removed);
  if (!error.isEmpty()) {
    m_status->setText(tr("Cache not purged: %1").arg(error));
    emit message(m_status->text(), true);
    return false;
  }
  m_status->setText(filter.isEmpty()
                        ? tr("Cache purged: %n response(s) removed", nullptr, int(removed))
                        : tr("Cache purged: %n response(s) matching %1 removed", nullptr, int(removed)).arg(filter));
  emit message(m_status->text(), false);
  refresh();
  return true;
}

PoliciesPanel* installPoliciesUi(MainWindow& window) {
  auto* panel = new PoliciesPanel(window.bridge(), &window);
  window.addViewTab(panel, QObject::tr("Policies"));
  QObject::connect(panel, &PoliciesPanel::message, &window, [&window](const QString& text, bool error) { window.notify(text, error); });
  return panel;
}

}  // namespace ps::ui
