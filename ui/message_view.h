#pragma once
// MessageView: one HTTP message in the inspector — its first line, the headers exactly as
// received (name/value table) and the body (pretty JSON, text or hex).
#include <QWidget>

#include "ui/flow_detail.h"

class QLabel;
class QPlainTextEdit;
class QTableWidget;

namespace ps::ui {

class BodyView;

class MessageView : public QWidget {
  Q_OBJECT

 public:
  explicit MessageView(QWidget* parent = nullptr);

  void showMessage(const MessageDetail& message, const QString& absentText);
  void clearMessage();

  // For tests.
  QTableWidget* headersTable() const { return m_headers; }
  QPlainTextEdit* bodyView() const { return m_body; }
  QLabel* bodySummary() const { return m_bodySummary; }
  BodyView* body() const { return m_bodyView; }

 private:
  QLabel* m_firstLine;
  QTableWidget* m_headers;
  QLabel* m_bodySummary;
  QPlainTextEdit* m_body;
  BodyView* m_bodyView;  // owns m_body and m_bodySummary: decoding toggle, viewers, search
};

}  // namespace ps::ui
