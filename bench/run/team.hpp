// A small persistent team of threads for hk-bench's own measurements (the roofline probes
// and the memcpy / streaming-read peers). hk's kernels use hk's pool; the peers must not, so
// that a peer's number never depends on the thing it is compared with.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

namespace hk_bench {

class Team {
 public:
  explicit Team(int threads);  // total threads including the caller
  ~Team();
  Team(const Team&) = delete;
  Team& operator=(const Team&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }
  // Runs fn(index, count) on `count` ≤ size() threads (the caller is index 0) and returns
  // when every one has finished.
  void run(int count, const std::function<void(int index, int count)>& fn);

  // [begin, end) of part `index` of `count` of n items, boundaries rounded to `align` items.
  static std::pair<int64_t, int64_t> part(int64_t n, int index, int count, int64_t align = 16);

 private:
  void loop(int index);
  std::vector<std::thread> workers_;
  std::atomic<uint32_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
  const std::function<void(int, int)>* fn_ = nullptr;
  int count_ = 0;
};

}  // namespace hk_bench
