#include "ui/breakpoint_editor.h"

#include <QCheckBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QShortcut>
#include <QSpinBox>
#include <QStackedWidget>
#include <QStringDecoder>
#include <QTableWidget>
#include <QVBoxLayout>

#include "ui/engine_bridge.h"

namespace ps::ui {
namespace {

bool isText(const QByteArray& bytes) {
  QStringDecoder decoder(QStringDecoder::Utf8);
  QString text = decoder.decode(bytes);
  if (decoder.hasError()) return false;
  return !bytes.contains('\0');
}

QString hexDump(const QByteArray& bytes) {
  QString out;
  for (qsizetype i = 0; i < bytes.size(); i += 16) {
    QByteArray line = bytes.mid(i, 16);
    out += QStringLiteral("%1  ").arg(i, 8, 16, QLatin1Char('0'));
    out += QString::fromLatin1(line.toHex(' ')).leftJustified(48, QLatin1Char(' '));
    out += QLatin1String("  ");
    for (char c : line) out += (c >= 32 && c < 127) ? QLatin1Char(c) : QLatin1Char('.');
    out += QLatin1Char('\n');
  }
  return out;
}

}  // namespace

BreakpointEditor::BreakpointEditor(EngineBridge& bridge, QWidget* parent) : QWidget(parent), m_bridge(bridge) {
  auto* layout = new QVBoxLayout(this);
  m_title = new QLabel(tr("No paused flow selected"), this);
  layout->addWidget(m_title);

  m_requestLine = new QWidget(this);
  auto* rl = new QHBoxLayout(m_requestLine);
  rl->setContentsMargins(0, 0, 0, 0);
  m_method = new QLineEdit(m_requestLine);
  m_method->setMaximumWidth(90);
  m_url = new QLineEdit(m_requestLine);
  rl->addWidget(m_method);
  rl->addWidget(m_url, 1);
  layout->addWidget(m_requestLine);

  m_statusLine = new QWidget(this);
  auto* sl = new QHBoxLayout(m_statusLine);
  sl->setContentsMargins(0, 0, 0, 0);
  m_status = new QSpinBox(m_statusLine);
  m_status->setRange(100, 599);
  m_reason = new QLineEdit(m_statusLine);
  sl->addWidget(new QLabel(tr("Status"), m_statusLine));
  sl->addWidget(m_status);
  sl->addWidget(m_reason, 1);
  layout->addWidget(m_statusLine);

  m_headers = new QTableWidget(0, 2, this);
  m_headers->setHorizontalHeaderLabels({tr("Name"), tr("Value")});
  m_headers->horizontalHeader()->setStretchLastSection(true);
  m_headers->verticalHeader()->setVisible(false);
  m_headers->setSelectionBehavior(QAbstractItemView::SelectRows);
  layout->addWidget(m_headers, 1);
  auto* hb = new QHBoxLayout;
  auto addButton = [&](const QString& text, auto slot) {
    auto* b = new QPushButton(text, this);
    connect(b, &QPushButton::clicked, this, slot);
    hb->addWidget(b);
    return b;
  };
  addButton(tr("Add header"), [this] { addHeaderRow(QString(), QString()); m_headers->editItem(m_headers->item(m_headers->rowCount() - 1, 0)); });
  addButton(tr("Remove"), [this] {
    int row = m_headers->currentRow();
    if (row >= 0) m_headers->removeRow(row);
    updateState();
  });
  addButton(tr("Up"), [this] { moveHeader(-1); });
  addButton(tr("Down"), [this] { moveHeader(1); });
  hb->addStretch();
  addButton(tr("Pretty-print JSON"), [this] { prettyPrint(); });
  m_hexToggle = new QCheckBox(tr("Hex"), this);
  hb->addWidget(m_hexToggle);
  layout->addLayout(hb);

  m_bodyStack = new QStackedWidget(this);
  m_body = new QPlainTextEdit(this);
  m_hex = new QPlainTextEdit(this);
  m_hex->setReadOnly(true);
  QFont mono(QStringLiteral("monospace"));
  mono.setStyleHint(QFont::Monospace);
  m_body->setFont(mono);
  m_hex->setFont(mono);
  m_bodyStack->addWidget(m_body);
  m_bodyStack->addWidget(m_hex);
  layout->addWidget(m_bodyStack, 2);
  m_bodyState = new QLabel(this);
  layout->addWidget(m_bodyState);
  connect(m_hexToggle, &QCheckBox::toggled, this, [this](bool on) {
    if (on) m_hex->setPlainText(hexDump(m_binary ? m_binaryBody : m_body->toPlainText().toUtf8()));
    m_bodyStack->setCurrentIndex(on ? 1 : 0);
  });

  auto* bb = new QHBoxLayout;
  auto* revertButton = new QPushButton(tr("Revert"), this);
  connect(revertButton, &QPushButton::clicked, this, &BreakpointEditor::revert);
  bb->addWidget(revertButton);
  bb->addStretch();
  m_continue = new QPushButton(tr("Continue"), this);
  m_continue->setToolTip(tr("Ctrl+Enter"));
  m_continueEdited = new QPushButton(tr("Continue edited"), this);
  m_respond = new QPushButton(tr("Respond with…"), this);
  m_abort = new QPushButton(tr("Abort"), this);
  auto* abortMenu = new QMenu(m_abort);
  abortMenu->addAction(tr("Answer 502"), this, [this] { abortFlow(false); });
  abortMenu->addAction(tr("Close the connection"), this, [this] { abortFlow(true); });
  m_abort->setMenu(abortMenu);
  for (auto* b : {m_continue, m_continueEdited, m_respond, m_abort}) bb->addWidget(b);
  layout->addLayout(bb);
  connect(m_continue, &QPushButton::clicked, this, [this] { changed() ? continueEdited() : continueFlow(); });
  connect(m_continueEdited, &QPushButton::clicked, this, &BreakpointEditor::continueEdited);
  connect(m_respond, &QPushButton::clicked, this, &BreakpointEditor::askRespond);
  for (auto key : {QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)}) {
    auto* shortcut = new QShortcut(key, this);
    shortcut->setContext(Qt::WidgetWithChildrenShortcut);
    connect(shortcut, &QShortcut::activated, this, [this] { changed() ? continueEdited() : continueFlow(); });
  }

