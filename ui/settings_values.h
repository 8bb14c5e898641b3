#pragma once
// SettingsValues: what the Settings dialog edits (issue 6), as plain Qt values. Stored in QSettings
// under "settings/…" (ui/settings_store.cpp); EngineBridge turns them into an EngineConfig
// (ui/engine_bridge_settings.cpp) at start-up and when the dialog is accepted.
#include <QString>
#include <QStringList>

class QSettings;

namespace ps::ui {

enum class ThemeUi { System, Light, Dark };

// TLS termination on the reverse proxy's listener: none, a certificate from Proxyscope's CA, or the
// user's own PEM certificate and key (--tls / --tls-cert + --tls-key in headless runs).
enum class ReverseTlsUi { Off, ProxyscopeCa, OwnCertificate };

struct SettingsValues {
  // Listen addresses of the two modes; the toolbar's address box shows the current mode's.
  QString forwardListen = QStringLiteral("127.0.0.1:8080");
  QString reverseListen = QStringLiteral("127.0.0.1:8000");
  ReverseTlsUi reverseTls = ReverseTlsUi::Off;
  QString reverseCertFile;  // with OwnCertificate: PEM chain, leaf first
  QString reverseKeyFile;   // with OwnCertificate: PEM private key
  // Capture caps (engine Limits).
  bool capture = true;                       // keep body bytes on flows
  qint64 bodyCaptureBytes = 16 * 1024 * 1024;  // per body; the rest is only counted
  qint64 maxHeaderBytes = 64 * 1024;         // whole head → 431
  qint64 maxHeaderCount = 200;               // → 431
  qint64 maxRequestLine = 8 * 1024;          // → 414
  // HTTPS interception (forward mode).
  bool intercept = true;
  QStringList passThrough;       // host patterns kept opaque
  QStringList interceptOnly;     // when non-empty, only these are intercepted
  QString upstreamCaFile;        // extra PEM trusted for upstreams
  QStringList insecureUpstream;  // host patterns whose certificates are not verified
  ThemeUi theme = ThemeUi::System;

  bool operator==(const SettingsValues&) const = default;
};

// QSettings persistence. load() of a store that never saved gives the defaults; hasSavedSettings()
// tells the two apart (start-up applies saved settings only).
SettingsValues loadSettings(QSettings& store);
void saveSettings(QSettings& store, const SettingsValues& values);
bool hasSavedSettings(QSettings& store);

// Host patterns as typed: one per line or separated by commas/spaces; empty entries dropped.
QStringList splitPatterns(const QString& text);
// Why a host pattern is not usable ("" if fine): no scheme, path, port or blanks; '*' only as "*." prefix.
QString checkHostPattern(const QString& pattern);

// The same engine settings as a headless command line (the CLI flags of app/command_line.cpp), for
// the "Copy command line" button: headless runs take flags, not the GUI's QSettings.
QString headlessCommandLine(const SettingsValues& values, bool reverse);

// Applies the theme to the application: System restores the platform palette, Light the style's
// standard palette, Dark a dark palette.
void applyTheme(ThemeUi theme);

}  // namespace ps::ui
