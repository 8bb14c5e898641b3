#include "engine/core/thread_name.h"

#if defined(__linux__) || defined(__APPLE__)
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
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
  // SCHED_BATCH keeps the thread's fair share (nice 0), but a waking batch thread never preempts
  // the running one (kernel/sched/fair.c). And a short slice (0.1 ms; Linux 6.12 and later take
  // sched_attr::sched_runtime as a fair task's slice, older ones ignore it): once running, the
  // writer gives way to a waking worker within 0.1 ms instead of running on for a whole default
  // slice (1.4 ms on this 2-core machine). Reverse recording, 32 connections, six interleaved
  // rounds: p99 1.64 ms with the short slice, 2.00 ms without (nginx proxy_pass 1.42 ms).
  struct {  // struct sched_attr, SCHED_ATTR_SIZE_VER0 (glibc before 2.41 does not declare it)
    uint32_t size, policy;
    uint64_t flags;
    int32_t nice;
    uint32_t priority;
    uint64_t runtime, deadline, period;
  } attr{};
  static_assert(sizeof(attr) == 48);
  attr.size = sizeof(attr);
  attr.policy = SCHED_BATCH;
  attr.runtime = 100'000;  // ns
  if (::syscall(SYS_sched_setattr, 0, &attr, 0) != 0) {
    sched_param param{};
    param.sched_priority = 0;
    (void)::pthread_setschedparam(::pthread_self(), SCHED_BATCH, &param);
  }
#elif defined(__APPLE__)
  (void)::pthread_set_qos_class_self_np(QOS_CLASS_UTILITY, 0);
#elif defined(_WIN32)
  (void)::SetThreadPriority(::GetCurrentThread(), THREAD_PRIORITY_BELOW_NORMAL);
#endif
}

}  // namespace ps::engine
