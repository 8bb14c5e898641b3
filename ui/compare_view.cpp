#include "ui/compare_view.h"

#include <QHBoxLayout>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QScrollBar>
#include <QSet>
#include <QTextEdit>
#include <QVBoxLayout>

namespace ps::ui {
namespace {

const char* kChanged = "#ffe0b2";

void diffJson(const QJsonValue& a, const QJsonValue& b, const QString& path, QStringList& out) {
  if (a.type() != b.type()) {
    out << path;
    return;
  }
  if (a.isObject()) {
    QJsonObject oa = a.toObject(), ob = b.toObject();
    QSet<QString> keys;
    for (auto it = oa.begin(); it != oa.end(); ++it) keys.insert(it.key());
    for (auto it = ob.begin(); it != ob.end(); ++it) keys.insert(it.key());
    QStringList sorted(keys.begin(), keys.end());
    sorted.sort();
    for (const auto& key : sorted) {
      QString sub = path + QLatin1Char('.') + key;
      if (!oa.contains(key) || !ob.contains(key))
        out << sub;
      else
        diffJson(oa.value(key), ob.value(key), sub, out);
    }
  } else if (a.isArray()) {
    QJsonArray xa = a.toArray(), xb = b.toArray();
    for (qsizetype i = 0; i < std::max(xa.size(), xb.size()); ++i) {
      QString sub = path + QStringLiteral("[%1]").arg(i);
      if (i >= xa.size() || i >= xb.size())
        out << sub;
      else
        diffJson(xa.at(i), xb.at(i), sub, out);
    }
  } else if (a != b) {
    out << path;
  }
}

// One rendered line of a JSON document: the path it shows and its text.
struct JsonLine {
  QString path;
  QString text;
};

void renderJson(const QJsonValue& v, const QString& path, const QString& key, int depth, bool comma,
                QVector<JsonLine>& out) {
  QString indent(depth * 2, QLatin1Char(' '));
  QString prefix = indent + (key.isNull() ? QString() : QStringLiteral("\"%1\": ").arg(key));
  QString tail = comma ? QStringLiteral(",") : QString();
  if (v.isObject()) {
    QJsonObject o = v.toObject();  // QJsonObject iterates keys sorted: key order is ignored
    out.push_back({path, prefix + QLatin1Char('{')});
    qsizetype i = 0;
    for (auto it = o.begin(); it != o.end(); ++it, ++i)
      renderJson(it.value(), path + QLatin1Char('.') + it.key(), it.key(), depth + 1, i + 1 < o.size(), out);
    out.push_back({path, indent + QLatin1Char('}') + tail});
  } else if (v.isArray()) {
    QJsonArray a = v.toArray();
    out.push_back({path, prefix + QLatin1Char('[')});
    for (qsizetype i = 0; i < a.size(); ++i)
      renderJson(a.at(i), path + QStringLiteral("[%1]").arg(i), QString(), depth + 1, i + 1 < a.size(), out);
    out.push_back({path, indent + QLatin1Char(']') + tail});
  } else {
    QJsonArray wrap{v};
    QString scalar = QString::fromUtf8(QJsonDocument(wrap).toJson(QJsonDocument::Compact));
    scalar = scalar.mid(1, scalar.size() - 2);
    out.push_back({path, prefix + scalar + tail});
  }
}

QString line(const QString& text, bool changed, int& highlighted) {
  if (changed) ++highlighted;
  QString escaped = text.toHtmlEscaped();
  return changed ? QStringLiteral("<div style=\"background:%1\">%2</div>").arg(QLatin1String(kChanged), escaped)
                 : QStringLiteral("<div>%1</div>").arg(escaped.isEmpty() ? QStringLiteral("&nbsp;") : escaped);
}

// Lines of `mine` absent from `theirs` by a longest common subsequence (bodies are bounded).
QVector<bool> changedLines(const QStringList& mine, const QStringList& theirs) {
  QVector<bool> changed(mine.size(), true);
  if (mine.size() * theirs.size() > 4'000'000) {
    for (qsizetype i = 0; i < mine.size(); ++i) changed[i] = i >= theirs.size() || mine[i] != theirs[i];
    return changed;
  }
  QVector<QVector<int>> l(mine.size() + 1, QVector<int>(theirs.size() + 1, 0));
  for (qsizetype i = mine.size() - 1; i >= 0; --i)
    for (qsizetype j = theirs.size() - 1; j >= 0; --j)
      l[i][j] = mine[i] == theirs[j] ? l[i + 1][j + 1] + 1 : std::max(l[i + 1][j], l[i][j + 1]);
  for (qsizetype i = 0, j = 0; i < mine.size() && j < theirs.size();) {
    if (mine[i] == theirs[j]) {
      changed[i] = false;
      ++i, ++j;
    } else if (l[i + 1][j] >= l[i][j + 1]) {
      ++i;
    } else {
      ++j;
    }
  }
  return changed;
}

}  // namespace

CompareView::CompareView(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  m_summary = new QLabel(this);
  m_summary->setWordWrap(true);
  layout->addWidget(m_summary);
  auto* panes = new QHBoxLayout;
  m_left = new QTextEdit(this);
  m_right = new QTextEdit(this);
  for (auto* pane : {m_left, m_right}) {
    pane->setReadOnly(true);
    pane->setLineWrapMode(QTextEdit::NoWrap);
    panes->addWidget(pane);
  }
  layout->addLayout(panes, 1);
  // Scroll together, so the same part of both flows stays in view.
  connect(m_left->verticalScrollBar(), &QScrollBar::valueChanged, m_right->verticalScrollBar(), &QScrollBar::setValue);
  connect(m_right->verticalScrollBar(), &QScrollBar::valueChanged, m_left->verticalScrollBar(), &QScrollBar::setValue);
}

QStringList CompareView::jsonDifferences(const QByteArray& left, const QByteArray& right, bool* bothJson) {
  QJsonParseError e1, e2;
  auto a = QJsonDocument::fromJson(left, &e1);
  auto b = QJsonDocument::fromJson(right, &e2);
  bool json = e1.error == QJsonParseError::NoError && e2.error == QJsonParseError::NoError;
  if (bothJson) *bothJson = json;
  QStringList out;
  if (!json) return out;
  QJsonValue va = a.isObject() ? QJsonValue(a.object()) : QJsonValue(a.array());
  QJsonValue vb = b.isObject() ? QJsonValue(b.object()) : QJsonValue(b.array());
  diffJson(va, vb, QStringLiteral("$"), out);
  return out;
}

void CompareView::render(const MessageDetail& a, const MessageDetail& b, const QString& title, QString& left,
                         QString& right) {
  left += QStringLiteral("<h3>%1</h3>").arg(title);
  right += QStringLiteral("<h3>%1</h3>").arg(title);
  left += line(a.firstLine, a.firstLine != b.firstLine, m_highlighted);
  right += line(b.firstLine, a.firstLine != b.firstLine, m_highlighted);
  QStringList ha, hb;
  for (const auto& [n, v] : a.headers) ha << n + QStringLiteral(": ") + v;
  for (const auto& [n, v] : b.headers) hb << n + QStringLiteral(": ") + v;
  auto ca = changedLines(ha, hb), cb = changedLines(hb, ha);
  for (qsizetype i = 0; i < ha.size(); ++i) left += line(ha[i], ca[i], m_highlighted);
  for (qsizetype i = 0; i < hb.size(); ++i) right += line(hb[i], cb[i], m_highlighted);
  left += QStringLiteral("<div>&nbsp;</div>");
  right += QStringLiteral("<div>&nbsp;</div>");

  bool json = false;
  QStringList diffs = jsonDifferences(a.body, b.body, &json);
  if (json) {
    m_bodyDifferences << diffs;
    QSet<QString> changed(diffs.begin(), diffs.end());
    auto emitJson = [&](const QByteArray& body, QString& out) {
      auto doc = QJsonDocument::fromJson(body);
      QVector<JsonLine> lines;
      renderJson(doc.isObject() ? QJsonValue(doc.object()) : QJsonValue(doc.array()), QStringLiteral("$"), QString(), 0,
                 false, lines);
      // A line is highlighted when it shows a differing path (containers only open/close it).
      for (const auto& l : lines) out += line(l.text, changed.contains(l.path), m_highlighted);
    };
    emitJson(a.body, left);
    emitJson(b.body, right);
    return;
  }
  QStringList ba = QString::fromUtf8(a.body).split(QLatin1Char('\n'));
  QStringList bb = QString::fromUtf8(b.body).split(QLatin1Char('\n'));
  auto da = changedLines(ba, bb), db = changedLines(bb, ba);
  for (qsizetype i = 0; i < ba.size(); ++i) left += line(ba[i], da[i], m_highlighted);
  for (qsizetype i = 0; i < bb.size(); ++i) right += line(bb[i], db[i], m_highlighted);
}

void CompareView::setFlows(const FlowDetail& left, const FlowDetail& right) {
  m_bodyDifferences.clear();
  m_highlighted = 0;
  QString l = QStringLiteral("<div style=\"font-family:monospace\"><b>#%1</b> %2").arg(left.id).arg(left.url.toHtmlEscaped());
  QString r = QStringLiteral("<div style=\"font-family:monospace\"><b>#%1</b> %2").arg(right.id).arg(right.url.toHtmlEscaped());
  render(left.request, right.request, tr("Request"), l, r);
  render(left.response, right.response, tr("Response"), l, r);
  m_left->setHtml(l + QStringLiteral("</div>"));
  m_right->setHtml(r + QStringLiteral("</div>"));
  m_summary->setText(m_bodyDifferences.isEmpty()
                         ? tr("#%1 vs #%2: %3 differing lines").arg(left.id).arg(right.id).arg(m_highlighted)
                         : tr("#%1 vs #%2: JSON differs at %3").arg(left.id).arg(right.id).arg(m_bodyDifferences.join(QStringLiteral(", "))));
}

}  // namespace ps::ui
