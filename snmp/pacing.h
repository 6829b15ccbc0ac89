// TokenBucket — the engine-wide packet rate limit, shared by per-device sessions and the sweep.
//
// Every packet the agent sends (retries included) takes one token; `rate_limit_pps` tokens arrive
// per second with a burst of 50 ms worth (at least one), so a 200 pps limit really spreads 100
// packets over ~0.5 s. Waiters are served first come, first served by one Asio timer, so a sweep
// of thousands of addresses cannot starve the devices being read and vice versa.
// Not thread-safe: use on the io_context's thread. Owned by shared_ptr (its timer handler holds a
// weak reference); waiters are held weakly and skipped when gone or no longer interested.
#pragma once

#include "agent/core/asio.h"  // first: <utility> before any Asio header

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <memory>

namespace fleet::snmp {

class PacketWaiter {
 public:
  virtual ~PacketWaiter() = default;
  virtual void OnToken() = 0;            // one packet may leave now
  virtual bool wants_token() const = 0;  // false: cancelled meanwhile, skip
};

class TokenBucket : public std::enable_shared_from_this<TokenBucket> {
 public:
  using Clock = std::chrono::steady_clock;

  TokenBucket(boost::asio::io_context& io, int rate_limit_pps) : rate_(rate_limit_pps), pacer_(io) {
    burst_ = std::max(1.0, rate_ / 20.0);
    tokens_ = burst_;
    last_refill_ = Clock::now();
  }

  bool limited() const { return rate_ > 0; }

  // Takes a token if one is free and nobody is queued before us.
  bool TryTake() {
    if (rate_ <= 0) return true;
    Refill();
    if (!waiters_.empty() || tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }

  // `waiter->OnToken()` runs later, from the pacer, once per Wait.
  void Wait(std::weak_ptr<PacketWaiter> waiter) {
    waiters_.push_back(std::move(waiter));
    Arm();
  }

 private:
  void Refill() {
    const auto now = Clock::now();
    const double elapsed = std::chrono::duration<double>(now - last_refill_).count();
    last_refill_ = now;
    tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
  }

  void Arm() {
    if (armed_ || waiters_.empty()) return;
    // Wake for a millisecond's worth of tokens (at least one), not for every single one: at
    // 20,000 pps a wake-up per token would cost more CPU than the packets themselves.
    const double want = std::clamp(rate_ / 1000.0, 1.0, burst_);
    const double missing = std::max(0.0, want - tokens_);
    armed_ = true;
    pacer_.expires_after(
        std::chrono::microseconds(static_cast<int64_t>(missing * 1e6 / rate_) + 1));
    std::weak_ptr<TokenBucket> weak = weak_from_this();
    pacer_.async_wait([weak](const boost::system::error_code& ec) {
      if (ec) return;
      if (auto self = weak.lock()) self->OnPacer();
    });
  }

  void OnPacer() {
    armed_ = false;
    Refill();
    while (!waiters_.empty() && tokens_ >= 1.0) {
      auto waiter = waiters_.front().lock();
      waiters_.pop_front();
      if (!waiter || !waiter->wants_token()) continue;
      tokens_ -= 1.0;
      waiter->OnToken();
    }
    Arm();
  }

  double rate_;
  double burst_ = 1;
  double tokens_ = 1;
  Clock::time_point last_refill_;
  std::deque<std::weak_ptr<PacketWaiter>> waiters_;
  boost::asio::steady_timer pacer_;
  bool armed_ = false;
};

}  // namespace fleet::snmp