  connect(m_method, &QLineEdit::textChanged, this, &BreakpointEditor::updateState);
  connect(m_url, &QLineEdit::textChanged, this, &BreakpointEditor::updateState);
  connect(m_reason, &QLineEdit::textChanged, this, &BreakpointEditor::updateState);
  connect(m_status, &QSpinBox::valueChanged, this, &BreakpointEditor::updateState);
  connect(m_headers, &QTableWidget::itemChanged, this, &BreakpointEditor::updateState);
  connect(m_body, &QPlainTextEdit::textChanged, this, &BreakpointEditor::updateState);
  clearFlow();
}

void BreakpointEditor::setPausedFlow(const PausedFlowUi& flow) {
  m_flow = flow;
  revert();
}

void BreakpointEditor::clearFlow() {
  m_flow.reset();
  m_loading = true;
  m_title->setText(tr("No paused flow selected"));
  m_method->clear();
  m_url->clear();
  m_headers->setRowCount(0);
  m_body->clear();
  m_loading = false;
  setEnabled(false);
  updateState();
}

void BreakpointEditor::revert() {
  if (!m_flow) return;
  setEnabled(true);
  m_loading = true;
  bool response = responseStage();
  m_requestLine->setVisible(!response);
  m_statusLine->setVisible(response);
  m_title->setText(tr("#%1 paused at the %2 — %3 %4")
                       .arg(m_flow->id)
                       .arg(response ? tr("response") : tr("request"), m_flow->request.method, m_flow->request.url));
  m_method->setText(m_flow->request.method);
  m_url->setText(m_flow->request.url);
  m_status->setValue(m_flow->response.status);
  m_reason->setText(m_flow->response.reason);
  if (response)
    load(m_flow->response.headers, m_flow->response.body);
  else
    load(m_flow->request.headers, m_flow->request.body);
  m_loading = false;
  updateState();
}

