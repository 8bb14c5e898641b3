#pragma once
// SettingsDialog (Edit → Settings…, Ctrl+,; issue 6): listen addresses of both modes, capture caps,
// HTTPS interception lists, the upstream CA file, the CA itself (the certificate dialog) and the
// theme. Every field is checked as it is typed (inline errors; OK disabled while one is wrong). OK
// saves to QSettings, applies to the running engine (Engine::setConfig) and the theme at once.
#include <QDialog>

#include "ui/settings_values.h"

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSettings;
class QSpinBox;
class QTabWidget;

namespace ps::ui {

class EngineBridge;
class MainWindow;

class SettingsDialog : public QDialog {
  Q_OBJECT

 public:
  SettingsDialog(EngineBridge& bridge, QSettings& store, QWidget* parent = nullptr);

  // The values as edited (valid or not).
  SettingsValues values() const;
  void setValues(const SettingsValues& values);
  // Saves, applies to the engine and the theme; the engine's error ("" on success).
  QString apply();
  bool valid() const;

  // Widgets, for tests.
  QLineEdit* forwardListenEdit() const { return m_forwardListen; }
  QLineEdit* reverseListenEdit() const { return m_reverseListen; }
  QComboBox* reverseTlsCombo() const { return m_reverseTls; }
  QLineEdit* reverseCertEdit() const { return m_reverseCert; }
  QLineEdit* reverseKeyEdit() const { return m_reverseKey; }
  QLabel* reverseTlsError() const { return m_reverseTlsError; }
  QLabel* forwardListenError() const { return m_forwardError; }
  QSpinBox* bodyCapKiB() const { return m_bodyCap; }
  QPlainTextEdit* passThroughEdit() const { return m_passThrough; }
  QLabel* passThroughError() const { return m_passThroughError; }
  QLineEdit* upstreamCaEdit() const { return m_upstreamCa; }
  QComboBox* themeBox() const { return m_theme; }
  QPushButton* okButton() const;
  QLineEdit* commandLineEdit() const { return m_commandLine; }
  QTabWidget* pages() const { return m_pages; }

  void accept() override;

 private:
  QWidget* buildProxyPage();
  QWidget* buildHttpsPage();
  QWidget* buildAppearancePage();
  QLabel* errorLabel();
  QPlainTextEdit* patternEdit(const QString& placeholder);
  void validate();
  void showCommandLine();
  void chooseCaFile();

  EngineBridge& m_bridge;
  QSettings& m_store;
  QTabWidget* m_pages = nullptr;
  QLineEdit* m_forwardListen = nullptr;
  QLineEdit* m_reverseListen = nullptr;
  QLabel* m_forwardError = nullptr;
  QLabel* m_reverseError = nullptr;
  QComboBox* m_reverseTls = nullptr;
  QLineEdit* m_reverseCert = nullptr;
  QLineEdit* m_reverseKey = nullptr;
  QLabel* m_reverseTlsError = nullptr;
  QCheckBox* m_capture = nullptr;
  QSpinBox* m_bodyCap = nullptr;
  QSpinBox* m_headerBytes = nullptr;
  QSpinBox* m_headerCount = nullptr;
  QSpinBox* m_requestLine = nullptr;
  QCheckBox* m_intercept = nullptr;
  QPlainTextEdit* m_passThrough = nullptr;
  QLabel* m_passThroughError = nullptr;
  QPlainTextEdit* m_interceptOnly = nullptr;
  QLabel* m_interceptOnlyError = nullptr;
  QLineEdit* m_upstreamCa = nullptr;
  QLabel* m_upstreamCaError = nullptr;
  QPlainTextEdit* m_insecure = nullptr;
  QLabel* m_insecureError = nullptr;
  QComboBox* m_theme = nullptr;
  QLineEdit* m_commandLine = nullptr;
  QLabel* m_applyError = nullptr;
  QDialogButtonBox* m_buttons = nullptr;
};

// Adds Edit → Settings… (Ctrl+,) to window. At start-up applies the saved theme and, unless the
// command line set engine options (commandLineWins), the saved engine settings. settingsFile empty:
// the application's QSettings; otherwise an INI file (tests).
void installSettingsUi(MainWindow& window, bool commandLineWins = false, const QString& settingsFile = {});

}  // namespace ps::ui
