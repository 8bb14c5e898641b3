#pragma once
// Attaches the reverse-mode UI to the main window in one call: the Backends tab (ReversePanel, shown
// in reverse mode), backend health and weight into the topology, the inspector's Hop diff tab,
// View → Export topology picture, and Help → Guided tour (on first run too when firstRunTour).
namespace ps::ui {

class MainWindow;
class ReversePanel;
class HopDiffView;

struct ReverseUi {
  ReversePanel* panel = nullptr;
  HopDiffView* hopDiff = nullptr;
};

ReverseUi installReverseUi(MainWindow& window, bool firstRunTour = false);

}  // namespace ps::ui
