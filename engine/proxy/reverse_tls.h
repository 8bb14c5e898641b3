#pragma once
// TLS termination on the reverse proxy's listener: the client speaks https to Proxyscope, which
// presents a certificate for the listen name issued by Proxyscope's CA (created in the data
// directory on first use) and serves the decrypted HTTP/1.1 like any other connection.
#include "engine/core/config.h"
#include "engine/core/result.h"
#include "engine/net/hooks.h"

namespace ps::engine::proxy {

// Builds the listener handshake for config.reverse's first listener when it asks for TLS; an empty
// function when it does not. Fails when the CA cannot be loaded or created.
Result<net::ListenerTls> makeReverseListenerTls(const EngineConfig& config);

}  // namespace ps::engine::proxy
