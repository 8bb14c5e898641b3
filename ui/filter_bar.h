#pragma once
// FilterBar: the flow filter box on the filter language (engine/query/filter.h), after
// Wireshark's display-filter edit: it turns green or red ~150 ms after typing stops, underlines
// the refused part with the parser's message as tooltip, completes field names (with one-line
// help) and values seen in the capture, and keeps a history (last 20) and named saved filters
// in QSettings. It applies a filter only when the text parses (filterApplied).
#include <QLineEdit>
#include <QStringList>
#include <QTimer>
#include <functional>
#include <utility>

class QCompleter;
class QStandardItemModel;

namespace ps::ui {

class FilterBar : public QLineEdit {
  Q_OBJECT

 public:
  enum class State { Empty, Valid, Invalid };
  static constexpr int kDebounceMillis = 150;
  static constexpr int kHistorySize = 20;

  explicit FilterBar(QWidget* parent = nullptr);

  State state() const { return m_state; }
  QString errorMessage() const { return m_error; }
  // The underlined range in UTF-16 units (QString positions); {0, 0} when valid.
  std::pair<int, int> errorRange() const { return m_errorRange; }
  // Validates and applies at once instead of after the debounce (Enter does the same).
  void validateNow();

  // Values seen in the capture for a field name ("host", "method", "status", "header", ...).
  using ValueSource = std::function<QStringList(const QString& field)>;
  void setValueSource(ValueSource source) { m_values = std::move(source); }
  // What the completer offers for the text at the cursor: display strings ("host:" for fields,
  // values as typed) — for tests and the popup alike.
  QStringList completionsAt(int cursor) const;
  QCompleter* completerPopup() const { return m_completer; }

  QStringList history() const;
  void addToHistory(const QString& text);
  // Saved filters: name → filter text.
  QList<std::pair<QString, QString>> savedFilters() const;
  void saveFilter(const QString& name, const QString& text);
  void removeSavedFilter(const QString& name);

 signals:
  // A filter text that parses ("" clears the filter).
  void filterApplied(const QString& text);

 protected:
  void keyPressEvent(QKeyEvent* event) override;
  void contextMenuEvent(QContextMenuEvent* event) override;

 private:
  void validate(bool apply);
  void paintState();
  void underline(int start, int length);
  void updateCompletion();
  void insertCompletion(const QString& completion);

  QTimer m_debounce;
  State m_state = State::Empty;
  QString m_error;
  std::pair<int, int> m_errorRange{0, 0};
  QString m_applied;
  QCompleter* m_completer = nullptr;
  QStandardItemModel* m_completions = nullptr;
  int m_replaceStart = 0;  // UTF-16 range the chosen completion replaces
  int m_replaceLength = 0;
  ValueSource m_values;
};

}  // namespace ps::ui
