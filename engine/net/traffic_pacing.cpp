#include "engine/net/traffic_pacing.h"

#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

namespace ps::engine::net {

asio::awaitable<void> pace(TrafficShaper* shaper, PaceDirection direction, size_t bytes) {
  if (!shaper || bytes == 0) co_return;
  auto delay = direction == PaceDirection::Download ? shaper->downloadDelay(bytes) : shaper->uploadDelay(bytes);
  if (delay.count() <= 0) co_return;
  // The wait is bounded by the delay itself; a cancelled timer (shutdown) simply ends it early.
  asio::steady_timer timer(co_await asio::this_coro::executor, delay);
  co_await timer.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
}

}  // namespace ps::engine::net
