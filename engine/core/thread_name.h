#pragma once
// Names the calling thread ("ps-worker-0", "ps-store" …) so top -H, perf and gdb tell the engine's
// threads apart. Linux and macOS keep up to 15 characters; elsewhere it does nothing.
namespace ps::engine {
void setCurrentThreadName(const char* name);
}  // namespace ps::engine
