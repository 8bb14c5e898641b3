// HAR timing phases and head sizes (HAR 1.2 "timings", "headersSize").
#include <algorithm>
#include <array>

#include "engine/har/har_entry.h"

namespace ps::engine::har {

int64_t HarTimings::total() const {
  int64_t sum = 0;
  for (int64_t v : {blocked, dns, connect, send, wait, receive}) sum += v > 0 ? v : 0;
  return sum;
}

HarTimings harTimings(const Timing& t) {
  HarTimings h;
  if (t.start <= 0) return h;
  int64_t cur = t.start;
  // Marks in phase order; 0 = not reached. Index 2 is connect, ending at TLS done when TLS ran.
  const int64_t connectEnd = t.tlsDone != 0 ? t.tlsDone : t.connectDone;
  const std::array<int64_t, 5> marks{t.requestHeaders, t.dnsDone, connectEnd, t.requestSent, t.responseStart};
  std::array<int64_t*, 6> phase{&h.blocked, &h.dns, &h.connect, &h.send, &h.wait, &h.receive};
  int lastReached = -1;
  for (int i = 0; i < 5; ++i) {
    if (marks[static_cast<size_t>(i)] == 0) continue;
    const int64_t mark = std::max(marks[static_cast<size_t>(i)], cur);
    *phase[static_cast<size_t>(i)] = mark - cur;
    cur = mark;
    lastReached = i;
  }
  if (h.connect >= 0 && t.tlsDone != 0) {
    h.ssl = t.connectDone != 0 ? std::clamp<int64_t>(t.tlsDone - t.connectDone, 0, h.connect) : h.connect;
  }
  const int64_t end = std::max(t.end, cur);
  // After the first response byte the rest is receive; before it, the phase under way gets it.
  const int target = t.responseStart != 0 ? 5 : std::min(lastReached + 1, 5);
  int64_t& slot = *phase[static_cast<size_t>(target)];
  slot = std::max<int64_t>(slot, 0) + (end - cur);
  return h;
}

Timing timingFromHar(int64_t start, const HarTimings& p) {
  Timing t;
  t.start = start;
  int64_t cur = start;
  if (p.blocked >= 0) t.requestHeaders = cur += p.blocked;
  if (p.dns >= 0) t.dnsDone = cur += p.dns;
  if (p.connect >= 0) {
    if (p.ssl >= 0 && p.ssl <= p.connect) {
      t.connectDone = cur + p.connect - p.ssl;
      t.tlsDone = cur + p.connect;
    } else {
      t.connectDone = cur + p.connect;
    }
    cur += p.connect;
  }
  t.requestSent = cur += std::max<int64_t>(p.send, 0);
  t.responseStart = cur += std::max<int64_t>(p.wait, 0);
  t.end = cur += std::max<int64_t>(p.receive, 0);
  return t;
}

std::string httpVersionString(int major, int minor) {
  if (major <= 0) return "";
  if (major >= 2) return "HTTP/" + std::to_string(major);
  return "HTTP/" + std::to_string(major) + "." + std::to_string(minor);
}

int64_t requestHeadSize(const Request& r) {
  if (r.versionMajor >= 2) return -1;  // HPACK/QPACK: no textual head to count
  int64_t n = static_cast<int64_t>(r.method.size() + 1 + r.target.size() + 1 + httpVersionString(r.versionMajor, r.versionMinor).size() + 2);
  for (const auto& f : r.headers) n += static_cast<int64_t>(f.name.size() + (f.value.empty() ? 1 : 2) + f.value.size() + 2);
  return n + 2;
}

int64_t responseHeadSize(const Response& r) {
  if (r.versionMajor >= 2) return -1;
  int64_t n = static_cast<int64_t>(httpVersionString(r.versionMajor, r.versionMinor).size() + 1 + 3 + 1 + r.reason.size() + 2);
  for (const auto& f : r.headers) n += static_cast<int64_t>(f.name.size() + (f.value.empty() ? 1 : 2) + f.value.size() + 2);
  return n + 2;
}

}  // namespace ps::engine::har
