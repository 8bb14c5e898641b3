#include "ui/topology_panel.h"

#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

#include "ui/topology_view.h"

namespace ps::ui {

namespace {
// The comparison card of DESIGN.md: rows are the questions, columns the two directions.
struct CardRow {
  const char* question;
  const char* forward;
  const char* reverse;
};
constexpr CardRow kCard[] = {
    {"stands in for", "the client", "the server"},
    {"hidden party", "the client's identity", "the servers' topology"},
    {"sits in front of", "a group of clients", "a group of servers"},
    {"typical use", "filtering, anonymity, outbound cache, inspection",
     "load balancing, TLS termination, caching, compression, filtering"},
    {"set up by", "the client side (system proxy, app settings)", "the server operator"},
};
}  // namespace

TopologyPanel::TopologyPanel(TopologyModel* model, QWidget* parent) : QWidget(parent), m_model(model) {
  m_view = new TopologyView(model, this);
  m_callouts = new QLabel(this);
  m_callouts->setWordWrap(true);
  m_callouts->setTextFormat(Qt::RichText);
  m_callouts->setAlignment(Qt::AlignTop | Qt::AlignLeft);
  m_callouts->setMinimumWidth(300);
  connect(m_callouts, &QLabel::linkActivated, this, [this](const QString& link) {
    if (link.startsWith(QLatin1String("filter:"))) emit filterRequested(link.mid(7));
  });

  m_card = new QTableWidget(static_cast<int>(std::size(kCard)), 2, this);
  m_card->setHorizontalHeaderLabels({tr("forward proxy"), tr("reverse proxy")});
  for (int r = 0; r < static_cast<int>(std::size(kCard)); ++r) {
    m_card->setVerticalHeaderItem(r, new QTableWidgetItem(tr(kCard[r].question)));
    m_card->setItem(r, 0, new QTableWidgetItem(tr(kCard[r].forward)));
    m_card->setItem(r, 1, new QTableWidgetItem(tr(kCard[r].reverse)));
  }
  m_card->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_card->setSelectionMode(QAbstractItemView::NoSelection);
  m_card->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
  m_card->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  m_card->setWordWrap(true);
  m_card->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  m_card->setMinimumHeight(370);

  auto* exportButton = new QPushButton(tr("Export picture…"), this);
  exportButton->setToolTip(tr("Save the current picture as PNG or SVG, for slides"));
  connect(exportButton, &QPushButton::clicked, this, &TopologyPanel::exportPicture);

  auto* side = new QWidget(this);
  auto* sideLayout = new QVBoxLayout(side);
  sideLayout->setContentsMargins(6, 0, 0, 0);
  auto* whoTitle = new QLabel(tr("<b>Who sees whom</b>"), side);
  sideLayout->addWidget(whoTitle);
  sideLayout->addWidget(m_callouts, 1);
  sideLayout->addWidget(new QLabel(tr("<b>Forward or reverse?</b>"), side));
  sideLayout->addWidget(m_card);
  sideLayout->addWidget(exportButton, 0, Qt::AlignRight);

  auto* split = new QSplitter(Qt::Horizontal, this);
  split->addWidget(m_view);
  split->addWidget(side);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 2);
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(split);

  connect(m_view, &TopologyView::filterRequested, this, &TopologyPanel::filterRequested);
  // Callouts are recomputed at most 4 times a second, however fast flows arrive.
  m_refresh = new QTimer(this);
  m_refresh->setSingleShot(true);
  m_refresh->setInterval(250);
  connect(m_refresh, &QTimer::timeout, this, &TopologyPanel::refresh);
  connect(m_model, &TopologyModel::changed, this, [this] {
    if (!m_refresh->isActive()) m_refresh->start();
  });
  refresh();
}

QString TopologyPanel::calloutText() const {
  QStringList parts;
  for (const auto& c : m_model->callouts()) parts << c.title + QStringLiteral(": ") + c.text;
  return parts.join('\n');
}

void TopologyPanel::refresh() {
  QString html;
  for (const auto& c : m_model->callouts()) {
    html += QStringLiteral("<p><b>%1</b><br>%2").arg(c.title.toHtmlEscaped(), c.text.toHtmlEscaped());
    if (!c.filter.isEmpty()) {
      html += QStringLiteral(" <a href=\"filter:%1\">%2</a>").arg(c.filter.toHtmlEscaped(), tr("show the flows"));
    }
    html += QStringLiteral("</p>");
  }
  m_callouts->setText(html);
  const int current = m_model->mode() == TopologyMode::Forward ? 0 : 1;
  const QColor highlight = palette().color(QPalette::Highlight);
  for (int r = 0; r < m_card->rowCount(); ++r) {
    for (int c = 0; c < 2; ++c) {
      QTableWidgetItem* item = m_card->item(r, c);
      QFont f = item->font();
      f.setBold(c == current);
      item->setFont(f);
      item->setBackground(c == current ? QBrush(QColor(highlight.red(), highlight.green(), highlight.blue(), 60)) : QBrush());
      item->setForeground(c == current ? palette().brush(QPalette::Text) : palette().brush(QPalette::PlaceholderText));
    }
  }
}

void TopologyPanel::exportPicture() {
  QString path = QFileDialog::getSaveFileName(this, tr("Export topology"), QStringLiteral("proxyscope-topology.png"),
                                              tr("PNG image (*.png);;SVG drawing (*.svg)"));
  if (!path.isEmpty()) m_view->exportImage(path);
}

}  // namespace ps::ui
