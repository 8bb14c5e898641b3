#include "ui/topology_view.h"

#include <QApplication>
#include <QGraphicsEllipseItem>
#include <QGraphicsRectItem>
#include <QGraphicsSimpleTextItem>
#include <QImage>
#include <QMouseEvent>
#include <QPainter>
#include <QPalette>
#include <QSvgGenerator>
#include <cmath>

namespace ps::ui {

namespace {
constexpr int kMaxNodesPerSide = 7;
constexpr qint64 kDotLifeMs = 1400;
constexpr int kFilterRole = 0;  // QGraphicsItem::data key holding the filter expression

QColor statusColor(int status, bool error) {
  if (error || status >= 500) return QColor(0xdc, 0x26, 0x26);
  if (status >= 400) return QColor(0xea, 0x8a, 0x00);
  if (status >= 300) return QColor(0x25, 0x63, 0xeb);
  if (status >= 200) return QColor(0x16, 0xa3, 0x4a);
  return QColor(0x6b, 0x72, 0x80);
}

QPointF along(const QPointF& a, const QPointF& b, double t) { return a + (b - a) * t; }
}  // namespace

TopologyView::TopologyView(TopologyModel* model, QWidget* parent) : QGraphicsView(parent), m_model(model) {
  setScene(&m_scene);
  setRenderHint(QPainter::Antialiasing);
  setMinimumSize(520, 320);
  setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  m_rebuildTimer.setSingleShot(true);
  m_rebuildTimer.setInterval(100);  // at most 10 rebuilds a second, however fast flows arrive
  connect(&m_rebuildTimer, &QTimer::timeout, this, &TopologyView::rebuild);
  m_animationTimer.setInterval(33);
  connect(&m_animationTimer, &QTimer::timeout, this, &TopologyView::tick);
  connect(m_model, &TopologyModel::changed, this, &TopologyView::scheduleRebuild);
  connect(m_model, &TopologyModel::flowPassed, this, &TopologyView::onFlowPassed);
  m_clock.start();
  rebuild();
}

void TopologyView::scheduleRebuild() {
  if (!m_rebuildTimer.isActive()) m_rebuildTimer.start();
}

void TopologyView::resizeEvent(QResizeEvent* event) {
  QGraphicsView::resizeEvent(event);
  rebuild();
}

QPointF TopologyView::anchor(const QString& nodeId) const {
  if (auto it = m_anchors.find(nodeId); it != m_anchors.end()) return *it;
  if (auto more = m_anchors.find(nodeId.startsWith(QLatin1String("client")) || nodeId.startsWith(QLatin1String("app"))
                                     ? QStringLiteral("more:clients")
                                     : QStringLiteral("more:servers"));
      more != m_anchors.end()) {
    return *more;
  }
  return m_anchors.value(QStringLiteral("proxy"));
}

void TopologyView::rebuild() {
  // Dots hold scene items; they are re-created relative to the new anchors on the next flows.
  for (auto& d : m_dots) delete d.item;
  m_dots.clear();
  m_scene.clear();
  m_anchors.clear();

  const QPalette pal = palette();
  const QColor text = pal.color(QPalette::WindowText);
  const QColor base = pal.color(QPalette::Base);
  const QColor mid = pal.color(QPalette::Mid);
  const double w = std::max(520, viewport()->width());
  const double h = std::max(320, viewport()->height());
  m_scene.setSceneRect(0, 0, w, h);
  const bool forward = m_model->mode() == TopologyMode::Forward;

  // The frames: who configures which side.
  const double boundary = w * 0.5;
  QColor ours = forward ? QColor(0x38, 0xbd, 0xf8, 40) : QColor(0xfb, 0xbf, 0x24, 40);
  QRectF leftFrame(10, 34, boundary - 10, h - 44);
  QRectF rightFrame(boundary, 34, w - boundary - 10, h - 44);
  auto frame = [&](const QRectF& r, bool owned, const QString& title) {
    auto* rect = m_scene.addRect(r, QPen(owned ? ours.darker(300) : mid, 1.5, owned ? Qt::SolidLine : Qt::DashLine),
                                 owned ? QBrush(ours) : QBrush(Qt::NoBrush));
    rect->setZValue(-10);
    auto* label = m_scene.addSimpleText(title);
    label->setBrush(text);
    QFont f = label->font();
    f.setBold(owned);
    label->setFont(f);
    label->setPos(r.left() + 8, 10);
  };
  frame(leftFrame, forward, forward ? tr("your side — configured by the client") : tr("the internet — clients"));
  frame(rightFrame, !forward, forward ? tr("the internet — servers") : tr("the server side — configured by the operator"));

  auto place = [&](const std::vector<TopologyNode>& nodes, double x, const QString& moreId) {
    int shown = std::min<int>(static_cast<int>(nodes.size()), kMaxNodesPerSide);
    quint64 rest = 0;
    for (size_t i = static_cast<size_t>(shown); i < nodes.size(); ++i) rest += nodes[i].flows;
    int slotCount = shown + (rest > 0 ? 1 : 0);
    double top = 60, bottom = h - 30;
    double step = slotCount > 0 ? (bottom - top) / slotCount : 0;
    for (int i = 0; i < slotCount; ++i) {
      QPointF c(x, top + step * (i + 0.5));
      bool isMore = i == shown;
      const TopologyNode* n = isMore ? nullptr : &nodes[static_cast<size_t>(i)];
      QString id = isMore ? moreId : n->id;
      m_anchors[id] = c;
      QColor fill = isMore ? base : (n->down ? QColor(0xdc, 0x26, 0x26) : statusColor(n->lastStatus, false).lighter(170));
      QString label = isMore ? tr("+%1 more (%2 flows)").arg(nodes.size() - static_cast<size_t>(shown)).arg(rest)
                             : QStringLiteral("%1  ·  %2").arg(n->label.left(28)).arg(n->flows);
      if (!isMore && n->role == TopologyNode::Role::Backend) {
        label = QStringLiteral("%1  %2%").arg(n->label.left(20)).arg(qRound(m_model->share(n->id) * 100.0));
        if (n->weight > 0) label += QStringLiteral("  w%1").arg(n->weight);
        if (n->down) label += tr("  DOWN");
      }
      auto* t = m_scene.addSimpleText(label);
      t->setBrush(n != nullptr && n->down ? QBrush(Qt::white) : QBrush(Qt::black));
      t->setZValue(2);
      const double boxWidth = std::max(140.0, t->boundingRect().width() + 20);
      auto* box = m_scene.addRect(QRectF(c.x() - boxWidth / 2, c.y() - 16, boxWidth, 32), QPen(text.lighter(150)), fill);
      box->setZValue(1);
      box->setData(kFilterRole, isMore ? QString() : n->filter);
      box->setToolTip(isMore ? tr("%1 more").arg(nodes.size() - static_cast<size_t>(shown))
                             : tr("%1\n%2 flows, %3 errors\nclick to show them").arg(n->label).arg(n->flows).arg(n->errors));
      t->setPos(c.x() - t->boundingRect().width() / 2, c.y() - t->boundingRect().height() / 2);
      t->setData(kFilterRole, box->data(kFilterRole));
    }
  };
  place(m_model->clients(), w * 0.17, QStringLiteral("more:clients"));
  place(m_model->servers(), w * 0.83, QStringLiteral("more:servers"));

  // Proxyscope on the boundary.
  QPointF p(boundary, h * 0.5 + 10);
  m_anchors[QStringLiteral("proxy")] = p;
  auto* proxyText = m_scene.addSimpleText(tr("Proxyscope\n%1\nstands in for the %2")
                                              .arg(m_model->proxyAddress(), forward ? tr("client") : tr("server")));
  proxyText->setBrush(Qt::white);
  proxyText->setZValue(6);
  QRectF textRect = proxyText->boundingRect();
  QRectF proxyRect(p.x() - textRect.width() / 2 - 14, p.y() - textRect.height() / 2 - 10, textRect.width() + 28,
                   textRect.height() + 20);
  auto* proxyBox = m_scene.addRect(proxyRect, QPen(text, 2), QColor(0x1f, 0x2a, 0x44));
  proxyBox->setZValue(5);
  proxyText->setPos(p.x() - textRect.width() / 2, p.y() - textRect.height() / 2);

  // Edges thicken with traffic (log scale); red share for errors.
  for (const auto& e : m_model->edges()) {
    QPointF a = anchor(e.from), b = anchor(e.to);
    double width = 1.0 + 2.0 * std::log2(1.0 + static_cast<double>(e.flows));
    QColor c = e.errors * 4 > e.flows ? QColor(0xdc, 0x26, 0x26) : mid.darker(130);
    auto* line = m_scene.addLine(QLineF(a, b), QPen(c, std::min(width, 18.0), Qt::SolidLine, Qt::RoundCap));
    line->setZValue(-1);
    const TopologyNode* far = m_model->node(e.from == QLatin1String("proxy") ? e.to : e.from);
    line->setData(kFilterRole, far != nullptr ? far->filter : QString());
    line->setToolTip(tr("%1 flows, %2 errors").arg(e.flows).arg(e.errors));
  }
  if (m_coalescing) {
    auto* note = m_scene.addSimpleText(tr("busy: showing totals instead of single flows"));
    note->setBrush(text);
    note->setPos(boundary - note->boundingRect().width() / 2, h - 24);
  }
}

void TopologyView::onFlowPassed(const QString& clientId, const QString& serverId, int status, bool error) {
  qint64 now = m_clock.elapsed();
  m_recent.push_back(now);
  while (!m_recent.empty() && now - m_recent.front() > 1000) m_recent.pop_front();
  bool busy = static_cast<int>(m_recent.size()) > m_dotRateLimit;
  if (busy != m_coalescing) {
    m_coalescing = busy;
    scheduleRebuild();
  }
  if (busy || m_dots.size() >= static_cast<size_t>(m_dotRateLimit)) return;
  Dot d;
  d.a = anchor(clientId);
  d.b = anchor(QStringLiteral("proxy"));
  d.c = anchor(serverId);
  d.born = now;
  d.item = m_scene.addEllipse(-5, -5, 10, 10, Qt::NoPen, statusColor(status, error));
  d.item->setZValue(10);
  d.item->setPos(d.a);
  m_dots.push_back(d);
  if (!m_animationTimer.isActive()) m_animationTimer.start();
}

void TopologyView::tick() {
  qint64 now = m_clock.elapsed();
  while (!m_dots.empty() && now - m_dots.front().born > kDotLifeMs) {
    delete m_dots.front().item;
    m_dots.pop_front();
  }
  for (auto& d : m_dots) {
    // out: client → proxy → server in the first half; back the same way in the second.
    double t = static_cast<double>(now - d.born) / kDotLifeMs;
    double u = t < 0.5 ? t * 2 : (1.0 - t) * 2;
    d.item->setPos(u < 0.5 ? along(d.a, d.b, u * 2) : along(d.b, d.c, (u - 0.5) * 2));
  }
  if (m_dots.empty()) m_animationTimer.stop();
}

void TopologyView::mousePressEvent(QMouseEvent* event) {
  if (QGraphicsItem* item = itemAt(event->pos())) {
    QString filter = item->data(kFilterRole).toString();
    if (!filter.isEmpty()) {
      emit filterRequested(filter);
      return;
    }
  }
  QGraphicsView::mousePressEvent(event);
}

bool TopologyView::exportImage(const QString& path) {
  QRectF source = m_scene.sceneRect();
  if (path.endsWith(QLatin1String(".svg"), Qt::CaseInsensitive)) {
    QSvgGenerator svg;
    svg.setFileName(path);
    svg.setSize(source.size().toSize());
    svg.setViewBox(source);
    svg.setTitle(tr("Proxyscope topology"));
    QPainter painter;
    if (!painter.begin(&svg)) return false;
    m_scene.render(&painter, source, source);
    return painter.end();
  }
  QImage image(source.size().toSize() * 2, QImage::Format_ARGB32_Premultiplied);
  image.fill(palette().color(QPalette::Base));
  QPainter painter(&image);
  painter.setRenderHint(QPainter::Antialiasing);
  m_scene.render(&painter, QRectF(QPointF(0, 0), image.size()), source);
  painter.end();
  return image.save(path, "PNG");
}

}  // namespace ps::ui
