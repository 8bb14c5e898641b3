#include "ui/inspector.h"

#include <QTextBrowser>
#include <algorithm>

#include "ui/format.h"
#include "ui/message_view.h"

namespace ps::ui {

namespace {
QString row(const QString& name, const QString& value) {
  return QStringLiteral("<tr><td style='padding-right:16px'><b>%1</b></td><td>%2</td></tr>").arg(name, value);
}
QString esc(const QString& s) { return s.toHtmlEscaped(); }
}  // namespace

Inspector::Inspector(QWidget* parent) : QTabWidget(parent) {
  m_overview = new QTextBrowser(this);
  m_overview->setOpenLinks(false);
  m_request = new MessageView(this);
  m_response = new MessageView(this);
  addTab(m_overview, tr("Overview"));
  addTab(m_request, tr("Request"));
  addTab(m_response, tr("Response"));
  setDocumentMode(true);
  clearFlow();
}

void Inspector::showFlow(const FlowDetail& flow) {
  m_flowId = flow.id;
  m_overview->setHtml(overviewHtml(flow));
  m_request->showMessage(flow.request, tr("No request"));
  m_response->showMessage(flow.response, flow.errorKind.isEmpty() ? tr("No response yet") : tr("No response (%1)").arg(flow.errorKind));
}

void Inspector::clearFlow() {
  m_flowId = 0;
  m_overview->setHtml(QStringLiteral("<p style='color:%1'>%2</p>")
                          .arg(palette().color(QPalette::PlaceholderText).name(), tr("Select a flow to inspect it.")));
  m_request->clearMessage();
  m_response->clearMessage();
}

QString Inspector::overviewHtml(const FlowDetail& f) const {
  // Colours come from the palette, except the error red (two shades: light and dark bases).
  const bool dark = palette().color(QPalette::Base).lightness() < 128;
  const QString red = dark ? QStringLiteral("#f85149") : QStringLiteral("#cf222e");
  QString html = QStringLiteral("<h3 style='margin-bottom:4px'>%1</h3>").arg(esc(f.url));
  if (!f.errorKind.isEmpty()) {
    html += QStringLiteral("<p style='color:%1'><b>%2</b>: %3</p>").arg(red, esc(f.errorKind), esc(f.errorMessage));
  }
  html += QStringLiteral("<table cellspacing='2'>");
  html += row(tr("Flow"), QStringLiteral("#%1 · %2 · %3").arg(f.id).arg(esc(f.kind), esc(f.mode)));
  html += row(tr("Status"), f.status > 0 ? QStringLiteral("%1 %2").arg(f.status).arg(esc(f.reason)) : tr("—"));
  html += row(tr("Client"), esc(f.clientAddress));
  html += row(tr("Server"), f.serverAddress.isEmpty() ? tr("—") : esc(f.serverAddress));
  if (!f.backend.isEmpty()) html += row(tr("Backend"), esc(f.backend));
  if (!f.tags.isEmpty()) html += row(tr("Tags"), esc(f.tags));
  html += row(tr("Started"), formatClockMicros(f.start));
  html += row(tr("Duration"), f.durationMicros > 0 ? formatDurationMicros(f.durationMicros) : tr("in progress"));
  html += row(tr("Bytes"), tr("%1 from client · %2 to client").arg(formatBytes(f.bytesFromClient), formatBytes(f.bytesToClient)));
  html += row(tr("Request body"), formatBytes(f.request.bodySize));
  if (f.response.present) html += row(tr("Response body"), formatBytes(f.response.bodySize));
  html += QStringLiteral("</table>");
  if (!f.timings.isEmpty()) {
    // A waterfall: each phase a bar placed at its offset, scaled to the whole exchange.
    const double total = static_cast<double>(std::max<int64_t>(1, f.timings.back().toMicros));
    const QString bar = palette().color(QPalette::Highlight).name();
    html += QStringLiteral("<h4 style='margin-bottom:2px'>%1</h4><table cellspacing='1'>").arg(tr("Timings"));
    for (const auto& t : f.timings) {
      const int before = static_cast<int>(100.0 * static_cast<double>(t.fromMicros) / total);
      const int width = std::max(1, static_cast<int>(100.0 * static_cast<double>(t.toMicros - t.fromMicros) / total));
      const int after = std::max(0, 100 - before - width);
      QString cells;
      if (before > 0) cells += QStringLiteral("<td width='%1%'></td>").arg(before);
      cells += QStringLiteral("<td width='%1%' bgcolor='%2' style='font-size:4pt'>&nbsp;</td>").arg(width).arg(bar);
      if (after > 0) cells += QStringLiteral("<td width='%1%'></td>").arg(after);
      html += QStringLiteral("<tr><td style='padding-right:12px'>%1</td><td align='right' style='padding-right:12px'>%2</td>"
                             "<td width='360'><table width='100%' cellspacing='0' cellpadding='0'><tr>%3</tr></table></td></tr>")
                  .arg(esc(t.phase), t.toMicros > t.fromMicros ? formatDurationMicros(t.toMicros - t.fromMicros) : QStringLiteral("0"), cells);
    }
    html += QStringLiteral("</table>");
  }
  return html;
}

}  // namespace ps::ui
