#include "ui/composer.h"

#include <QClipboard>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>

#include "ui/engine_bridge.h"

namespace ps::ui {
namespace {

QString headersText(const HeaderList& headers) {
  QStringList lines;
  for (const auto& [n, v] : headers) lines << n + QStringLiteral(": ") + v;
  return lines.join(QLatin1Char('\n'));
}

QString messageText(const MessageDetail& m) {
  QString text = m.firstLine + QLatin1Char('\n') + headersText(m.headers) + QStringLiteral("\n\n");
  return text + QString::fromUtf8(m.body);
}

}  // namespace

ComposerTab::ComposerTab(EngineBridge& bridge, const EditableRequest& request, uint64_t replayOf, QWidget* parent)
    : QWidget(parent), m_bridge(bridge), m_replayOf(replayOf) {
  auto* layout = new QVBoxLayout(this);
  auto* line = new QHBoxLayout;
  m_method = new QLineEdit(this);
  m_method->setMaximumWidth(90);
  m_url = new QLineEdit(this);
  auto* send = new QPushButton(tr("Send"), this);
  send->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return));
  auto* repeat = new QPushButton(tr("Repeat…"), this);
  line->addWidget(m_method);
  line->addWidget(m_url, 1);
  line->addWidget(send);
  line->addWidget(repeat);
  layout->addLayout(line);
  auto* split = new QSplitter(Qt::Horizontal, this);
  auto* left = new QSplitter(Qt::Vertical, split);
  m_headers = new QPlainTextEdit(left);
  m_headers->setPlaceholderText(tr("Name: value, one a line"));
  m_body = new QPlainTextEdit(left);
  m_body->setPlaceholderText(tr("Body"));
  m_response = new QPlainTextEdit(split);
  m_response->setReadOnly(true);
  m_history = new QListWidget(split);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 3);
  split->setStretchFactor(2, 1);
  layout->addWidget(split, 1);
  m_state = new QLabel(this);
  layout->addWidget(m_state);
  connect(send, &QPushButton::clicked, this, &ComposerTab::send);
  connect(repeat, &QPushButton::clicked, this, &ComposerTab::repeatDialog);
  connect(&bridge, &EngineBridge::batchReady, this, &ComposerTab::onBatch);
  connect(m_history, &QListWidget::currentRowChanged, this, [this](int row) {
    if (row >= 0 && row < m_sent.size()) setRequest(m_sent[row]);
  });
  setRequest(request);
}

void ComposerTab::setRequest(const EditableRequest& request) {
  m_method->setText(request.method);
  m_url->setText(request.url);
  m_headers->setPlainText(headersText(request.headers));
  m_body->setPlainText(QString::fromUtf8(request.body));
}

EditableRequest ComposerTab::request() const {
  EditableRequest r;
  r.method = m_method->text().trimmed();
  r.url = m_url->text().trimmed();
  for (const auto& l : m_headers->toPlainText().split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
    int colon = l.indexOf(QLatin1Char(':'));
    if (colon <= 0) continue;
    r.headers.push_back({l.left(colon).trimmed(), l.mid(colon + 1).trimmed()});
  }
  r.body = m_body->toPlainText().toUtf8();
  return r;
}

uint64_t ComposerTab::send() {
  auto r = request();
  QString error;
  uint64_t id = m_bridge.replay(r, m_replayOf, &error);
  if (id == 0) {
    m_state->setText(tr("Not sent: %1").arg(error));
    m_state->setStyleSheet(QStringLiteral("color: #c62828"));
    return 0;
  }
  m_lastSent = id;
  m_shown = false;
  m_sent.push_back(r);
  {
    QSignalBlocker block(m_history);
    m_history->addItem(QStringLiteral("#%1 %2 %3").arg(id).arg(r.method, r.url));
  }
  m_state->setStyleSheet(QString());
  m_state->setText(tr("Sent as flow #%1, waiting…").arg(id));
  m_response->clear();
  showResult(id);  // the engine may have finished it already
  return id;
}

