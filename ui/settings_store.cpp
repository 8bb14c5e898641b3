// SettingsValues persistence (QSettings), host-pattern checks, the equivalent headless command line
// and the theme. Declarations in ui/settings_values.h.
#include <algorithm>

#include <QApplication>
#include <QPalette>
#include <QRegularExpression>
#include <QSettings>
#include <QStyle>

#include "ui/settings_values.h"

namespace ps::ui {

namespace {

const QString kGroup = QStringLiteral("settings");

QString themeName(ThemeUi theme) {
  switch (theme) {
    case ThemeUi::Light: return QStringLiteral("light");
    case ThemeUi::Dark: return QStringLiteral("dark");
    case ThemeUi::System: break;
  }
  return QStringLiteral("system");
}

ThemeUi themeFrom(const QString& name) {
  if (name == QLatin1String("light")) return ThemeUi::Light;
  if (name == QLatin1String("dark")) return ThemeUi::Dark;
  return ThemeUi::System;
}

// A shell word: quoted only when it needs to be.
QString shellWord(const QString& word) {
  static const QRegularExpression plain(QStringLiteral("^[A-Za-z0-9_./:@%+=,\\-\\[\\]]+$"));
  if (plain.match(word).hasMatch()) return word;
  QString quoted = word;
  quoted.replace(QLatin1Char('\''), QStringLiteral("'\\''"));
  return QLatin1Char('\'') + quoted + QLatin1Char('\'');
}

QPalette darkPalette() {
  QPalette p;
  const QColor window(0x2b, 0x2d, 0x30), base(0x1e, 0x1f, 0x22), text(0xdf, 0xe1, 0xe5);
  const QColor disabled(0x7f, 0x84, 0x8e), highlight(0x2f, 0x65, 0xca);
  p.setColor(QPalette::Window, window);
  p.setColor(QPalette::WindowText, text);
  p.setColor(QPalette::Base, base);
  p.setColor(QPalette::AlternateBase, QColor(0x26, 0x28, 0x2b));
  p.setColor(QPalette::ToolTipBase, window);
  p.setColor(QPalette::ToolTipText, text);
  p.setColor(QPalette::PlaceholderText, disabled);
  p.setColor(QPalette::Text, text);
  p.setColor(QPalette::Button, QColor(0x3c, 0x3f, 0x41));
  p.setColor(QPalette::ButtonText, text);
  p.setColor(QPalette::BrightText, QColor(0xff, 0x6b, 0x68));
  p.setColor(QPalette::Light, QColor(0x4a, 0x4d, 0x50));
  p.setColor(QPalette::Midlight, QColor(0x3c, 0x3f, 0x41));
  p.setColor(QPalette::Mid, QColor(0x31, 0x33, 0x35));
  p.setColor(QPalette::Dark, QColor(0x1a, 0x1b, 0x1d));
  p.setColor(QPalette::Shadow, Qt::black);
  p.setColor(QPalette::Highlight, highlight);
  p.setColor(QPalette::HighlightedText, Qt::white);
  p.setColor(QPalette::Link, QColor(0x58, 0x9d, 0xf6));
  p.setColor(QPalette::LinkVisited, QColor(0xa5, 0x7d, 0xf6));
  for (auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText}) {
    p.setColor(QPalette::Disabled, role, disabled);
  }
  p.setColor(QPalette::Disabled, QPalette::Highlight, QColor(0x3c, 0x3f, 0x41));
  return p;
}

}  // namespace

SettingsValues loadSettings(QSettings& store) {
  SettingsValues v;
  store.beginGroup(kGroup);
  v.forwardListen = store.value(QStringLiteral("forwardListen"), v.forwardListen).toString();
  v.reverseListen = store.value(QStringLiteral("reverseListen"), v.reverseListen).toString();
  v.reverseTls = static_cast<ReverseTlsUi>(std::clamp(store.value(QStringLiteral("reverseTls"), 0).toInt(), 0, 2));
  v.reverseCertFile = store.value(QStringLiteral("reverseCertFile")).toString();
  v.reverseKeyFile = store.value(QStringLiteral("reverseKeyFile")).toString();
  v.capture = store.value(QStringLiteral("capture"), v.capture).toBool();
  v.bodyCaptureBytes = store.value(QStringLiteral("bodyCaptureBytes"), v.bodyCaptureBytes).toLongLong();
  v.maxHeaderBytes = store.value(QStringLiteral("maxHeaderBytes"), v.maxHeaderBytes).toLongLong();
  v.maxHeaderCount = store.value(QStringLiteral("maxHeaderCount"), v.maxHeaderCount).toLongLong();
  v.maxRequestLine = store.value(QStringLiteral("maxRequestLine"), v.maxRequestLine).toLongLong();
  v.intercept = store.value(QStringLiteral("intercept"), v.intercept).toBool();
  v.passThrough = store.value(QStringLiteral("passThrough")).toStringList();
  v.interceptOnly = store.value(QStringLiteral("interceptOnly")).toStringList();
  v.upstreamCaFile = store.value(QStringLiteral("upstreamCaFile")).toString();
  v.insecureUpstream = store.value(QStringLiteral("insecureUpstream")).toStringList();
  v.theme = themeFrom(store.value(QStringLiteral("theme")).toString());
  store.endGroup();
  return v;
}

