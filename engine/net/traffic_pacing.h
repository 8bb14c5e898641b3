#pragma once
// Paces an exchange's writes by its TrafficShaper (network conditions, issue 10): the caller reserves
// the bytes it is about to write and waits on a timer until the token bucket has earned them, so a
// throttled body streams at the configured rate without blocking the thread or buffering it whole.
#include <asio/awaitable.hpp>
#include <cstddef>

#include "engine/net/hooks.h"

namespace ps::engine::net {

enum class PaceDirection { Download, Upload };

asio::awaitable<void> pace(TrafficShaper* shaper, PaceDirection direction, size_t bytes);

}  // namespace ps::engine::net
