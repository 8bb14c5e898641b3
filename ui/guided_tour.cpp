#include "ui/guided_tour.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QPushButton>
#include <QSettings>
#include <QTabWidget>
#include <QTimer>
#include <QUrl>
#include <QVBoxLayout>

#include "ui/engine_bridge.h"
#include "ui/main_window.h"

namespace ps::ui {

namespace {

struct Step {
  const char* title;
  const char* sentence;
};

// One sentence per step (issue 9).
const Step kSteps[] = {
    {"Forward proxy", "Forward mode: Proxyscope stands in for the client — apps send their requests to it and it "
                      "forwards them to the servers."},
    {"A page through the proxy", "The app just fetched a demo page through the proxy: the flows appear in the list, "
                                 "and the server only ever saw the proxy's address."},
    {"Reverse proxy", "Reverse mode: Proxyscope now stands in for the servers — clients see one address while three "
                      "demo backends answer in turn."},
    {"A failing backend", "A fourth backend fails most of its requests: it turns red once ejected and the traffic "
                          "visibly moves to the three healthy ones."},
    {"The hop diff", "Select any flow and open the inspector's Hop diff tab: the headers the proxy removed and added "
                     "between the client and the server."},
};
constexpr int kStepCount = static_cast<int>(sizeof(kSteps) / sizeof(kSteps[0]));

void showTab(MainWindow& window, const QString& prefix) {
  QTabWidget* tabs = window.tabs();
  for (int i = 0; i < tabs->count(); ++i) {
    if (tabs->tabText(i).startsWith(prefix)) tabs->setCurrentIndex(i);
  }
}

}  // namespace

GuidedTour::GuidedTour(MainWindow& window)
    : QFrame(&window, Qt::Tool | Qt::WindowStaysOnTopHint), m_window(window), m_net(new QNetworkAccessManager(this)) {
  setWindowTitle(tr("Guided tour"));
  setFrameShape(QFrame::StyledPanel);
  auto* layout = new QVBoxLayout(this);
  m_title = new QLabel(this);
  QFont bold = m_title->font();
  bold.setBold(true);
  m_title->setFont(bold);
  m_text = new QLabel(this);
  m_text->setWordWrap(true);
  m_text->setMinimumWidth(320);
  layout->addWidget(m_title);
  layout->addWidget(m_text);
  auto* buttons = new QHBoxLayout;
  m_back = new QPushButton(tr("Back"), this);
  m_next = new QPushButton(tr("Next"), this);
  buttons->addStretch();
  buttons->addWidget(m_back);
  buttons->addWidget(m_next);
  layout->addLayout(buttons);
  connect(m_back, &QPushButton::clicked, this, &GuidedTour::back);
  connect(m_next, &QPushButton::clicked, this, &GuidedTour::next);
}

GuidedTour::~GuidedTour() = default;

int GuidedTour::stepCount() const { return kStepCount; }

QString GuidedTour::sentence() const { return m_step >= 0 && m_step < kStepCount ? tr(kSteps[m_step].sentence) : QString(); }

void GuidedTour::begin() {
  enter(0);
  show();
  const QRect frame = m_window.geometry();
  move(frame.right() - width() - 24, frame.bottom() - height() - 48);
}

void GuidedTour::next() {
  if (m_step + 1 >= kStepCount) {
    hide();
    emit finished();
    return;
  }
  enter(m_step + 1);
}

void GuidedTour::back() {
  if (m_step > 0) enter(m_step - 1);
}

quint16 GuidedTour::proxyPort() const {
  const QString address = m_window.bridge().listenAddress();
  return static_cast<quint16>(address.section(QLatin1Char(':'), -1).toUInt());
}

void GuidedTour::fetch(const QString& url, bool throughProxy, int times) {
  // The app is the client: loopback only, so the tour needs no browser and no internet. Fresh
  // connections each step: a kept-alive one would stay on the configuration it started with (the
  // engine swaps configurations for new connections only).
  m_net->clearConnectionCache();
  m_net->setProxy(throughProxy ? QNetworkProxy(QNetworkProxy::HttpProxy, QStringLiteral("127.0.0.1"), proxyPort())
                               : QNetworkProxy(QNetworkProxy::NoProxy));
  for (int i = 0; i < times; ++i) {
    QNetworkRequest request{QUrl(url)};
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    QNetworkReply* reply = m_net->get(request);
    ++m_sent;
    connect(reply, &QNetworkReply::finished, this, [this, reply] {
      ++m_answered;
      reply->deleteLater();
    });
  }
}

void GuidedTour::enter(int step) {
  m_step = step;
  m_title->setText(tr("Step %1 of %2 — %3").arg(step + 1).arg(kStepCount).arg(tr(kSteps[step].title)));
  m_text->setText(tr(kSteps[step].sentence));
  m_back->setEnabled(step > 0);
  m_next->setText(step + 1 == kStepCount ? tr("Finish") : tr("Next"));
  EngineBridge& bridge = m_window.bridge();
  switch (step) {
    case 0:
      if (m_window.modeBox()->currentIndex() != 0) m_window.modeBox()->setCurrentIndex(0);
      if (!bridge.running()) m_window.startProxy();
      showTab(m_window, tr("See"));
      break;
    case 1:
      if (m_origins.isEmpty()) m_origins = bridge.startExtraDemoBackends(1);
      if (!m_origins.isEmpty() && bridge.running()) fetch(m_origins.front() + QStringLiteral("/welcome"), true, 5);
      showTab(m_window, tr("See"));
      break;
    case 2:
      if (m_window.modeBox()->currentIndex() != 1) m_window.modeBox()->setCurrentIndex(1);
      if (!bridge.running()) m_window.startProxy();
      if (bridge.running()) fetch(QStringLiteral("http://%1/").arg(bridge.listenAddress()), false, 30);
      showTab(m_window, tr("See"));
      break;
    case 3: {
      ReverseForm form = bridge.reverseForm();
      bool hasFlaky = false;
      for (const auto& b : form.backends) hasFlaky = hasFlaky || !bridge.demoBackendUrls().contains(b.url);
      if (!hasFlaky) {
        const QStringList flaky = bridge.startExtraDemoBackends(1, 0.8);
        if (!flaky.isEmpty()) form.backends.push_back({flaky.front(), 1, true});
        const QString error = bridge.applyReverseForm(form);
        if (!error.isEmpty()) m_window.notify(error, true);
      }
      if (bridge.running()) fetch(QStringLiteral("http://%1/").arg(bridge.listenAddress()), false, 40);
      showTab(m_window, tr("Backends"));
      break;
    }
    default: break;
  }
  emit stepChanged(step);
}

void installGuidedTour(MainWindow& window, bool firstRunCheck) {
  auto* tour = new GuidedTour(window);
  tour->setObjectName(QStringLiteral("guidedTour"));
  QAction* action = window.helpMenu()->addAction(QObject::tr("Guided tour"));
  QObject::connect(action, &QAction::triggered, tour, &GuidedTour::begin);
  if (!firstRunCheck) return;
  QSettings settings;
  if (settings.value(QStringLiteral("tour/shown"), false).toBool()) return;
  settings.setValue(QStringLiteral("tour/shown"), true);
  QTimer::singleShot(800, tour, &GuidedTour::begin);
}

}  // namespace ps::ui
