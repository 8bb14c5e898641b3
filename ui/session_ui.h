#pragma once
// SessionUi: the Session menu (New, Open…, Open Recent, Save As…, Import HAR…, Export HAR) on a
// MainWindow. The work runs in EngineBridge's background jobs; this class only asks for file names,
// shows results (errors in a message box) and keeps the recent list in QSettings.
#include <QObject>
#include <QString>
#include <QStringList>
#include <functional>
#include <vector>

class QAction;
class QMenu;

namespace ps::ui {

class MainWindow;

class SessionUi : public QObject {
  Q_OBJECT

 public:
  // newSession: the app's "start a fresh autosave" (returns an error text, "" on success); may be
  // empty, then New only clears the table.
  SessionUi(MainWindow& window, std::function<QString()> newSession);

  enum class ExportScope { All, Filtered, Selected };
  // The dialog-free operations (the menu's actions and tests call these).
  void open(const QString& path);
  void saveAs(const QString& path);
  void importHar(const QString& path);
  void exportHar(const QString& path, ExportScope scope);
  QStringList recentFiles() const;
  QAction* openAction() const { return m_open; }
  QAction* saveAsAction() const { return m_saveAs; }
  // Last job's error ("" if none) and whether message boxes are shown (tests turn them off).
  QString lastError() const { return m_lastError; }
  void setInteractive(bool interactive) { m_interactive = interactive; }

 signals:
  void jobDone(const QString& what, const QString& error, qint64 count);

 private:
  void build();
  void startNew();
  void chooseOpen();
  void chooseSaveAs();
  void chooseImport();
  void chooseExport(ExportScope scope);
  void onJobDone(const QString& what, const QString& error, qint64 count);
  void remember(const QString& path);
  void rebuildRecent();
  std::vector<uint64_t> idsFor(ExportScope scope) const;

  MainWindow& m_window;
  std::function<QString()> m_newSession;
  QAction* m_open = nullptr;
  QAction* m_saveAs = nullptr;
  QMenu* m_recent = nullptr;
  QString m_lastError;
  bool m_interactive = true;
};

// Builds the Session menu on window (one call from the app).
SessionUi* installSessionUi(MainWindow& window, std::function<QString()> newSession = {});

}  // namespace ps::ui
