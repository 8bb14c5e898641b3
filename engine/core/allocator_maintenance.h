#pragma once
// A hook through which the engine lets the process's allocator hand freed memory back to the system.
// Flow snapshots are allocated on the engine's worker threads and freed on the session writer's: an
// allocator with per-thread heaps (mimalloc, which the app links) only reclaims a page once the
// thread that owns it looks at it again, so after a burst a worker that goes quiet would sit on the
// backlog's memory. The app installs what suits its allocator; the engine calls it from each worker
// about once a second and from the writer after it has drained a backlog. No hook: the writer falls
// back to glibc's malloc_trim (where it exists) and the workers do nothing.
namespace ps::engine {

using AllocatorMaintenance = void (*)();
// Process-wide; set once at start-up, before any engine runs.
void setAllocatorMaintenance(AllocatorMaintenance hook);
AllocatorMaintenance allocatorMaintenance();

}  // namespace ps::engine
