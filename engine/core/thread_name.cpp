#include "engine/core/thread_name.h"

#if defined(__linux__) || defined(__APPLE__)
#include <pthread.h>

#include <algorithm>
#include <cstring>
#include <string>
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

}  // namespace ps::engine
