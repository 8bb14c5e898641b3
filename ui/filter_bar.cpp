#include "ui/filter_bar.h"

#include <QAbstractItemView>
#include <QApplication>
#include <QCompleter>
#include <QContextMenuEvent>
#include <QInputDialog>
#include <QInputMethodEvent>
#include <QKeyEvent>
#include <QMenu>
#include <QSettings>
#include <QStandardItemModel>
#include <QTextCharFormat>

#include "engine/query/filter.h"
#include "engine/query/filter_fields.h"

// The filter bar calls the pure parser and completion helpers directly (no I/O, no engine
// state): a bridge method would only forward (ui-brief exception).

namespace ps::ui {

namespace {
namespace eng = ps::engine;

const QString kHistoryKey = QStringLiteral("filterBar/history");
const QString kSavedNamesKey = QStringLiteral("filterBar/savedNames");
const QString kSavedTextsKey = QStringLiteral("filterBar/savedTexts");
constexpr int kMaxCompletions = 60;
constexpr int kInsertRole = Qt::UserRole + 1;

int toUtf16(const QByteArray& utf8, size_t byteOffset) {
  return static_cast<int>(eng::utf16Offset(std::string_view(utf8.constData(), static_cast<size_t>(utf8.size())), byteOffset));
}
}  // namespace

FilterBar::FilterBar(QWidget* parent) : QLineEdit(parent) {
  setClearButtonEnabled(true);
  setPlaceholderText(tr("Filter (Ctrl+L): host:api status:>=400 -type:image method:POST \"free text\"  — Ctrl+Space completes"));
  m_debounce.setSingleShot(true);
  m_debounce.setInterval(kDebounceMillis);
  connect(&m_debounce, &QTimer::timeout, this, [this] { validate(true); });
  connect(this, &QLineEdit::textChanged, this, [this] {
    m_debounce.start();
    // The old underline refers to text that no longer exists.
    if (m_errorRange.second > 0) underline(0, 0);
  });
  connect(this, &QLineEdit::textEdited, this, &FilterBar::updateCompletion);
  connect(this, &QLineEdit::returnPressed, this, &FilterBar::validateNow);
  connect(this, &QLineEdit::editingFinished, this, [this] {
    validate(true);
    if (m_state == State::Valid) addToHistory(text().trimmed());
  });

  m_completions = new QStandardItemModel(this);
  m_completer = new QCompleter(m_completions, this);
  m_completer->setWidget(this);
  m_completer->setCompletionMode(QCompleter::UnfilteredPopupCompletion);
  m_completer->setCaseSensitivity(Qt::CaseInsensitive);
  m_completer->setMaxVisibleItems(12);
  connect(m_completer, qOverload<const QModelIndex&>(&QCompleter::activated), this,
          [this](const QModelIndex& index) { insertCompletion(index.data(kInsertRole).toString()); });
}

void FilterBar::validateNow() {
  m_debounce.stop();
  validate(true);
}

void FilterBar::validate(bool apply) {
  const QString current = text();
  const QByteArray utf8 = current.toUtf8();
  const auto parsed = eng::parseFilter(std::string_view(utf8.constData(), static_cast<size_t>(utf8.size())));
  if (parsed.ok()) {
    m_state = current.trimmed().isEmpty() ? State::Empty : State::Valid;
    m_error.clear();
    underline(0, 0);
    setToolTip(m_state == State::Valid ? tr("Valid filter: %1").arg(QString::fromStdString(parsed.filter->canonical()))
                                       : QString());
    if (apply && current != m_applied) {
      m_applied = current;
      emit filterApplied(current);
    }
  } else {
    m_state = State::Invalid;
    m_error = QString::fromStdString(parsed.error.message);
    const int start = toUtf16(utf8, parsed.error.position);
    const int end = toUtf16(utf8, parsed.error.position + std::max<size_t>(parsed.error.length, 1));
    underline(start, std::max(1, end - start));
    setToolTip(m_error);
  }
  paintState();
}

void FilterBar::paintState() {
  QPalette p = QApplication::palette(this);
  const bool dark = p.color(QPalette::Base).lightness() < 128;
  if (m_state == State::Valid) {
    p.setColor(QPalette::Base, dark ? QColor(0x1b, 0x3a, 0x24) : QColor(0xd7, 0xf5, 0xdc));
  } else if (m_state == State::Invalid) {
    p.setColor(QPalette::Base, dark ? QColor(0x4a, 0x1e, 0x22) : QColor(0xfb, 0xd5, 0xd5));
  }
  setPalette(p);
}

// QLineEdit has no public API for character formats; an input-method event with TextFormat
// attributes (positions relative to the cursor) sets them on its layout without touching the text.
void FilterBar::underline(int start, int length) {
  m_errorRange = {length > 0 ? start : 0, length > 0 ? length : 0};
  QList<QInputMethodEvent::Attribute> attributes;
  if (length > 0) {
    QTextCharFormat format;
    format.setUnderlineStyle(QTextCharFormat::WaveUnderline);
    format.setUnderlineColor(QColor(0xd0, 0x20, 0x20));
    format.setForeground(QColor(0xd0, 0x20, 0x20));
    attributes.append({QInputMethodEvent::TextFormat, start - cursorPosition(), length, format});
  }
  QInputMethodEvent event(QString(), attributes);
  QLineEdit::inputMethodEvent(&event);
}

QStringList FilterBar::completionsAt(int cursor) const {
  const QString current = text();
  const QByteArray utf8 = current.toUtf8();
  const size_t byteCursor = static_cast<size_t>(current.left(cursor).toUtf8().size());
  const auto c = eng::completionAt(std::string_view(utf8.constData(), static_cast<size_t>(utf8.size())), byteCursor);
  const QString prefix = QString::fromStdString(c.prefix);
  QStringList out;
  if (c.kind == eng::FilterCompletion::Kind::FieldOrText) {
    for (const auto& field : eng::filterFields()) {
      const QString name = QString::fromStdString(field.name);
      if (name.startsWith(prefix, Qt::CaseInsensitive)) out << name + QLatin1Char(':');
    }
    return out;
  }
  const QString field = QString::fromStdString(c.field);
  QStringList candidates;
  for (const auto& v : eng::valueSuggestions(c.field)) candidates << QString::fromStdString(v);
  if (m_values) candidates << m_values(field.toLower());
  for (const QString& v : candidates) {
    if (out.size() >= kMaxCompletions) break;
    if (!out.contains(v) && (prefix.isEmpty() || v.contains(prefix, Qt::CaseInsensitive))) out << v;
  }
  return out;
}

void FilterBar::updateCompletion() {
  const QString current = text();
  const QByteArray utf8 = current.toUtf8();
  const size_t byteCursor = static_cast<size_t>(current.left(cursorPosition()).toUtf8().size());
  const auto c = eng::completionAt(std::string_view(utf8.constData(), static_cast<size_t>(utf8.size())), byteCursor);
  m_replaceStart = toUtf16(utf8, c.replaceStart);
  m_replaceLength = toUtf16(utf8, c.replaceStart + c.replaceLength) - m_replaceStart;
  // Free text after a blank is not a field being typed: no popup until a letter is there.
  if (c.kind == eng::FilterCompletion::Kind::FieldOrText && c.prefix.empty()) {
    m_completer->popup()->hide();
    return;
  }
  const QStringList items = completionsAt(cursorPosition());
  m_completions->clear();
  std::vector<eng::FilterFieldInfo> fields = eng::filterFields();
  for (const QString& item : items) {
    auto* entry = new QStandardItem(item);
    entry->setData(item, kInsertRole);
    if (c.kind == eng::FilterCompletion::Kind::FieldOrText) {
      for (const auto& f : fields) {
        if (QString::fromStdString(f.name) + QLatin1Char(':') != item) continue;
        // One line of help beside the name, the syntax in the tooltip.
        entry->setText(QStringLiteral("%1  —  %2").arg(item, QString::fromStdString(f.help)));
        entry->setToolTip(QString::fromStdString(f.syntax));
      }
    }
    m_completions->appendRow(entry);
  }
  if (items.isEmpty() || (items.size() == 1 && items.front().compare(QString::fromStdString(c.prefix), Qt::CaseInsensitive) == 0)) {
    m_completer->popup()->hide();
    return;
  }
  if (!isVisible()) return;
  QRect rect = cursorRect();
  rect.setWidth(std::max(360, m_completer->popup()->sizeHintForColumn(0) + 24));
  m_completer->complete(rect);
}

void FilterBar::insertCompletion(const QString& completion) {
  if (completion.isEmpty()) return;
  QString current = text();
  current.replace(m_replaceStart, m_replaceLength, completion);
  setText(current);
  setCursorPosition(m_replaceStart + static_cast<int>(completion.size()));
  // After "field:" go straight on to its values.
  if (completion.endsWith(QLatin1Char(':'))) QTimer::singleShot(0, this, &FilterBar::updateCompletion);
}

void FilterBar::keyPressEvent(QKeyEvent* event) {
  if (event->key() == Qt::Key_Space && (event->modifiers() & Qt::ControlModifier)) {
    updateCompletion();
    if (!m_completer->popup()->isVisible() && m_completions->rowCount() == 0) {
      // Nothing typed yet: offer every field.
      m_completions->clear();
      for (const auto& f : eng::filterFields()) {
        auto* entry = new QStandardItem(QStringLiteral("%1:  —  %2").arg(QString::fromStdString(f.name), QString::fromStdString(f.help)));
        entry->setData(QString::fromStdString(f.name) + QLatin1Char(':'), kInsertRole);
        m_completions->appendRow(entry);
      }
      QRect rect = cursorRect();
      rect.setWidth(420);
      m_completer->complete(rect);
    }
    return;
  }
  QLineEdit::keyPressEvent(event);
}

QStringList FilterBar::history() const { return QSettings().value(kHistoryKey).toStringList(); }

void FilterBar::addToHistory(const QString& text) {
  if (text.trimmed().isEmpty()) return;
  QStringList list = history();
  list.removeAll(text);
  list.prepend(text);
  while (list.size() > kHistorySize) list.removeLast();
  QSettings().setValue(kHistoryKey, list);
}

QList<std::pair<QString, QString>> FilterBar::savedFilters() const {
  QSettings settings;
  const QStringList names = settings.value(kSavedNamesKey).toStringList();
  const QStringList texts = settings.value(kSavedTextsKey).toStringList();
  QList<std::pair<QString, QString>> out;
  for (qsizetype i = 0; i < names.size() && i < texts.size(); ++i) out.append({names[i], texts[i]});
  return out;
}

void FilterBar::saveFilter(const QString& name, const QString& text) {
  if (name.trimmed().isEmpty()) return;
  removeSavedFilter(name);
  QSettings settings;
  QStringList names = settings.value(kSavedNamesKey).toStringList();
  QStringList texts = settings.value(kSavedTextsKey).toStringList();
  names << name;
  texts << text;
  settings.setValue(kSavedNamesKey, names);
  settings.setValue(kSavedTextsKey, texts);
}

void FilterBar::removeSavedFilter(const QString& name) {
  QSettings settings;
  QStringList names = settings.value(kSavedNamesKey).toStringList();
  QStringList texts = settings.value(kSavedTextsKey).toStringList();
  const qsizetype i = names.indexOf(name);
  if (i < 0) return;
  names.removeAt(i);
  if (i < texts.size()) texts.removeAt(i);
  settings.setValue(kSavedNamesKey, names);
  settings.setValue(kSavedTextsKey, texts);
}

void FilterBar::contextMenuEvent(QContextMenuEvent* event) {
  QMenu* menu = createStandardContextMenu();
  menu->addSeparator();
  QMenu* recent = menu->addMenu(tr("Recent filters"));
  for (const QString& h : history()) {
    connect(recent->addAction(h), &QAction::triggered, this, [this, h] {
      setText(h);
      validateNow();
    });
  }
  recent->setEnabled(!recent->isEmpty());
  QMenu* saved = menu->addMenu(tr("Saved filters"));
  for (const auto& [name, filter] : savedFilters()) {
    QAction* a = saved->addAction(QStringLiteral("%1  —  %2").arg(name, filter));
    connect(a, &QAction::triggered, this, [this, filter = filter] {
      setText(filter);
      validateNow();
    });
  }
  saved->setEnabled(!saved->isEmpty());
  QAction* save = menu->addAction(tr("Save this filter…"));
  save->setEnabled(m_state == State::Valid);
  connect(save, &QAction::triggered, this, [this] {
    bool ok = false;
    const QString name = QInputDialog::getText(this, tr("Save filter"), tr("Name:"), QLineEdit::Normal, text(), &ok);
    if (ok) saveFilter(name, text());
  });
  menu->exec(event->globalPos());
  delete menu;
}

}  // namespace ps::ui
