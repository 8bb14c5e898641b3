// SettingsDialog: see settings_dialog.h.
#include "ui/settings_dialog.h"

#include <algorithm>

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QTabWidget>
#include <QVBoxLayout>

#include "ui/certificate_dialog.h"
#include "ui/engine_bridge.h"
#include "ui/main_window.h"

namespace ps::ui {

namespace {

QSpinBox* spin(int min, int max, const QString& suffix, QWidget* parent) {
  auto* s = new QSpinBox(parent);
  s->setRange(min, max);
  s->setSuffix(suffix);
  s->setAccelerated(true);
  return s;
}

// The first bad pattern of a list, "" if every one is fine.
QString checkPatterns(const QString& text) {
  for (const auto& p : splitPatterns(text)) {
    if (QString e = checkHostPattern(p); !e.isEmpty()) return e;
  }
  return {};
}

void showError(QLabel* label, const QString& error) {
  label->setText(error);
  label->setVisible(!error.isEmpty());
}

}  // namespace

SettingsDialog::SettingsDialog(EngineBridge& bridge, QSettings& store, QWidget* parent)
    : QDialog(parent), m_bridge(bridge), m_store(store) {
  setWindowTitle(tr("Settings"));
  m_pages = new QTabWidget(this);
  m_pages->addTab(buildProxyPage(), tr("Proxy"));
  m_pages->addTab(buildHttpsPage(), tr("HTTPS"));
  m_pages->addTab(buildAppearancePage(), tr("Appearance"));

  // Headless runs do not read the GUI's settings: they take command-line flags. This shows (and
  // copies) the flags giving the same engine settings.
  auto* copy = new QPushButton(tr("Copy as command line"), this);
  copy->setToolTip(tr("The same engine settings as flags for 'proxyscope --headless' (copied to the clipboard)"));
  m_commandLine = new QLineEdit(this);
  m_commandLine->setReadOnly(true);
  m_commandLine->setPlaceholderText(tr("proxyscope --headless … (for runs without a window)"));
  connect(copy, &QPushButton::clicked, this, &SettingsDialog::showCommandLine);
  auto* headless = new QHBoxLayout;
  headless->addWidget(copy);
  headless->addWidget(m_commandLine, 1);

  m_applyError = errorLabel();
  m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  connect(m_buttons, &QDialogButtonBox::accepted, this, &SettingsDialog::accept);
  connect(m_buttons, &QDialogButtonBox::rejected, this, &SettingsDialog::reject);

  auto* layout = new QVBoxLayout(this);
  layout->addWidget(m_pages, 1);
  layout->addLayout(headless);
  layout->addWidget(m_applyError);
  layout->addWidget(m_buttons);

  // The engine's running configuration (saved settings were applied to it at start-up) and the
  // saved theme.
  SettingsValues initial = m_bridge.settings();
  initial.theme = loadSettings(m_store).theme;
  setValues(initial);
  resize(660, sizeHint().height());
}

QLabel* SettingsDialog::errorLabel() {
  auto* label = new QLabel(this);
  label->setStyleSheet(QStringLiteral("color: #d03030"));
  label->setWordWrap(true);
  label->hide();
  return label;
}

QPlainTextEdit* SettingsDialog::patternEdit(const QString& placeholder) {
  auto* edit = new QPlainTextEdit(this);
  edit->setPlaceholderText(placeholder);
  edit->setTabChangesFocus(true);
  edit->setFixedHeight(edit->fontMetrics().lineSpacing() * 4 + 12);
  connect(edit, &QPlainTextEdit::textChanged, this, &SettingsDialog::validate);
  return edit;
}

QWidget* SettingsDialog::buildProxyPage() {
  auto* page = new QWidget(this);
  auto* listen = new QGroupBox(tr("Listen addresses"), page);
  auto* lf = new QFormLayout(listen);
  m_forwardListen = new QLineEdit(listen);
  m_forwardListen->setPlaceholderText(QStringLiteral("127.0.0.1:8080"));
  m_forwardListen->setToolTip(tr("HOST:PORT for forward mode — point browsers and apps here"));
  m_forwardError = errorLabel();
  m_reverseListen = new QLineEdit(listen);
  m_reverseListen->setPlaceholderText(QStringLiteral("127.0.0.1:8000"));
  m_reverseListen->setToolTip(tr("HOST:PORT for reverse mode — clients connect here as if to the server"));
  m_reverseError = errorLabel();
  lf->addRow(tr("Forward proxy:"), m_forwardListen);
  lf->addRow(QString(), m_forwardError);
  lf->addRow(tr("Reverse proxy:"), m_reverseListen);
  lf->addRow(QString(), m_reverseError);
  for (auto* e : {m_forwardListen, m_reverseListen}) connect(e, &QLineEdit::textChanged, this, &SettingsDialog::validate);

  // Reverse mode: clients may speak https to Proxyscope, which talks to the backends as configured.
  auto* reverseTls = new QGroupBox(tr("Reverse proxy HTTPS (TLS termination)"), page);
  auto* tf = new QFormLayout(reverseTls);
  m_reverseTls = new QComboBox(reverseTls);
  m_reverseTls->addItem(tr("Off — plain http"), int(ReverseTlsUi::Off));
  m_reverseTls->addItem(tr("Certificate from Proxyscope's CA"), int(ReverseTlsUi::ProxyscopeCa));
  m_reverseTls->addItem(tr("My own certificate and key"), int(ReverseTlsUi::OwnCertificate));
  m_reverseTls->setToolTip(tr("Clients of the reverse proxy connect with https; the backends are reached as configured"));
  auto fileRow = [this, reverseTls](QLineEdit*& edit, const QString& placeholder, const QString& title) {
    edit = new QLineEdit(reverseTls);
    edit->setPlaceholderText(placeholder);
    connect(edit, &QLineEdit::textChanged, this, &SettingsDialog::validate);
    auto* browse = new QPushButton(tr("Browse…"), reverseTls);
    QLineEdit* target = edit;
    connect(browse, &QPushButton::clicked, this, [this, target, title] {
      const QString path = QFileDialog::getOpenFileName(this, title, target->text(), tr("PEM files (*.pem *.crt *.key);;All files (*)"));
      if (!path.isEmpty()) target->setText(path);
    });
    auto* row = new QHBoxLayout;
    row->addWidget(edit, 1);
    row->addWidget(browse);
    return row;
  };
  auto* certRow = fileRow(m_reverseCert, tr("PEM certificate chain, leaf first"), tr("Certificate file"));
  auto* keyRow = fileRow(m_reverseKey, tr("PEM private key"), tr("Key file"));
  m_reverseTlsError = errorLabel();
  tf->addRow(tr("Listener:"), m_reverseTls);
  tf->addRow(tr("Certificate:"), certRow);
  tf->addRow(tr("Key:"), keyRow);
  tf->addRow(QString(), m_reverseTlsError);
  connect(m_reverseTls, &QComboBox::currentIndexChanged, this, &SettingsDialog::validate);

  auto* capture = new QGroupBox(tr("Capture"), page);
  auto* cf = new QFormLayout(capture);
  m_capture = new QCheckBox(tr("Keep request and response bodies"), capture);
  m_bodyCap = spin(0, 4 * 1024 * 1024, tr(" KiB"), capture);
  m_bodyCap->setToolTip(tr("Bytes kept per body and flow; the rest is forwarded and counted, not kept"));
  connect(m_capture, &QCheckBox::toggled, m_bodyCap, &QWidget::setEnabled);
  m_headerBytes = spin(1, 1024, tr(" KiB"), capture);
  m_headerBytes->setToolTip(tr("A larger request head is refused with 431"));
  m_headerCount = spin(1, 10000, QString(), capture);
  m_headerCount->setToolTip(tr("More header fields are refused with 431"));
  m_requestLine = spin(1, 1024, tr(" KiB"), capture);
  m_requestLine->setToolTip(tr("A longer request line is refused with 414"));
  cf->addRow(m_capture);
  cf->addRow(tr("Max body kept per flow:"), m_bodyCap);
  cf->addRow(tr("Max header size:"), m_headerBytes);
  cf->addRow(tr("Max header fields:"), m_headerCount);
  cf->addRow(tr("Max request line:"), m_requestLine);

  auto* layout = new QVBoxLayout(page);
  layout->addWidget(listen);
  layout->addWidget(reverseTls);
  layout->addWidget(capture);
  layout->addStretch(1);
  return page;
}

QWidget* SettingsDialog::buildHttpsPage() {
  auto* page = new QWidget(this);
  auto* ca = new QGroupBox(tr("Certificate authority"), page);
  auto* caLayout = new QHBoxLayout(ca);
  auto* caText = new QLabel(tr("Intercepted HTTPS is signed by Proxyscope's own CA; clients must trust it."), ca);
  caText->setWordWrap(true);
  auto* caButton = new QPushButton(tr("HTTPS certificate…"), ca);
  caButton->setToolTip(tr("Export, regenerate, and how to trust the CA"));
  connect(caButton, &QPushButton::clicked, this, [this] {
    auto* dialog = new CertificateDialog(m_bridge, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
  });
  caLayout->addWidget(caText, 1);
  caLayout->addWidget(caButton);

  auto* interception = new QGroupBox(tr("Interception (forward mode)"), page);
  auto* f = new QFormLayout(interception);
  m_intercept = new QCheckBox(tr("Intercept HTTPS (otherwise every CONNECT is an opaque tunnel)"), interception);
  m_passThrough = patternEdit(tr("one host pattern a line: pinned.app, *.bank.example"));
  m_passThrough->setToolTip(tr("Tunnelled without interception (certificate-pinned apps, banks)"));
  m_passThroughError = errorLabel();
  m_interceptOnly = patternEdit(tr("empty: intercept every host not passed through"));
  m_interceptOnly->setToolTip(tr("When not empty, only these hosts are intercepted"));
  m_interceptOnlyError = errorLabel();
  f->addRow(m_intercept);
  f->addRow(tr("Pass through:"), m_passThrough);
  f->addRow(QString(), m_passThroughError);
  f->addRow(tr("Intercept only:"), m_interceptOnly);
  f->addRow(QString(), m_interceptOnlyError);

  auto* upstream = new QGroupBox(tr("Upstream servers"), page);
  auto* u = new QFormLayout(upstream);
  m_upstreamCa = new QLineEdit(upstream);
  m_upstreamCa->setPlaceholderText(tr("PEM file trusted besides the system store (optional)"));
  connect(m_upstreamCa, &QLineEdit::textChanged, this, &SettingsDialog::validate);
  auto* browse = new QPushButton(tr("Browse…"), upstream);
  connect(browse, &QPushButton::clicked, this, &SettingsDialog::chooseCaFile);
  auto* caRow = new QHBoxLayout;
  caRow->addWidget(m_upstreamCa, 1);
  caRow->addWidget(browse);
  m_upstreamCaError = errorLabel();
  m_insecure = patternEdit(tr("hosts whose certificates are not verified (test servers only)"));
  m_insecureError = errorLabel();
  u->addRow(tr("Upstream CA file:"), caRow);
  u->addRow(QString(), m_upstreamCaError);
  u->addRow(tr("Insecure upstreams:"), m_insecure);
  u->addRow(QString(), m_insecureError);

  auto* layout = new QVBoxLayout(page);
  layout->addWidget(ca);
  layout->addWidget(interception);
  layout->addWidget(upstream);
  layout->addStretch(1);
  return page;
}

QWidget* SettingsDialog::buildAppearancePage() {
  auto* page = new QWidget(this);
  auto* f = new QFormLayout(page);
  m_theme = new QComboBox(page);
  m_theme->addItem(tr("Follow the system"), int(ThemeUi::System));
  m_theme->addItem(tr("Light"), int(ThemeUi::Light));
  m_theme->addItem(tr("Dark"), int(ThemeUi::Dark));
  f->addRow(tr("Theme:"), m_theme);
  return page;
}

SettingsValues SettingsDialog::values() const {
  SettingsValues v;
  v.forwardListen = m_forwardListen->text().trimmed();
  v.reverseListen = m_reverseListen->text().trimmed();
  v.reverseTls = static_cast<ReverseTlsUi>(m_reverseTls->currentData().toInt());
  v.reverseCertFile = m_reverseCert->text().trimmed();
  v.reverseKeyFile = m_reverseKey->text().trimmed();
  v.capture = m_capture->isChecked();
  v.bodyCaptureBytes = qint64(m_bodyCap->value()) * 1024;
  v.maxHeaderBytes = qint64(m_headerBytes->value()) * 1024;
  v.maxHeaderCount = m_headerCount->value();
  v.maxRequestLine = qint64(m_requestLine->value()) * 1024;
  v.intercept = m_intercept->isChecked();
  v.passThrough = splitPatterns(m_passThrough->toPlainText());
  v.interceptOnly = splitPatterns(m_interceptOnly->toPlainText());
  v.upstreamCaFile = m_upstreamCa->text().trimmed();
  v.insecureUpstream = splitPatterns(m_insecure->toPlainText());
  v.theme = static_cast<ThemeUi>(m_theme->currentData().toInt());
  return v;
}

void SettingsDialog::setValues(const SettingsValues& v) {
  auto kib = [](qint64 bytes) { return int(std::min<qint64>((bytes + 1023) / 1024, 4 * 1024 * 1024)); };
  m_forwardListen->setText(v.forwardListen);
  m_reverseListen->setText(v.reverseListen);
  m_reverseTls->setCurrentIndex(std::max(0, m_reverseTls->findData(int(v.reverseTls))));
  m_reverseCert->setText(v.reverseCertFile);
  m_reverseKey->setText(v.reverseKeyFile);
  m_capture->setChecked(v.capture);
  m_bodyCap->setEnabled(v.capture);
  m_bodyCap->setValue(kib(v.bodyCaptureBytes));
  m_headerBytes->setValue(kib(v.maxHeaderBytes));
  m_headerCount->setValue(int(v.maxHeaderCount));
  m_requestLine->setValue(kib(v.maxRequestLine));
  m_intercept->setChecked(v.intercept);
  m_passThrough->setPlainText(v.passThrough.join(QLatin1Char('\n')));
  m_interceptOnly->setPlainText(v.interceptOnly.join(QLatin1Char('\n')));
  m_upstreamCa->setText(v.upstreamCaFile);
  m_insecure->setPlainText(v.insecureUpstream.join(QLatin1Char('\n')));
  m_theme->setCurrentIndex(std::max(0, m_theme->findData(int(v.theme))));
  validate();
}

bool SettingsDialog::valid() const { return okButton() && okButton()->isEnabled(); }

QPushButton* SettingsDialog::okButton() const { return m_buttons ? m_buttons->button(QDialogButtonBox::Ok) : nullptr; }

void SettingsDialog::validate() {
  if (!m_buttons || !m_insecure) return;  // still building
  bool ok = true;
  auto check = [&ok](QLabel* label, const QString& error) {
    showError(label, error);
    ok = ok && error.isEmpty();
  };
  check(m_forwardError, EngineBridge::checkListenAddress(m_forwardListen->text()));
  check(m_reverseError, EngineBridge::checkListenAddress(m_reverseListen->text()));
  const bool own = m_reverseTls->currentData().toInt() == int(ReverseTlsUi::OwnCertificate);
  m_reverseCert->setEnabled(own);
  m_reverseKey->setEnabled(own);
  check(m_reverseTlsError, own ? EngineBridge::checkReverseCertificate(m_reverseCert->text(), m_reverseKey->text()) : QString());
  check(m_passThroughError, checkPatterns(m_passThrough->toPlainText()));
  check(m_interceptOnlyError, checkPatterns(m_interceptOnly->toPlainText()));
  check(m_insecureError, checkPatterns(m_insecure->toPlainText()));
  const QString ca = m_upstreamCa->text().trimmed();
  const QFileInfo caFile(ca);
  check(m_upstreamCaError, ca.isEmpty() || (caFile.isFile() && caFile.isReadable()) ? QString() : tr("no readable file at this path"));
  okButton()->setEnabled(ok);
  showError(m_applyError, {});
}

void SettingsDialog::showCommandLine() {
  const bool reverse = m_bridge.mode() == ProxyModeUi::Reverse;
  m_commandLine->setText(headlessCommandLine(values(), reverse));
  m_commandLine->setCursorPosition(0);
  if (auto* clipboard = QApplication::clipboard()) clipboard->setText(m_commandLine->text());
}

void SettingsDialog::chooseCaFile() {
  const QString path = QFileDialog::getOpenFileName(this, tr("Upstream CA file"), m_upstreamCa->text(),
                                                    tr("PEM certificates (*.pem *.crt);;All files (*)"));
  if (!path.isEmpty()) m_upstreamCa->setText(path);
}

QString SettingsDialog::apply() {
  if (!valid()) return tr("some settings are not valid");
  const SettingsValues v = values();
  saveSettings(m_store, v);
  applyTheme(v.theme);
  const QString error = m_bridge.applySettings(v);
  showError(m_applyError, error.isEmpty() ? QString() : tr("Saved, but not applied: %1").arg(error));
  return error;
}

void SettingsDialog::accept() {
  if (apply().isEmpty()) QDialog::accept();
}

void installSettingsUi(MainWindow& window, bool commandLineWins, const QString& settingsFile) {
  auto* store = settingsFile.isEmpty() ? new QSettings(&window) : new QSettings(settingsFile, QSettings::IniFormat, &window);
  const SettingsValues saved = loadSettings(*store);
  applyTheme(saved.theme);
  EngineBridge& bridge = window.bridge();
  auto syncListenBox = [&window, &bridge] {
    if (!bridge.running()) window.listenEdit()->setText(bridge.listenAddress());
  };
  if (hasSavedSettings(*store) && !commandLineWins) {
    if (QString error = bridge.applySettings(saved); !error.isEmpty()) window.notify(QObject::tr("Settings: %1").arg(error), true);
    syncListenBox();
  }
  auto* action = new QAction(QObject::tr("Settings…"), &window);
  action->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Comma));
  action->setMenuRole(QAction::PreferencesRole);
  action->setObjectName(QStringLiteral("settingsAction"));
  window.editMenu()->addSeparator();
  window.editMenu()->addAction(action);
  window.addAction(action);  // the shortcut works wherever the focus is
  QObject::connect(action, &QAction::triggered, &window, [&window, store, syncListenBox] {
    SettingsDialog dialog(window.bridge(), *store, &window);
    if (dialog.exec() == QDialog::Accepted) {
      syncListenBox();
      window.notify(QObject::tr("Settings saved and applied"));
    }
  });
}

}  // namespace ps::ui
