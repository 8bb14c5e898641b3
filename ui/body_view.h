#pragma once
// BodyView: the inspector's body pane. Shows a message body decoded (gzip/br/zstd/deflate undone,
// engine/http/content_decoding.h) or as the raw captured bytes, as text/JSON, hex, an image
// preview (image/*) or a form field table (application/x-www-form-urlencoded), with a search bar
// (Ctrl+F, Enter = next, Esc = close).
#include <QByteArray>
#include <QWidget>

#include "ui/flow_detail.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QScrollArea;
class QStackedWidget;
class QTableWidget;

namespace ps::ui {

class BodyView : public QWidget {
  Q_OBJECT

 public:
  enum class Mode { Auto = 0, Text, Hex, Image, Form };
  explicit BodyView(QWidget* parent = nullptr);

  void showBody(const MessageDetail& message);
  void clear();

  // True: show the decoded bytes when the message has a Content-Encoding (the default).
  void setDecoded(bool decoded);
  bool decoded() const;
  void setMode(Mode mode);
  // What is shown now (Auto resolved to Text/Hex/Image/Form).
  Mode shownMode() const { return m_shown; }
  // The bytes currently rendered (decoded or raw) and why decoding failed, if it did.
  QByteArray shownBytes() const { return m_bytes; }
  QString decodeError() const { return m_decodeError; }
  // Finds the next occurrence in the text view (wrapping); false when absent.
  bool findNext(const QString& text);
  void openSearch();

  QPlainTextEdit* textView() const { return m_text; }
  QLabel* summaryLabel() const { return m_summary; }
  QLabel* imageLabel() const { return m_image; }
  QTableWidget* formTable() const { return m_form; }
  QCheckBox* decodedToggle() const { return m_decodedBox; }
  QLineEdit* searchEdit() const { return m_search; }

 private:
  void render();

  MessageDetail m_message;
  QByteArray m_bytes;
  QString m_decodeError;
  Mode m_shown = Mode::Text;
  QLabel* m_summary;
  QCheckBox* m_decodedBox;
  QComboBox* m_modeBox;
  QStackedWidget* m_stack;
  QPlainTextEdit* m_text;
  QScrollArea* m_imageArea;
  QLabel* m_image;
  QTableWidget* m_form;
  QWidget* m_searchBar;
  QLineEdit* m_search;
  QLabel* m_searchState;
};

}  // namespace ps::ui
