#include "agent/core/scheduler.h"

#include <iterator>

namespace fleet {

class ManualScheduler::ManualTimer : public Timer {
 public:
  explicit ManualTimer(ManualScheduler& s) : s_(s) {}
  ~ManualTimer() override { Cancel(); }
  void Start(std::chrono::milliseconds delay, std::function<void()> fn) override {
    Cancel();
    id_ = ++s_.next_id_;
    s_.due_.emplace(s_.now_ + delay, std::make_pair(id_, std::move(fn)));
  }
  void Cancel() override {
    for (auto it = s_.due_.begin(); it != s_.due_.end(); ++it) {
      if (it->second.first == id_) {
        s_.due_.erase(it);
        break;
      }
    }
    id_ = 0;
  }
  bool pending() const override {
    for (const auto& [when, entry] : s_.due_) {
      if (entry.first == id_) return true;
    }
    return false;
  }

 private:
  ManualScheduler& s_;
  uint64_t id_ = 0;
};

std::unique_ptr<Timer> ManualScheduler::MakeTimer() { return std::make_unique<ManualTimer>(*this); }

void ManualScheduler::Advance(std::chrono::milliseconds d) {
  const TimePoint until = now_ + d;
  while (!due_.empty() && due_.begin()->first <= until) {
    auto it = due_.begin();
    now_ = it->first;
    auto fn = std::move(it->second.second);
    due_.erase(it);
    fn();
  }
  now_ = until;
}

std::chrono::milliseconds ManualScheduler::NextDue() const {
  if (due_.empty()) return std::chrono::milliseconds::max();
  return std::chrono::duration_cast<std::chrono::milliseconds>(due_.begin()->first - now_);
}

}  // namespace fleet
