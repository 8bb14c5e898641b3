#include "engine/core/thread_name.h"

#if defined(__linux__) || defined(__APPLE__)
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <cstring>
#include <string>
#endif
#if defined(__APPLE__)
#include <pthread/qos.h>
#endif
#if defined(_WIN32)
#include <windows.h>
#endif

namespace ps::engine {

void setCurrentThreadName(const char* name) {
#if defined(__linux__)
  // pthread_setname_np fails (ERANGE) above 15 characters: cut rather than leave the thread unnamed.
  std::string cut(name, std::min<size_t>(std::strlen(name), 15));
  (void)::pthread_setname_np(::pthread_self(), cut.c_str());
#elif defined(__APPLE__)
  (void)::pthread_setname_np(name);
#else
  (void)name;
#endif
}

void setCurrentThreadBackground() {
#if defined(__linux__)
  // SCHED_BATCH keeps the thread's fair share (nice 0) but a waking batch thread never preempts the
  // one running (kernel/sched/fair.c): the worker it would interrupt finishes its events first.
  sched_param param{};
  param.sched_priority = 0;
  (void)::pthread_setschedparam(::pthread_self(), SCHED_BATCH, &param);
#elif defined(__APPLE__)
  (void)::pthread_set_qos_class_self_np(QOS_CLASS_UTILITY, 0);
#elif defined(_WIN32)
  (void)::SetThreadPriority(::GetCurrentThread(), THREAD_PRIORITY_BELOW_NORMAL);
#endif
}

}  // namespace ps::engine
