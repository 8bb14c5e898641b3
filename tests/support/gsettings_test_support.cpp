#include "tests/support/gsettings_test_support.h"

#include <QProcess>
#include <QTest>

namespace ps::test {

QString gsettingsGet(const QProcessEnvironment& env, const QString& schema, const QString& key) {
  QProcess p;
  p.setProcessEnvironment(env);
  p.start(QStringLiteral("gsettings"), {QStringLiteral("get"), schema, key});
  if (!p.waitForFinished(10000)) return QStringLiteral("<timeout>");
  return QString::fromUtf8(p.readAllStandardOutput()).trimmed();
}

bool gsettingsSet(const QProcessEnvironment& env, const QString& schema, const QString& key, const QString& value) {
  QProcess p;
  p.setProcessEnvironment(env);
  p.start(QStringLiteral("gsettings"), {QStringLiteral("set"), schema, key, value});
  return p.waitForFinished(10000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
}

bool setPriorProxy(const QProcessEnvironment& env) {
  return gsettingsSet(env, "org.gnome.system.proxy", "mode", "manual") &&
         gsettingsSet(env, "org.gnome.system.proxy.http", "host", "corp.example") &&
         gsettingsSet(env, "org.gnome.system.proxy.http", "port", "3128") &&
         gsettingsSet(env, "org.gnome.system.proxy", "ignore-hosts", "['intranet.example', 'localhost']");
}

void verifyPriorProxy(const QProcessEnvironment& env) {
  QCOMPARE(gsettingsGet(env, "org.gnome.system.proxy", "mode"), QString("'manual'"));
  QCOMPARE(gsettingsGet(env, "org.gnome.system.proxy.http", "host"), QString("'corp.example'"));
  QCOMPARE(gsettingsGet(env, "org.gnome.system.proxy.http", "port"), QString("3128"));
  QCOMPARE(gsettingsGet(env, "org.gnome.system.proxy", "ignore-hosts"), QString("['intranet.example', 'localhost']"));
  QCOMPARE(gsettingsGet(env, "org.gnome.system.proxy.https", "host"), QString("''"));
}

}  // namespace ps::test