void ComposerTab::onBatch(const FlowBatch& batch) {
  if (m_lastSent == 0 || m_shown) return;
  for (const auto* rows : {&batch.inserted, &batch.updated})
    for (const auto& row : *rows)
      if (row.id == m_lastSent && row.finished) showResult(row.id);
}

void ComposerTab::showResult(uint64_t id) {
  auto detail = m_bridge.detail(id);
  if (!detail || !detail->response.present) {
    if (detail && !detail->errorKind.isEmpty()) {
      m_response->setPlainText(tr("Failed: %1 — %2").arg(detail->errorKind, detail->errorMessage));
      m_shown = true;
    }
    return;
  }
  m_shown = true;
  m_response->setPlainText(messageText(detail->response));
  m_state->setText(tr("Flow #%1: %2 %3").arg(id).arg(detail->status).arg(detail->reason));
}

void ComposerTab::repeatDialog() {
  QDialog dialog(this);
  dialog.setWindowTitle(tr("Repeat"));
  auto* form = new QFormLayout(&dialog);
  auto* count = new QSpinBox(&dialog);
  count->setRange(1, 100000);
  count->setValue(10);
  auto* concurrency = new QSpinBox(&dialog);
  concurrency->setRange(1, 256);
  concurrency->setValue(2);
  auto* delay = new QSpinBox(&dialog);
  delay->setRange(0, 600000);
  delay->setSuffix(tr(" ms"));
  form->addRow(tr("Count"), count);
  form->addRow(tr("Concurrency"), concurrency);
  form->addRow(tr("Delay"), delay);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
  form->addRow(buttons);
  connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
  if (dialog.exec() != QDialog::Accepted) return;
  QString error = m_bridge.repeat(request(), m_replayOf, static_cast<unsigned>(count->value()),
                                  static_cast<unsigned>(concurrency->value()), delay->value());
  m_state->setText(error.isEmpty() ? tr("Repeating %1 times").arg(count->value()) : tr("Not sent: %1").arg(error));
}

Composer::Composer(EngineBridge& bridge, QWidget* parent) : QWidget(parent), m_bridge(bridge) {
  auto* layout = new QVBoxLayout(this);
  m_tabs = new QTabWidget(this);
  m_tabs->setTabsClosable(true);
  connect(m_tabs, &QTabWidget::tabCloseRequested, this, [this](int i) { delete m_tabs->widget(i); });
  auto* bar = new QHBoxLayout;
  auto* blank = new QPushButton(tr("New request"), this);
  auto* curl = new QPushButton(tr("Paste cURL…"), this);
  bar->addWidget(blank);
  bar->addWidget(curl);
  bar->addStretch();
  layout->addLayout(bar);
  layout->addWidget(m_tabs, 1);
  connect(blank, &QPushButton::clicked, this, &Composer::openBlank);
  connect(curl, &QPushButton::clicked, this, [this] {
    bool ok = false;
    QString text = QInputDialog::getMultiLineText(this, tr("Paste cURL"), tr("cURL command:"),
                                                  QGuiApplication::clipboard()->text(), &ok);
    if (ok) openCurl(text);
  });
}

ComposerTab* Composer::openRequest(const EditableRequest& request, uint64_t replayOf) {
  auto* tab = new ComposerTab(m_bridge, request, replayOf, m_tabs);
  QString title = request.url.isEmpty() ? tr("New") : QUrl(request.url).path();
  m_tabs->setCurrentIndex(m_tabs->addTab(tab, request.method + QLatin1Char(' ') + title.left(30)));
  return tab;
}

ComposerTab* Composer::openBlank() {
  EditableRequest r;
  r.url = QStringLiteral("http://");
  return openRequest(r);
}

ComposerTab* Composer::openCurl(const QString& command, QString* error) {
  QString why;
  auto request = EngineBridge::requestFromCurl(command, &why);
  if (!request) {
    if (error) *error = why;
    return nullptr;
  }
  return openRequest(*request);
}

ComposerTab* Composer::currentTab() const { return qobject_cast<ComposerTab*>(m_tabs->currentWidget()); }

}  // namespace ps::ui
