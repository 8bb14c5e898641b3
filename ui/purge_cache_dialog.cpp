// PurgeCacheDialog: see purge_cache_dialog.h. Uses engine/query/filter.h parseFilter directly: a pure
// parser without I/O, where a bridge method would only forward (ui-brief exception, as the filter bar).
#include "ui/purge_cache_dialog.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QPushButton>
#include <QRadioButton>
#include <QVBoxLayout>

#include "engine/query/filter.h"
#include "ui/filter_bar.h"

namespace ps::ui {

PurgeCacheDialog::PurgeCacheDialog(quint64 entries, QWidget* parent) : QDialog(parent) {
  setWindowTitle(tr("Purge cache"));
  m_all = new QRadioButton(tr("Every stored response (%1 in the cache)").arg(entries), this);
  m_matching = new QRadioButton(tr("Only responses matching a filter:"), this);
  m_all->setChecked(true);
  m_filter = new FilterBar(this);
  m_filter->setPlaceholderText(tr("e.g. host:api.example  or  path:/static type:image"));
  m_filter->setEnabled(false);
  auto* hint = new QLabel(tr("Each entry is matched as the flow that stored it: its request (host:, path:, url:, "
                             "method:, header:) and the stored response (status:, type:, res.header:)."),
                          this);
  hint->setWordWrap(true);
  m_error = new QLabel(this);
  m_error->setWordWrap(true);
  m_error->setStyleSheet(QStringLiteral("color: #b00020"));
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
  m_purge = buttons->addButton(tr("Purge"), QDialogButtonBox::AcceptRole);
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(m_matching, &QRadioButton::toggled, this, [this](bool on) {
    m_filter->setEnabled(on);
    if (on) m_filter->setFocus();
    check();
  });
  connect(m_filter, &QLineEdit::textChanged, this, &PurgeCacheDialog::check);

  auto* layout = new QVBoxLayout(this);
  layout->addWidget(m_all);
  layout->addWidget(m_matching);
  layout->addWidget(m_filter);
  layout->addWidget(hint);
  layout->addWidget(m_error);
  layout->addStretch(1);
  layout->addWidget(buttons);
  resize(520, sizeHint().height());
  check();
}

QString PurgeCacheDialog::errorText() const {
  const QByteArray utf8 = m_filter->text().toUtf8();
  const std::string_view text(utf8.constData(), static_cast<size_t>(utf8.size()));
  auto parsed = engine::parseFilter(text);
  if (parsed.ok()) return {};
  return tr("%1 (at character %2)")
      .arg(QString::fromStdString(parsed.error.message))
      .arg(engine::utf16Offset(text, parsed.error.position) + 1);
}

QString PurgeCacheDialog::filterText() const { return m_matching->isChecked() ? m_filter->text().trimmed() : QString(); }

void PurgeCacheDialog::check() {
  if (!m_matching->isChecked()) {
    m_error->clear();
    m_purge->setEnabled(true);
    return;
  }
  // A blank filter would purge everything: that is the other choice, so say so instead.
  if (m_filter->text().trimmed().isEmpty()) {
    m_error->setText(tr("Type a filter (a blank one would purge everything)."));
    m_purge->setEnabled(false);
    return;
  }
  const QString error = errorText();
  m_error->setText(error);
  m_purge->setEnabled(error.isEmpty());
}

}  // namespace ps::ui