void BreakpointEditor::load(const HeaderList& headers, const QByteArray& body) {
  m_headers->setRowCount(0);
  for (const auto& [name, value] : headers) addHeaderRow(name, value);
  m_binary = !isText(body);
  m_binaryBody = m_binary ? body : QByteArray();
  m_body->setReadOnly(m_binary);
  m_body->setPlainText(m_binary ? tr("(binary body, %1 bytes: see Hex)").arg(body.size()) : QString::fromUtf8(body));
  m_hexToggle->setChecked(m_binary);
  if (m_binary) m_hex->setPlainText(hexDump(body));
}

void BreakpointEditor::addHeaderRow(const QString& name, const QString& value) {
  int row = m_headers->rowCount();
  m_headers->insertRow(row);
  m_headers->setItem(row, 0, new QTableWidgetItem(name));
  m_headers->setItem(row, 1, new QTableWidgetItem(value));
}

void BreakpointEditor::setHeader(const QString& name, const QString& value) {
  for (int row = 0; row < m_headers->rowCount(); ++row) {
    if (m_headers->item(row, 0)->text().compare(name, Qt::CaseInsensitive) == 0) {
      m_headers->item(row, 1)->setText(value);
      return;
    }
  }
  addHeaderRow(name, value);
  updateState();
}

void BreakpointEditor::moveHeader(int delta) {
  int row = m_headers->currentRow();
  int target = row + delta;
  if (row < 0 || target < 0 || target >= m_headers->rowCount()) return;
  for (int col = 0; col < 2; ++col) {
    auto* a = m_headers->takeItem(row, col);
    auto* b = m_headers->takeItem(target, col);
    m_headers->setItem(row, col, b);
    m_headers->setItem(target, col, a);
  }
  m_headers->setCurrentCell(target, 0);
  updateState();
}

HeaderList BreakpointEditor::headers() const {
  HeaderList list;
  for (int row = 0; row < m_headers->rowCount(); ++row) {
    auto* n = m_headers->item(row, 0);
    auto* v = m_headers->item(row, 1);
    QString name = n ? n->text().trimmed() : QString();
    if (!name.isEmpty()) list.push_back({name, v ? v->text() : QString()});
  }
  return list;
}

EditableRequest BreakpointEditor::editedRequest() const {
  EditableRequest r;
  if (m_flow) r = m_flow->request;
  r.method = m_method->text().trimmed();
  r.url = m_url->text().trimmed();
  if (!responseStage()) {
    r.headers = headers();
    r.body = m_binary ? m_binaryBody : m_body->toPlainText().toUtf8();
  }
  return r;
}

EditableResponse BreakpointEditor::editedResponse() const {
  EditableResponse r;
  if (m_flow) r = m_flow->response;
  r.status = m_status->value();
  r.reason = m_reason->text();
  if (responseStage()) {
    r.headers = headers();
    r.body = m_binary ? m_binaryBody : m_body->toPlainText().toUtf8();
  }
  return r;
}

bool BreakpointEditor::changed() const {
  if (!m_flow) return false;
  if (responseStage()) {
    auto r = editedResponse();
    return r.status != m_flow->response.status || r.reason != m_flow->response.reason ||
           r.headers != m_flow->response.headers || r.body != m_flow->response.body;
  }
  auto r = editedRequest();
  return r.method != m_flow->request.method || r.url != m_flow->request.url || r.headers != m_flow->request.headers ||
         r.body != m_flow->request.body;
}

