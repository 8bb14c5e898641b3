#pragma once
// The GUI entry point (ui helper's app/gui_main.cpp): builds QApplication, the engine, the window.
#include "app/command_line.h"

namespace ps::app {

int runGui(const Options& options, int argc, char** argv);

}  // namespace ps::app
