#include "ui/body_view.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QPixmap>
#include <QPlainTextEdit>
#include <QScrollArea>
#include <QShortcut>
#include <QStackedWidget>
#include <QTableWidget>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>

#include "engine/http/content_decoding.h"
#include "ui/body_rendering.h"
#include "ui/format.h"

// Decoding calls the engine's pure content-decoding function directly (no I/O, no engine state;
// the ui-brief exception): a bridge method would only forward.

namespace ps::ui {

namespace {
constexpr size_t kMaxDecodedBytes = 32 * 1024 * 1024;

QString mediaType(const QString& contentType) { return contentType.section(QLatin1Char(';'), 0, 0).trimmed().toLower(); }

bool isEncoded(const QString& encoding) {
  return !encoding.trimmed().isEmpty() && encoding.trimmed().compare(QLatin1String("identity"), Qt::CaseInsensitive) != 0;
}

// application/x-www-form-urlencoded (WHATWG URL "application/x-www-form-urlencoded parsing"):
// '&'-separated pairs, '+' is a space, then percent-decoding.
QVector<std::pair<QString, QString>> formFields(const QByteArray& body) {
  QVector<std::pair<QString, QString>> out;
  for (QByteArray pair : body.split('&')) {
    if (pair.isEmpty()) continue;
    pair.replace('+', ' ');
    const qsizetype eq = pair.indexOf('=');
    const QByteArray name = eq < 0 ? pair : pair.left(eq);
    const QByteArray value = eq < 0 ? QByteArray() : pair.mid(eq + 1);
    out.push_back({QUrl::fromPercentEncoding(name), QUrl::fromPercentEncoding(value)});
  }
  return out;
}
}  // namespace

BodyView::BodyView(QWidget* parent) : QWidget(parent) {
  const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
  m_summary = new QLabel(this);
  m_summary->setForegroundRole(QPalette::PlaceholderText);
  m_decodedBox = new QCheckBox(tr("Decoded"), this);
  m_decodedBox->setChecked(true);
  m_decodedBox->setToolTip(tr("Undo the Content-Encoding (gzip, br, zstd, deflate); off shows the bytes as captured"));
  m_modeBox = new QComboBox(this);
  m_modeBox->addItems({tr("Auto"), tr("Text"), tr("Hex"), tr("Image"), tr("Form")});
  m_modeBox->setToolTip(tr("How to show the body"));
  auto* find = new QToolButton(this);
  find->setText(tr("Find"));
  find->setToolTip(tr("Search in the body (Ctrl+F)"));

  auto* top = new QHBoxLayout;
  top->setContentsMargins(0, 0, 0, 0);
  top->addWidget(m_summary, 1);
  top->addWidget(m_decodedBox);
  top->addWidget(m_modeBox);
  top->addWidget(find);

  m_text = new QPlainTextEdit(this);
  m_text->setReadOnly(true);
  m_text->setFont(mono);
  m_text->setLineWrapMode(QPlainTextEdit::NoWrap);
  m_image = new QLabel;
  m_image->setAlignment(Qt::AlignCenter);
  m_imageArea = new QScrollArea(this);
  m_imageArea->setWidget(m_image);
  m_imageArea->setWidgetResizable(true);
  m_form = new QTableWidget(0, 2, this);
  m_form->setHorizontalHeaderLabels({tr("Field"), tr("Value")});
  m_form->horizontalHeader()->setStretchLastSection(true);
  m_form->verticalHeader()->hide();
  m_form->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_form->setFont(mono);
  m_stack = new QStackedWidget(this);
  m_stack->addWidget(m_text);
  m_stack->addWidget(m_imageArea);
  m_stack->addWidget(m_form);

  m_searchBar = new QWidget(this);
  auto* searchLayout = new QHBoxLayout(m_searchBar);
  searchLayout->setContentsMargins(0, 0, 0, 0);
  m_search = new QLineEdit(m_searchBar);
  m_search->setPlaceholderText(tr("Find in body (Enter: next, Esc: close)"));
  m_search->setClearButtonEnabled(true);
  m_searchState = new QLabel(m_searchBar);
  searchLayout->addWidget(m_search, 1);
  searchLayout->addWidget(m_searchState);
  m_searchBar->hide();

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(2);
  layout->addLayout(top);
  layout->addWidget(m_stack, 1);
  layout->addWidget(m_searchBar);

  connect(m_decodedBox, &QCheckBox::toggled, this, &BodyView::render);
  connect(m_modeBox, &QComboBox::currentIndexChanged, this, &BodyView::render);
  connect(find, &QToolButton::clicked, this, &BodyView::openSearch);
  auto* findKey = new QShortcut(QKeySequence::Find, this, nullptr, nullptr, Qt::WidgetWithChildrenShortcut);
  connect(findKey, &QShortcut::activated, this, &BodyView::openSearch);
  connect(m_search, &QLineEdit::returnPressed, this, [this] { findNext(m_search->text()); });
  connect(m_search, &QLineEdit::textEdited, this, [this](const QString& text) {
    // Search as you type from the start of the current match.
    QTextCursor c = m_text->textCursor();
    c.setPosition(c.selectionStart());
    m_text->setTextCursor(c);
    findNext(text);
  });
  auto* close = new QShortcut(QKeySequence(Qt::Key_Escape), m_search, nullptr, nullptr, Qt::WidgetShortcut);
  connect(close, &QShortcut::activated, this, [this] {
    m_searchBar->hide();
    m_text->setFocus();
  });
}

void BodyView::openSearch() {
  m_searchBar->show();
  m_search->setFocus();
  m_search->selectAll();
}

bool BodyView::findNext(const QString& text) {
  if (text.isEmpty()) {
    m_searchState->clear();
    return false;
  }
  bool found = m_text->find(text);
  if (!found) {
    // Wrap around once.
    QTextCursor c = m_text->textCursor();
    c.movePosition(QTextCursor::Start);
    m_text->setTextCursor(c);
    found = m_text->find(text);
  }
  m_searchState->setText(found ? QString() : tr("not found"));
  return found;
}

void BodyView::setDecoded(bool decoded) { m_decodedBox->setChecked(decoded); }
bool BodyView::decoded() const { return m_decodedBox->isChecked(); }
void BodyView::setMode(Mode mode) { m_modeBox->setCurrentIndex(static_cast<int>(mode)); }

void BodyView::showBody(const MessageDetail& message) {
  m_message = message;
  render();
}

void BodyView::clear() {
  m_message = MessageDetail{};
  m_bytes.clear();
  m_decodeError.clear();
  m_summary->clear();
  m_text->clear();
  m_image->clear();
  m_form->setRowCount(0);
  m_stack->setCurrentWidget(m_text);
}

void BodyView::render() {
  const QString type = m_message.contentType();
  const QString encoding = m_message.contentEncoding();
  const bool encoded = isEncoded(encoding);
  m_decodedBox->setEnabled(encoded);
  m_bytes = m_message.body;
  m_decodeError.clear();
  bool decodedNow = false;
  if (encoded && m_decodedBox->isChecked()) {
    const QByteArray& raw = m_message.body;
    auto result = engine::http::decodeContent(std::string_view(raw.constData(), static_cast<size_t>(raw.size())),
                                              encoding.toStdString(), kMaxDecodedBytes);
    if (result) {
      m_bytes = QByteArray(result->data(), static_cast<qsizetype>(result->size()));
      decodedNow = true;
    } else {
      m_decodeError = QString::fromStdString(result.error().message);
    }
  }
  const QString media = mediaType(type);
  Mode mode = static_cast<Mode>(std::max(0, m_modeBox->currentIndex()));
  const bool viewable = !encoded || decodedNow;  // an image or form needs its real bytes
  if (mode == Mode::Auto) {
    if (viewable && media.startsWith(QLatin1String("image/")) && !m_bytes.isEmpty()) {
      mode = Mode::Image;
    } else if (viewable && media == QLatin1String("application/x-www-form-urlencoded")) {
      mode = Mode::Form;
    } else {
      mode = Mode::Text;  // renderBody picks pretty JSON, text or hex
    }
  }
  m_shown = mode;

  // Decoded bytes are rendered as an identity body of their own size.
  const uint64_t size = decodedNow ? static_cast<uint64_t>(m_bytes.size()) : m_message.bodySize;
  BodyRendering r = renderBody(m_bytes, size, type, decodedNow ? QString() : encoding);
  QString summary = r.summary;
  if (decodedNow) {
    summary += tr(" · %1-decoded from %2").arg(encoding, formatBytes(static_cast<uint64_t>(m_message.body.size())));
  } else if (!m_decodeError.isEmpty()) {
    summary += tr(" · could not decode: %1").arg(m_decodeError);
  }

  if (mode == Mode::Image) {
    QImage image = QImage::fromData(m_bytes);
    if (image.isNull()) {
      m_image->setText(tr("Not a decodable image"));
    } else {
      m_image->setPixmap(QPixmap::fromImage(image));
      summary += tr(" · %1×%2 image").arg(image.width()).arg(image.height());
    }
    m_stack->setCurrentWidget(m_imageArea);
  } else if (mode == Mode::Form) {
    const auto fields = formFields(m_bytes);
    m_form->setRowCount(static_cast<int>(fields.size()));
    for (int i = 0; i < fields.size(); ++i) {
      m_form->setItem(i, 0, new QTableWidgetItem(fields[i].first));
      m_form->setItem(i, 1, new QTableWidgetItem(fields[i].second));
    }
    summary += tr(" · %n form field(s)", nullptr, static_cast<int>(fields.size()));
    m_stack->setCurrentWidget(m_form);
  } else if (mode == Mode::Hex) {
    m_text->setPlainText(hexDump(m_bytes, 256 * 1024));
    m_stack->setCurrentWidget(m_text);
  } else {
    m_text->setPlainText(r.text);
    m_stack->setCurrentWidget(m_text);
  }
  // The text view also carries the rendering for Image/Form, so search and copy still work.
  if (mode == Mode::Image || mode == Mode::Form) m_text->setPlainText(r.text);
  m_summary->setText(summary);
}

}  // namespace ps::ui
