#include "run/team.hpp"

#include <algorithm>
#include <chrono>

namespace hk_bench {

namespace {
// Spin briefly (back-to-back repeats wake instantly), then sleep on the futex.
void wait_change(const std::atomic<uint32_t>& word, uint32_t old) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(200);
  for (int i = 0; word.load(std::memory_order_acquire) == old; ++i) {
    if ((i & 255) == 255 && std::chrono::steady_clock::now() > deadline) {
      word.wait(old, std::memory_order_acquire);
      deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(200);
    }
  }
}
}  // namespace

Team::Team(int threads) {
  for (int i = 1; i < std::max(threads, 1); ++i) workers_.emplace_back([this, i] { loop(i); });
}

Team::~Team() {
  stop_.store(true);
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void Team::loop(int index) {
  uint32_t seen = 0;
  for (;;) {
    wait_change(generation_, seen);
    seen = generation_.load(std::memory_order_acquire);
    if (stop_.load()) return;
    if (index < count_) (*fn_)(index, count_);
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) pending_.notify_one();
  }
}

void Team::run(int count, const std::function<void(int, int)>& fn) {
  count = std::clamp(count, 1, size());
  if (count == 1) {
    fn(0, 1);
    return;
  }
  fn_ = &fn;
  count_ = count;
  pending_.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  fn(0, count);
  for (int left = pending_.load(std::memory_order_acquire); left != 0; left = pending_.load(std::memory_order_acquire))
    pending_.wait(left, std::memory_order_acquire);
  fn_ = nullptr;
}

std::pair<int64_t, int64_t> Team::part(int64_t n, int index, int count, int64_t align) {
  int64_t per = (n + count - 1) / count;
  per = (per + align - 1) / align * align;
  int64_t begin = std::min(n, per * index), end = std::min(n, begin + per);
  return {begin, end};
}

}  // namespace hk_bench
