#pragma once
// CONNECT tunnels (RFC 9110 9.3.6): connect to the authority, answer 200, then either hand the
// connection to the TunnelInterceptor (TLS interception) or relay bytes both ways until both sides
// are done or the tunnel idles past Timeouts::tunnelIdle. Recorded as a Flow of kind Tunnel.
#include <asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "engine/core/flow.h"
#include "engine/net/connection_context.h"
#include "engine/net/hooks.h"
#include "engine/net/stream.h"

namespace ps::engine::net {

// `flow` holds the CONNECT request; runTunnel publishes Started and fills response, byte counts,
// timings and error; the caller publishes Finished. `pending` are client bytes that followed the
// CONNECT head. `client` may be moved out by an interceptor.
asio::awaitable<void> runTunnel(ConnectionContext& ctx, std::unique_ptr<Stream>& client, const ClientInfo& info,
                                Flow& flow, UpstreamTarget target, std::string pending);

// Relays bytes both ways between two streams until both directions have ended (EOF is passed on as
// a half-close) or nothing moved for `idleTimeout` (then both are closed and idleExpired is set).
// Used by CONNECT tunnels and by upgraded connections (WebSocket, RFC 9110 7.8).
asio::awaitable<void> relayBothWays(Stream& a, Stream& b, std::chrono::milliseconds idleTimeout, uint64_t& aToB,
                                    uint64_t& bToA, bool& idleExpired);

}  // namespace ps::engine::net
