#include "ui/session_ui.h"

#include <QAction>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QMessageBox>
#include <QSettings>

#include "ui/engine_bridge.h"
#include "ui/flow_filter_proxy.h"
#include "ui/flow_table_model.h"
#include "ui/main_window.h"

namespace ps::ui {

namespace {
const QString kRecentKey = QStringLiteral("session/recent");
constexpr int kMaxRecent = 8;
const QString kSessionFilter = QStringLiteral("Proxyscope sessions (*.pxsession);;All files (*)");
const QString kHarFilter = QStringLiteral("HAR files (*.har *.json);;All files (*)");
}  // namespace

SessionUi::SessionUi(MainWindow& window, std::function<QString()> newSession)
    : QObject(&window), m_window(window), m_newSession(std::move(newSession)) {
  build();
  connect(&m_window.bridge(), &EngineBridge::sessionJobDone, this, &SessionUi::onJobDone);
  connect(&m_window.bridge(), &EngineBridge::sessionProgress, this, [this](qint64 loaded, qint64 total) {
    m_window.notify(tr("Loading session: %1 of %2 flows").arg(loaded).arg(total));
  });
}

void SessionUi::build() {
  QMenu* menu = m_window.sessionMenu();
  QAction* fresh = menu->addAction(tr("&New Session"), this, &SessionUi::startNew);
  fresh->setShortcut(QKeySequence::New);
  m_open = menu->addAction(tr("&Open Session…"), this, &SessionUi::chooseOpen);
  m_open->setShortcut(QKeySequence::Open);
  m_recent = menu->addMenu(tr("Open &Recent"));
  m_saveAs = menu->addAction(tr("Save Session &As…"), this, &SessionUi::chooseSaveAs);
  m_saveAs->setShortcut(QKeySequence::SaveAs);
  menu->addSeparator();
  menu->addAction(tr("&Import HAR…"), this, &SessionUi::chooseImport);
  QMenu* exportMenu = menu->addMenu(tr("&Export HAR"));
  exportMenu->addAction(tr("All Flows…"), this, [this] { chooseExport(ExportScope::All); });
  exportMenu->addAction(tr("Filtered Flows…"), this, [this] { chooseExport(ExportScope::Filtered); });
  exportMenu->addAction(tr("Selected Flows…"), this, [this] { chooseExport(ExportScope::Selected); });
  rebuildRecent();
}

void SessionUi::startNew() {
  if (m_newSession) {
    QString error = m_newSession();
    if (!error.isEmpty()) {
      onJobDone(QStringLiteral("new"), error, 0);
      return;
    }
  }
  m_window.bridge().closeViewedSession();
  m_window.bridge().clear();
  m_window.setWindowTitle(QStringLiteral("Proxyscope"));
  m_window.notify(tr("New session"));
}

void SessionUi::open(const QString& path) {
  remember(path);
  m_window.bridge().openSession(path);
  if (m_window.bridge().viewedSession().isEmpty()) return;  // refused: the error comes as a job result
  m_window.setWindowTitle(tr("%1 — Proxyscope (read-only)").arg(QFileInfo(path).fileName()));
}

void SessionUi::saveAs(const QString& path) {
  // The file dialog already asked before replacing a file, so an existing target is overwritten.
  m_window.bridge().saveSessionAs(path, true);
}

void SessionUi::importHar(const QString& path) { m_window.bridge().importHar(path); }

void SessionUi::exportHar(const QString& path, ExportScope scope) {
  std::vector<uint64_t> ids = idsFor(scope);
  if (scope != ExportScope::All && ids.empty()) {
    onJobDone(QStringLiteral("export"), tr("no flows to export"), 0);
    return;
  }
  m_window.bridge().exportHar(path, ids);
}

std::vector<uint64_t> SessionUi::idsFor(ExportScope scope) const {
  if (scope == ExportScope::Selected) return m_window.selectedFlowIds();
  std::vector<uint64_t> ids;
  if (scope == ExportScope::Filtered) {
    const FlowFilterProxy* proxy = m_window.proxy();
    ids.reserve(static_cast<size_t>(proxy->rowCount()));
    for (int r = 0; r < proxy->rowCount(); ++r)
      ids.push_back(proxy->index(r, 0).data(FlowTableModel::FlowIdRole).toULongLong());
  }
  return ids;
}

void SessionUi::chooseOpen() {
  QString path = QFileDialog::getOpenFileName(&m_window, tr("Open Session"), {}, kSessionFilter);
  if (!path.isEmpty()) open(path);
}

void SessionUi::chooseSaveAs() {
  QString path = QFileDialog::getSaveFileName(&m_window, tr("Save Session As"), QStringLiteral("session.pxsession"),
                                              kSessionFilter);
  if (path.isEmpty()) return;
  if (QFileInfo(path).suffix().isEmpty()) path += QStringLiteral(".pxsession");
  saveAs(path);
  remember(path);
}

void SessionUi::chooseImport() {
  QString path = QFileDialog::getOpenFileName(&m_window, tr("Import HAR"), {}, kHarFilter);
  if (!path.isEmpty()) importHar(path);
}

void SessionUi::chooseExport(ExportScope scope) {
  QString path = QFileDialog::getSaveFileName(&m_window, tr("Export HAR"), QStringLiteral("proxyscope.har"), kHarFilter);
  if (!path.isEmpty()) exportHar(path, scope);
}

void SessionUi::onJobDone(const QString& what, const QString& error, qint64 count) {
  m_lastError = error;
  if (!error.isEmpty()) {
    if (m_interactive) QMessageBox::warning(&m_window, tr("Proxyscope"), tr("Session %1 failed:\n%2").arg(what, error));
    m_window.notify(error, true);
  } else if (what == QLatin1String("open")) {
    m_window.notify(tr("Session loaded: %1 flows (read-only)").arg(count));
  } else if (what == QLatin1String("import")) {
    m_window.notify(tr("Imported %1 flows").arg(count));
  } else if (what == QLatin1String("export")) {
    m_window.notify(tr("Exported %1 HAR entries").arg(count));
  } else if (what == QLatin1String("save")) {
    m_window.notify(tr("Session saved"));
  }
  emit jobDone(what, error, count);
}

QStringList SessionUi::recentFiles() const { return QSettings().value(kRecentKey).toStringList(); }

void SessionUi::remember(const QString& path) {
  QStringList recent = recentFiles();
  QString absolute = QFileInfo(path).absoluteFilePath();
  recent.removeAll(absolute);
  recent.prepend(absolute);
  while (recent.size() > kMaxRecent) recent.removeLast();
  QSettings().setValue(kRecentKey, recent);
  rebuildRecent();
}

void SessionUi::rebuildRecent() {
  m_recent->clear();
  const QStringList recent = recentFiles();
  for (const QString& path : recent) m_recent->addAction(path, this, [this, path] { open(path); });
  m_recent->setEnabled(!recent.isEmpty());
}

SessionUi* installSessionUi(MainWindow& window, std::function<QString()> newSession) {
  return new SessionUi(window, std::move(newSession));
}

}  // namespace ps::ui
