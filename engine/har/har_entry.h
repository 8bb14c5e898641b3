#pragma once
// Internal to engine/har: one HAR entry ⇄ one Flow, and the timing phases. Uses nlohmann-json's
// ordered_json so fields come out in the order HAR 1.2 lists them.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/core/flow.h"
#include "engine/core/result.h"

namespace ps::engine::har {

using Json = nlohmann::ordered_json;

// HAR 1.2 timings in microseconds; kNotApplicable (-1) where the phase did not happen.
// Phases tile [start, end] without gaps: blocked = start → request head parsed; dns; connect =
// TCP + TLS (ssl is the TLS part, inside connect, as HAR 1.2 asks); send = → last request byte
// upstream; wait = → first response byte; receive = → end. When a flow failed before its first
// response byte, the time after the last phase reached goes to the phase that was under way.
struct HarTimings {
  static constexpr int64_t kNotApplicable = -1;
  int64_t blocked = kNotApplicable;
  int64_t dns = kNotApplicable;
  int64_t connect = kNotApplicable;
  int64_t ssl = kNotApplicable;
  int64_t send = 0;
  int64_t wait = 0;
  int64_t receive = 0;
  int64_t total() const;  // sum of the applicable phases except ssl (HAR 1.2 "time")
};
HarTimings harTimings(const Timing& timing);
// The inverse: Timing marks from a start and the phases (a phase of -1 leaves its mark at 0).
Timing timingFromHar(int64_t start, const HarTimings& phases);

// ISO header sizes as HAR counts them: request/status line, fields, the blank line.
int64_t requestHeadSize(const Request& request);
int64_t responseHeadSize(const Response& response);
std::string httpVersionString(int major, int minor);

Json entryFromFlow(const Flow& flow, const std::string& pageref);
// path is the entry's JSON path ("log.entries[3]") for error messages.
Result<Flow> flowFromEntry(const Json& entry, const std::string& path, uint64_t defaultId);

}  // namespace ps::engine::har