void saveSettings(QSettings& store, const SettingsValues& v) {
  store.beginGroup(kGroup);
  store.setValue(QStringLiteral("saved"), true);
  store.setValue(QStringLiteral("forwardListen"), v.forwardListen);
  store.setValue(QStringLiteral("reverseListen"), v.reverseListen);
  store.setValue(QStringLiteral("reverseTls"), int(v.reverseTls));
  store.setValue(QStringLiteral("reverseCertFile"), v.reverseCertFile);
  store.setValue(QStringLiteral("reverseKeyFile"), v.reverseKeyFile);
  store.setValue(QStringLiteral("capture"), v.capture);
  store.setValue(QStringLiteral("bodyCaptureBytes"), v.bodyCaptureBytes);
  store.setValue(QStringLiteral("maxHeaderBytes"), v.maxHeaderBytes);
  store.setValue(QStringLiteral("maxHeaderCount"), v.maxHeaderCount);
  store.setValue(QStringLiteral("maxRequestLine"), v.maxRequestLine);
  store.setValue(QStringLiteral("intercept"), v.intercept);
  store.setValue(QStringLiteral("passThrough"), v.passThrough);
  store.setValue(QStringLiteral("interceptOnly"), v.interceptOnly);
  store.setValue(QStringLiteral("upstreamCaFile"), v.upstreamCaFile);
  store.setValue(QStringLiteral("insecureUpstream"), v.insecureUpstream);
  store.setValue(QStringLiteral("theme"), themeName(v.theme));
  store.endGroup();
  store.sync();
}

bool hasSavedSettings(QSettings& store) { return store.value(kGroup + QStringLiteral("/saved"), false).toBool(); }

QStringList splitPatterns(const QString& text) {
  static const QRegularExpression separators(QStringLiteral("[\\s,;]+"));
  return text.split(separators, Qt::SkipEmptyParts);
}

QString checkHostPattern(const QString& pattern) {
  if (pattern == QLatin1String("*")) return {};
  if (pattern.contains(QStringLiteral("://"))) return QStringLiteral("'%1': a host, not a URL").arg(pattern);
  if (pattern.contains(QLatin1Char('/'))) return QStringLiteral("'%1': a host has no path").arg(pattern);
  if (pattern.contains(QLatin1Char(':'))) return QStringLiteral("'%1': a host pattern has no port").arg(pattern);
  const QString rest = pattern.startsWith(QStringLiteral("*.")) ? pattern.mid(2) : pattern;
  if (rest.contains(QLatin1Char('*'))) return QStringLiteral("'%1': '*' only as a leading \"*.\"").arg(pattern);
  static const QRegularExpression host(QStringLiteral("^[A-Za-z0-9_]([A-Za-z0-9_.\\-]*[A-Za-z0-9_])?$"));
  if (!host.match(rest).hasMatch()) return QStringLiteral("'%1': not a host name").arg(pattern);
  return {};
}

QString headlessCommandLine(const SettingsValues& v, bool reverse) {
  QStringList words{QStringLiteral("proxyscope"), QStringLiteral("--headless")};
  if (reverse) words << QStringLiteral("--mode") << QStringLiteral("reverse");
  words << QStringLiteral("--listen") << (reverse ? v.reverseListen : v.forwardListen).trimmed();
  if (reverse && v.reverseTls == ReverseTlsUi::ProxyscopeCa) words << QStringLiteral("--tls");
  if (reverse && v.reverseTls == ReverseTlsUi::OwnCertificate) {
    words << QStringLiteral("--tls-cert") << v.reverseCertFile << QStringLiteral("--tls-key") << v.reverseKeyFile;
  }
  if (!v.capture) words << QStringLiteral("--no-capture");
  else words << QStringLiteral("--capture-limit") << QString::number(v.bodyCaptureBytes);
  if (!v.intercept) words << QStringLiteral("--no-intercept");
  for (const auto& p : v.passThrough) words << QStringLiteral("--pass-through") << p;
  for (const auto& p : v.interceptOnly) words << QStringLiteral("--intercept-only") << p;
  if (!v.upstreamCaFile.isEmpty()) words << QStringLiteral("--upstream-ca") << v.upstreamCaFile;
  for (const auto& p : v.insecureUpstream) words << QStringLiteral("--insecure-upstream") << p;
  for (auto& w : words) w = shellWord(w);
  return words.join(QLatin1Char(' '));
}

void applyTheme(ThemeUi theme) {
  auto* app = qobject_cast<QApplication*>(QCoreApplication::instance());
  if (!app) return;
  // The platform palette as found before the first change, to come back to for "System".
  static const QPalette systemPalette = QApplication::palette();
  switch (theme) {
    case ThemeUi::System: QApplication::setPalette(systemPalette); break;
    case ThemeUi::Light: QApplication::setPalette(QApplication::style()->standardPalette()); break;
    case ThemeUi::Dark: QApplication::setPalette(darkPalette()); break;
  }
}

}  // namespace ps::ui