void BreakpointEditor::updateState() {
  if (m_loading) return;
  m_continueEdited->setEnabled(changed());
  if (m_binary) {
    m_bodyState->setText(tr("Binary body (read-only)"));
    m_bodyState->setStyleSheet(QString());
    return;
  }
  QByteArray body = m_body->toPlainText().toUtf8();
  QString type;
  for (const auto& [name, value] : headers())
    if (name.compare(QLatin1String("content-type"), Qt::CaseInsensitive) == 0) type = value;
  bool looksJson = type.contains(QLatin1String("json"), Qt::CaseInsensitive) || body.trimmed().startsWith('{') ||
                   body.trimmed().startsWith('[');
  QString size = tr("%1 bytes (Content-Length is set on send)").arg(body.size());
  if (!looksJson || body.trimmed().isEmpty()) {
    m_bodyState->setText(size);
    m_bodyState->setStyleSheet(QString());
    return;
  }
  QJsonParseError error;
  QJsonDocument::fromJson(body, &error);
  if (error.error == QJsonParseError::NoError) {
    m_bodyState->setText(tr("Valid JSON — %1").arg(size));
    m_bodyState->setStyleSheet(QStringLiteral("color: #2e7d32"));
  } else {
    m_bodyState->setText(tr("Invalid JSON at offset %1: %2").arg(error.offset).arg(error.errorString()));
    m_bodyState->setStyleSheet(QStringLiteral("color: #c62828"));
  }
}

void BreakpointEditor::prettyPrint() {
  if (m_binary) return;
  auto doc = QJsonDocument::fromJson(m_body->toPlainText().toUtf8());
  if (!doc.isNull()) m_body->setPlainText(QString::fromUtf8(doc.toJson(QJsonDocument::Indented)));
}

bool BreakpointEditor::continueFlow() {
  if (!m_flow) return false;
  uint64_t id = m_flow->id;
  bool ok = m_bridge.continueFlow(id);
  clearFlow();
  emit decided(id, ok ? tr("continued") : tr("no longer paused"));
  return ok;
}

bool BreakpointEditor::continueEdited() {
  if (!m_flow) return false;
  uint64_t id = m_flow->id;
  bool ok = responseStage() ? m_bridge.continueEditedResponse(id, editedResponse())
                            : m_bridge.continueEditedRequest(id, editedRequest());
  clearFlow();
  emit decided(id, ok ? tr("continued with edits") : tr("no longer paused"));
  return ok;
}

bool BreakpointEditor::respondWith(const EditableResponse& response) {
  if (!m_flow) return false;
  uint64_t id = m_flow->id;
  bool ok = m_bridge.respondTo(id, response);
  clearFlow();
  emit decided(id, ok ? tr("answered") : tr("no longer paused"));
  return ok;
}

bool BreakpointEditor::abortFlow(bool closeConnection) {
  if (!m_flow) return false;
  uint64_t id = m_flow->id;
  bool ok = m_bridge.abortFlow(id, closeConnection);
  clearFlow();
  emit decided(id, ok ? tr("aborted") : tr("no longer paused"));
  return ok;
}

void BreakpointEditor::askRespond() {
  QDialog dialog(this);
  dialog.setWindowTitle(tr("Respond with"));
  auto* form = new QFormLayout(&dialog);
  auto* status = new QSpinBox(&dialog);
  status->setRange(100, 599);
  status->setValue(200);
  auto* type = new QLineEdit(QStringLiteral("text/plain; charset=utf-8"), &dialog);
  auto* body = new QPlainTextEdit(QStringLiteral("Answered by Proxyscope\n"), &dialog);
  form->addRow(tr("Status"), status);
  form->addRow(tr("Content-Type"), type);
  form->addRow(tr("Body"), body);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
  form->addRow(buttons);
  connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
  if (dialog.exec() != QDialog::Accepted) return;
  EditableResponse r;
  r.status = status->value();
  r.reason = status->value() == 200 ? QStringLiteral("OK") : QString();
  r.headers.push_back({QStringLiteral("Content-Type"), type->text()});
  r.body = body->toPlainText().toUtf8();
  respondWith(r);
}

}  // namespace ps::ui
