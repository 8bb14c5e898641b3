#include "ui/curl_command.h"

#include <QStringList>

namespace ps::ui {

QString shellQuote(const QString& text) {
  QString out = text;
  out.replace(QLatin1Char('\''), QLatin1String("'\\''"));
  return QLatin1Char('\'') + out + QLatin1Char('\'');
}

QString curlCommand(const FlowDetail& flow) {
  QStringList parts{QStringLiteral("curl")};
  const QString method = flow.request.firstLine.section(QLatin1Char(' '), 0, 0);
  const bool hasBody = !flow.request.body.isEmpty();
  if (!method.isEmpty() && !(method == QLatin1String("GET") && !hasBody) && !(method == QLatin1String("POST") && hasBody)) {
    parts << QStringLiteral("-X") << method;
  }
  parts << shellQuote(flow.url);
  for (const auto& [name, value] : flow.request.headers) {
    // curl derives these from the URL and the body; repeating them could contradict it.
    if (name.compare(QLatin1String("host"), Qt::CaseInsensitive) == 0 ||
        name.compare(QLatin1String("content-length"), Qt::CaseInsensitive) == 0) {
      continue;
    }
    parts << QStringLiteral("-H") << shellQuote(name + QLatin1String(": ") + value);
  }
  if (hasBody && !flow.request.truncated()) {
    parts << QStringLiteral("--data-binary") << shellQuote(QString::fromUtf8(flow.request.body));
  }
  return parts.join(QLatin1Char(' '));
}

}  // namespace ps::ui
