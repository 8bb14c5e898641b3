#include "engine/core/allocator_maintenance.h"

#include <atomic>

namespace ps::engine {

namespace {
std::atomic<AllocatorMaintenance> g_hook{nullptr};
}  // namespace

void setAllocatorMaintenance(AllocatorMaintenance hook) { g_hook.store(hook, std::memory_order_release); }

AllocatorMaintenance allocatorMaintenance() { return g_hook.load(std::memory_order_acquire); }

}  // namespace ps::engine
