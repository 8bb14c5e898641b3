#pragma once
// GuidedTour (issue 9): a small non-modal panel that walks through both directions with the user's
// own machine and no internet — forward mode fetching a demo page from a loopback demo origin
// through the proxy (the app is the client, so no browser is needed), then reverse mode fronting
// three demo backends and a failing one. One sentence per step, Next / Back.
#include <QFrame>
#include <QStringList>

class QLabel;
class QNetworkAccessManager;
class QPushButton;

namespace ps::ui {

class MainWindow;

class GuidedTour : public QFrame {
  Q_OBJECT
 public:
  explicit GuidedTour(MainWindow& window);
  ~GuidedTour() override;

  int step() const { return m_step; }
  int stepCount() const;
  QString sentence() const;
  // Requests the tour sent and answers it got (tests wait on these).
  int requestsSent() const { return m_sent; }
  int answersReceived() const { return m_answered; }

 public slots:
  void begin();  // step 0 and shows the panel
  void next();
  void back();

 signals:
  void stepChanged(int step);
  void finished();

 private:
  void enter(int step);
  void fetch(const QString& url, bool throughProxy, int times);
  quint16 proxyPort() const;

  MainWindow& m_window;
  QNetworkAccessManager* m_net;
  QLabel* m_title;
  QLabel* m_text;
  QPushButton* m_back;
  QPushButton* m_next;
  int m_step = -1;
  int m_sent = 0;
  int m_answered = 0;
  QStringList m_origins;  // the demo origin of the forward step
};

// Help → Guided tour, and the tour on first run (QSettings "tour/shown").
void installGuidedTour(MainWindow& window, bool firstRunCheck);

}  // namespace ps::ui
