#pragma once
// Names the calling thread ("ps-worker-0", "ps-store" …) so top -H, perf and gdb tell the engine's
// threads apart. Linux and macOS keep up to 15 characters; elsewhere it does nothing.
namespace ps::engine {
void setCurrentThreadName(const char* name);

// Marks the calling thread as background work (the session writer, the cache saver, the headless
// printer): it gets its share of the CPU but never preempts a thread that carries traffic when it
// wakes, so a burst of recording work does not sit in front of a request. Linux: SCHED_BATCH with
// a 0.1 ms slice; macOS: the utility QoS class; Windows: below-normal priority. Best effort:
// failures are ignored.
void setCurrentThreadBackground();
}  // namespace ps::engine
