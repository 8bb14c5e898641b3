#pragma once
// ClientConnection: one coroutine per client connection. Reads requests with the HTTP/1.1 parser,
// asks the RequestRouter where each goes, runs the upstream exchange (exchange.h) and answers
// pipelined requests in order; CONNECT opens a tunnel (tunnel.h). Generic over the stream type, so
// the TLS interceptor serves decrypted HTTP/1.1 through the same code by calling serveHttp() with
// its TLS stream.
#include <asio/awaitable.hpp>
#include <memory>
#include <string>

#include "engine/net/connection_context.h"
#include "engine/net/hooks.h"
#include "engine/net/stream.h"

namespace ps::engine::net {

// Serves HTTP/1.1 on `client` until it closes, times out or the engine stops. `initialBytes` are
// bytes already read from the client (e.g. after a TLS handshake nothing; after a peek, the peek).
asio::awaitable<void> serveHttp(ConnectionContext ctx, std::unique_ptr<Stream> client, ClientInfo info,
                                std::string initialBytes = {});

}  // namespace ps::engine::net
