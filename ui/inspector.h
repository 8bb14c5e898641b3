#pragma once
// Inspector: the selected flow in three tabs — Overview (URL, status, timings, addresses, the
// error in red), Request and Response (headers exactly as received, body).
#include <QTabWidget>

#include "ui/flow_detail.h"

class QTextBrowser;

namespace ps::ui {

class MessageView;

class Inspector : public QTabWidget {
  Q_OBJECT

 public:
  explicit Inspector(QWidget* parent = nullptr);

  void showFlow(const FlowDetail& flow);
  void clearFlow();
  uint64_t flowId() const { return m_flowId; }

  QTextBrowser* overview() const { return m_overview; }
  MessageView* requestView() const { return m_request; }
  MessageView* responseView() const { return m_response; }

 private:
  QString overviewHtml(const FlowDetail& flow) const;

  QTextBrowser* m_overview;
  MessageView* m_request;
  MessageView* m_response;
  uint64_t m_flowId = 0;
};

}  // namespace ps::ui
