#pragma once
// BreakpointEditor: edits one paused flow — at the request stage method, URL, headers and body; at
// the response stage status, reason, headers and body — and posts the decision through the bridge:
// Continue (Ctrl+Enter), Continue edited (only when changed), Respond with…, Abort. Revert restores
// the paused version (the engine keeps the original on the flow too).
#include <QWidget>
#include <optional>

#include "ui/breakpoint_types.h"

class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QStackedWidget;
class QTableWidget;
class QCheckBox;

namespace ps::ui {

class EngineBridge;

class BreakpointEditor : public QWidget {
  Q_OBJECT

 public:
  explicit BreakpointEditor(EngineBridge& bridge, QWidget* parent = nullptr);

  void setPausedFlow(const PausedFlowUi& flow);
  void clearFlow();
  uint64_t flowId() const { return m_flow ? m_flow->id : 0; }
  bool responseStage() const { return m_flow && m_flow->stage == BreakStageUi::Response; }

  EditableRequest editedRequest() const;
  EditableResponse editedResponse() const;
  bool changed() const;

  // Widgets, for tests.
  QLineEdit* methodEdit() const { return m_method; }
  QLineEdit* urlEdit() const { return m_url; }
  QSpinBox* statusEdit() const { return m_status; }
  QTableWidget* headersTable() const { return m_headers; }
  QPlainTextEdit* bodyEdit() const { return m_body; }
  QLabel* bodyState() const { return m_bodyState; }
  QPushButton* continueEditedButton() const { return m_continueEdited; }

  // Sets (or adds) a header row; for quick edits and tests.
  void setHeader(const QString& name, const QString& value);

 public slots:
  void revert();
  bool continueFlow();
  bool continueEdited();
  bool respondWith(const EditableResponse& response);
  bool abortFlow(bool closeConnection);
  void prettyPrint();

 signals:
  void decided(uint64_t id, const QString& what);

 private:
  void load(const HeaderList& headers, const QByteArray& body);
  void addHeaderRow(const QString& name, const QString& value);
  void moveHeader(int delta);
  void updateState();
  void askRespond();
  HeaderList headers() const;

  EngineBridge& m_bridge;
  std::optional<PausedFlowUi> m_flow;
  QLabel* m_title = nullptr;
  QWidget* m_requestLine = nullptr;
  QWidget* m_statusLine = nullptr;
  QLineEdit* m_method = nullptr;
  QLineEdit* m_url = nullptr;
  QSpinBox* m_status = nullptr;
  QLineEdit* m_reason = nullptr;
  QTableWidget* m_headers = nullptr;
  QStackedWidget* m_bodyStack = nullptr;
  QPlainTextEdit* m_body = nullptr;
  QPlainTextEdit* m_hex = nullptr;
  QCheckBox* m_hexToggle = nullptr;
  QLabel* m_bodyState = nullptr;
  QByteArray m_binaryBody;  // a body that is not UTF-8 text stays as bytes (hex view, read-only)
  bool m_binary = false;
  QPushButton* m_continue = nullptr;
  QPushButton* m_continueEdited = nullptr;
  QPushButton* m_respond = nullptr;
  QPushButton* m_abort = nullptr;
  bool m_loading = false;
};

}  // namespace ps::ui
