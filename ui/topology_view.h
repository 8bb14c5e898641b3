#pragma once
// TopologyView: the live picture of a TopologyModel. Clients on the left, Proxyscope at the
// boundary, servers (forward) or backends (reverse) on the right, each side framed by who
// configures it. Each flow travels as a dot client → proxy → server and back, coloured by status;
// under heavy traffic the dots give way to edges that thicken with the flow count (coalescing), so
// the view never slows the table or the engine.
#include <QElapsedTimer>
#include <QGraphicsView>
#include <QTimer>
#include <deque>

#include "ui/topology_model.h"

class QGraphicsEllipseItem;

namespace ps::ui {

class TopologyView : public QGraphicsView {
  Q_OBJECT
 public:
  explicit TopologyView(TopologyModel* model, QWidget* parent = nullptr);

  // Writes the current picture: .svg as vector graphics, anything else as PNG.
  bool exportImage(const QString& path);
  int activeDots() const { return static_cast<int>(m_dots.size()); }
  bool coalescing() const { return m_coalescing; }
  // Dots allowed per second before edges take over; tests lower it.
  void setDotRateLimit(int perSecond) { m_dotRateLimit = perSecond; }

 signals:
  // A node or edge was clicked: select these flows (filter-language expression).
  void filterRequested(const QString& filter);

 protected:
  void resizeEvent(QResizeEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;

 private:
  void scheduleRebuild();
  void rebuild();
  void onFlowPassed(const QString& clientId, const QString& serverId, int status, bool error);
  void tick();
  QPointF anchor(const QString& nodeId) const;

  struct Dot {
    QGraphicsEllipseItem* item = nullptr;
    QPointF a, b, c;  // client, proxy, server
    qint64 born = 0;
  };

  TopologyModel* m_model;
  QGraphicsScene m_scene;
  QTimer m_rebuildTimer;
  QTimer m_animationTimer;
  QElapsedTimer m_clock;
  std::deque<Dot> m_dots;
  std::deque<qint64> m_recent;  // times of recent flows, for the rate
  QHash<QString, QPointF> m_anchors;
  int m_dotRateLimit = 40;
  bool m_coalescing = false;
};

}  // namespace ps::ui
