#pragma once
// HopDiffView: the inspector's "Hop diff" tab — the request as received from the client beside the
// request as sent upstream, with removed (hop-by-hop), added (forwarding) and changed (Host) header
// fields highlighted, and notes on TLS termination.
#include <QTextBrowser>

#include "ui/reverse_values.h"

namespace ps::ui {

class HopDiffView : public QTextBrowser {
  Q_OBJECT
 public:
  explicit HopDiffView(QWidget* parent = nullptr);
  void showDiff(const HopDiff& diff);
  void clearDiff();
  const HopDiff& diff() const { return m_diff; }

 private:
  HopDiff m_diff;
};

}  // namespace ps::ui
