#include "ui/flow_detail.h"

namespace ps::ui {

namespace {
QString firstValue(const HeaderList& headers, QLatin1String name) {
  for (const auto& [n, v] : headers) {
    if (n.compare(name, Qt::CaseInsensitive) == 0) return v.trimmed();
  }
  return {};
}
}  // namespace

QString MessageDetail::contentType() const { return firstValue(headers, QLatin1String("content-type")); }
QString MessageDetail::contentEncoding() const { return firstValue(headers, QLatin1String("content-encoding")); }

}  // namespace ps::ui
