#pragma once
// Composer (Burp's Repeater): tabs of requests to edit and send, each with its own history. A tab
// starts from a selected flow, a blank request or a pasted cURL command. Send replays through the
// engine (forward: any URL; reverse: through the balancer); the result is a new flow (replayOf
// set) shown in the table and in the tab's response pane. Repeat… runs a small load test.
#include <QHash>
#include <QWidget>

#include "ui/breakpoint_types.h"
#include "ui/flow_row.h"

class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QTabWidget;

namespace ps::ui {

class EngineBridge;

class ComposerTab : public QWidget {
  Q_OBJECT

 public:
  ComposerTab(EngineBridge& bridge, const EditableRequest& request, uint64_t replayOf, QWidget* parent = nullptr);

  EditableRequest request() const;
  void setRequest(const EditableRequest& request);
  QLineEdit* methodEdit() const { return m_method; }
  QLineEdit* urlEdit() const { return m_url; }
  QPlainTextEdit* headersEdit() const { return m_headers; }
  QPlainTextEdit* bodyEdit() const { return m_body; }
  QPlainTextEdit* responsePane() const { return m_response; }
  QListWidget* history() const { return m_history; }
  uint64_t lastSentId() const { return m_lastSent; }
  bool responseShown() const { return m_shown; }

 public slots:
  // Sends the request; returns the new flow id (0 on failure, reason in the status line).
  uint64_t send();
  void repeatDialog();
  void onBatch(const ps::ui::FlowBatch& batch);

 private:
  void showResult(uint64_t id);

  EngineBridge& m_bridge;
  uint64_t m_replayOf = 0;
  uint64_t m_lastSent = 0;
  bool m_shown = false;
  QVector<EditableRequest> m_sent;  // per-tab history, oldest first
  QLineEdit* m_method = nullptr;
  QLineEdit* m_url = nullptr;
  QPlainTextEdit* m_headers = nullptr;
  QPlainTextEdit* m_body = nullptr;
  QPlainTextEdit* m_response = nullptr;
  QListWidget* m_history = nullptr;
  QLabel* m_state = nullptr;
};

class Composer : public QWidget {
  Q_OBJECT

 public:
  explicit Composer(EngineBridge& bridge, QWidget* parent = nullptr);

  ComposerTab* openRequest(const EditableRequest& request, uint64_t replayOf = 0);
  ComposerTab* openBlank();
  // nullptr (and a message box unless quiet) when the command does not parse.
  ComposerTab* openCurl(const QString& command, QString* error = nullptr);
  QTabWidget* tabs() const { return m_tabs; }
  ComposerTab* currentTab() const;

 private:
  EngineBridge& m_bridge;
  QTabWidget* m_tabs = nullptr;
};

}  // namespace ps::ui
