// AsioScheduler — the real Scheduler: steady_timers on the daemon's io_context.
// Not thread-safe: the io_context's thread only.
#pragma once

#include "agent/core/asio.h"  // first: <utility> before any Asio header

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>

#include "agent/core/scheduler.h"

namespace fleet {

class AsioScheduler : public Scheduler {
 public:
  explicit AsioScheduler(boost::asio::io_context& io) : io_(io) {}
  TimePoint Now() const override { return std::chrono::steady_clock::now(); }
  std::unique_ptr<Timer> MakeTimer() override {
    class AsioTimer : public Timer {
     public:
      explicit AsioTimer(boost::asio::io_context& io) : timer_(io) {}
      ~AsioTimer() override {
        *alive_ = false;  // a handler already queued with success must not touch this timer
        Cancel();
      }
      void Start(std::chrono::milliseconds delay, std::function<void()> fn) override {
        Cancel();
        pending_ = true;
        const uint64_t generation = ++generation_;
        timer_.expires_after(delay);
        timer_.async_wait([this, generation, fn = std::move(fn),
                           alive = alive_](const boost::system::error_code& ec) {
          // A cancelled wait, or one replaced by a later Start(), must not fire.
          if (ec || !*alive || generation != generation_) return;
          pending_ = false;
          fn();
        });
      }
      void Cancel() override {
        ++generation_;
        pending_ = false;
        timer_.cancel();
      }
      bool pending() const override { return pending_; }

     private:
      boost::asio::steady_timer timer_;
      uint64_t generation_ = 0;
      bool pending_ = false;
      std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    };
    return std::make_unique<AsioTimer>(io_);
  }

 private:
  boost::asio::io_context& io_;
};

}  // namespace fleet
