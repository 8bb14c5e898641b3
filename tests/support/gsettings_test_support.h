#pragma once
// The real `gsettings` (keyfile backend in a test's XDG_CONFIG_HOME) for the system-proxy suites:
// reading and writing keys, and the "prior" user settings every restore is checked against.
#include <QProcessEnvironment>
#include <QString>

namespace ps::test {

// "<timeout>" when gsettings does not answer in 10 s.
QString gsettingsGet(const QProcessEnvironment& env, const QString& schema, const QString& key);
bool gsettingsSet(const QProcessEnvironment& env, const QString& schema, const QString& key, const QString& value);
// The user's settings before Proxyscope: a manual corporate proxy and an ignore list.
bool setPriorProxy(const QProcessEnvironment& env);
// QCOMPAREs that exactly those values are back (the caller checks QTest::currentTestFailed()).
void verifyPriorProxy(const QProcessEnvironment& env);

}  // namespace ps::test
