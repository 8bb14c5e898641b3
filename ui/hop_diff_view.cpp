#include "ui/hop_diff_view.h"

namespace ps::ui {

namespace {

QString side(const QString& title, const QString& line, const QVector<HopDiffLine>& lines) {
  QString html = QStringLiteral("<h4>%1</h4><p><code>%2</code></p><table cellspacing=0 cellpadding=2>").arg(title, line.toHtmlEscaped());
  for (const auto& l : lines) {
    QString style;
    QString mark = QStringLiteral("&nbsp;");
    switch (l.change) {
      case HopDiffLine::Change::Removed:
        style = QStringLiteral("background:#f6d4d4;color:#7a1010;text-decoration:line-through");
        mark = QStringLiteral("−");
        break;
      case HopDiffLine::Change::Added:
        style = QStringLiteral("background:#d4f0d8;color:#0f5a22");
        mark = QStringLiteral("+");
        break;
      case HopDiffLine::Change::Changed:
        style = QStringLiteral("background:#f6ecc8;color:#6a4a00");
        mark = QStringLiteral("~");
        break;
      case HopDiffLine::Change::Same: break;
    }
    html += QStringLiteral("<tr style=\"%1\"><td>%2</td><td><b>%3</b>: %4</td></tr>")
                .arg(style, mark, l.name.toHtmlEscaped(), l.value.toHtmlEscaped());
  }
  return html + QStringLiteral("</table>");
}

}  // namespace

HopDiffView::HopDiffView(QWidget* parent) : QTextBrowser(parent) { clearDiff(); }

void HopDiffView::showDiff(const HopDiff& diff) {
  m_diff = diff;
  QString html = QStringLiteral("<table width=100%><tr><td valign=top width=50%>%1</td><td valign=top width=50%>%2</td></tr></table>")
                     .arg(side(tr("As received from the client"), diff.receivedLine, diff.received),
                          side(tr("As sent upstream"), diff.sentLine, diff.sent));
  if (!diff.notes.isEmpty()) {
    html += QStringLiteral("<ul>");
    for (const QString& note : diff.notes) html += QStringLiteral("<li>%1</li>").arg(note.toHtmlEscaped());
    html += QStringLiteral("</ul>");
  }
  html += QStringLiteral("<p><small>%1</small></p>")
              .arg(tr("Red: removed (hop-by-hop, RFC 9110 7.6.1). Green: added by the proxy (X-Forwarded-*, RFC 7239 "
                      "Forwarded). Yellow: changed."));
  setHtml(html);
}

void HopDiffView::clearDiff() {
  m_diff = {};
  setHtml(tr("<p>Select a flow to compare the request as received with the request as sent upstream.</p>"));
}

}  // namespace ps::ui
