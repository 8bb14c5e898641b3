#pragma once
// CompareView: two flows side by side — request and response first lines, headers and bodies —
// with the differences highlighted. JSON bodies are compared structurally: object key order is
// ignored (keys are shown sorted), and the paths whose values differ are listed and highlighted.
#include <QStringList>
#include <QWidget>

#include "ui/flow_detail.h"

class QLabel;
class QTextEdit;

namespace ps::ui {

class CompareView : public QWidget {
  Q_OBJECT

 public:
  explicit CompareView(QWidget* parent = nullptr);

  void setFlows(const FlowDetail& left, const FlowDetail& right);

  // Paths ("$.a.b[2]") where two JSON documents differ; key order is ignored. *bothJson is set to
  // whether both inputs parsed as JSON (if not, the result is empty).
  static QStringList jsonDifferences(const QByteArray& left, const QByteArray& right, bool* bothJson = nullptr);

  // For tests: what the last setFlows() found and highlighted.
  const QStringList& bodyDifferences() const { return m_bodyDifferences; }
  int highlightedLines() const { return m_highlighted; }
  QTextEdit* leftPane() const { return m_left; }
  QTextEdit* rightPane() const { return m_right; }
  QLabel* summary() const { return m_summary; }

 private:
  void render(const MessageDetail& a, const MessageDetail& b, const QString& title, QString& left, QString& right);

  QLabel* m_summary = nullptr;
  QTextEdit* m_left = nullptr;
  QTextEdit* m_right = nullptr;
  QStringList m_bodyDifferences;
  int m_highlighted = 0;
};

}  // namespace ps::ui
