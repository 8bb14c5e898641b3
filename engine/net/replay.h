#pragma once
// Replay (issue 7): a stored or edited request sent again through the same routing and upstream
// exchange as live traffic (forward: TLS and all; reverse: through the balancer), recorded as a new
// flow tagged "replay" whose replayOf names its origin (mitmproxy's client playback reuses its HTTP
// layer the same way).
#include <asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>

#include "engine/core/flow.h"
#include "engine/net/connection_context.h"

namespace ps::engine::net {

// Runs one replay on the calling worker's thread; `flowId` is the new flow's id (taken by the caller
// so it can be returned at once).
asio::awaitable<void> runReplay(ConnectionContext ctx, Request request, uint64_t replayOf, uint64_t flowId);

}  // namespace ps::engine::net
