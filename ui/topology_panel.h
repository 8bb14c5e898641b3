#pragma once
// TopologyPanel: the "See the direction" tab. The live TopologyView, the "who sees whom" callouts
// computed from the flows, and the forward-vs-reverse comparison card with the current mode's
// column highlighted; every callout links to the flows that show it.
#include <QWidget>

#include "ui/topology_model.h"

class QLabel;
class QTableWidget;
class QTimer;

namespace ps::ui {

class TopologyView;

class TopologyPanel : public QWidget {
  Q_OBJECT
 public:
  explicit TopologyPanel(TopologyModel* model, QWidget* parent = nullptr);
  TopologyView* view() const { return m_view; }
  QTableWidget* comparisonCard() const { return m_card; }
  QString calloutText() const;  // plain text of the callouts shown (tests, accessibility)

 signals:
  void filterRequested(const QString& filter);

 private:
  void refresh();
  void exportPicture();

  TopologyModel* m_model;
  TopologyView* m_view;
  QLabel* m_callouts;
  QTableWidget* m_card;
  QTimer* m_refresh;
};

}  // namespace ps::ui
