#pragma once
// Attaches breakpoints, the paused-flows panel, the composer and compare to a MainWindow:
//   toolbar: "Breakpoints" switch (with the paused count), "Break on next request";
//   Proxy → Breakpoint rules…; Tools → Composer (Ctrl+E edit and resend), Compare selected flows,
//   Compare with original; table menu: Break on this host, Edit and resend, Compare with original.
// Saved rules are applied to the engine at once.
namespace ps::ui {

class Composer;
class MainWindow;
class PausedFlowsPanel;

struct BreakpointsUi {
  PausedFlowsPanel* paused = nullptr;
  Composer* composer = nullptr;
};

BreakpointsUi installBreakpointsUi(MainWindow& window);

}  // namespace ps::ui
