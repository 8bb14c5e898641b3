#include "ui/message_view.h"

#include <QFontDatabase>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include "ui/body_rendering.h"
#include "ui/body_view.h"

namespace ps::ui {

MessageView::MessageView(QWidget* parent) : QWidget(parent) {
  const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);

  m_firstLine = new QLabel(this);
  m_firstLine->setFont(mono);
  m_firstLine->setTextInteractionFlags(Qt::TextSelectableByMouse);

  m_headers = new QTableWidget(0, 2, this);
  m_headers->setHorizontalHeaderLabels({tr("Name"), tr("Value")});
  m_headers->horizontalHeader()->setStretchLastSection(true);
  m_headers->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
  m_headers->verticalHeader()->hide();
  m_headers->verticalHeader()->setDefaultSectionSize(m_headers->fontMetrics().height() + 6);
  m_headers->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_headers->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_headers->setWordWrap(false);
  m_headers->setAlternatingRowColors(true);
  m_headers->setFont(mono);

  m_bodyView = new BodyView(this);
  m_bodySummary = m_bodyView->summaryLabel();
  m_body = m_bodyView->textView();
  QWidget* bodyBox = m_bodyView;

  auto* split = new QSplitter(Qt::Vertical, this);
  split->addWidget(m_headers);
  split->addWidget(bodyBox);
  split->setStretchFactor(0, 1);
  split->setStretchFactor(1, 1);
  split->setChildrenCollapsible(false);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->setSpacing(4);
  layout->addWidget(m_firstLine);
  layout->addWidget(split, 1);
}

void MessageView::showMessage(const MessageDetail& message, const QString& absentText) {
  if (!message.present) {
    clearMessage();
    m_firstLine->setText(absentText);
    return;
  }
  m_firstLine->setText(message.firstLine);
  m_headers->setRowCount(static_cast<int>(message.headers.size()));
  int row = 0;
  for (const auto& [name, value] : message.headers) {
    m_headers->setItem(row, 0, new QTableWidgetItem(name));
    m_headers->setItem(row, 1, new QTableWidgetItem(value));
    ++row;
  }
  m_bodyView->showBody(message);
}

void MessageView::clearMessage() {
  m_firstLine->clear();
  m_headers->setRowCount(0);
  m_bodyView->clear();
}

}  // namespace ps::ui
