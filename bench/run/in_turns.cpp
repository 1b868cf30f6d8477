#include "run/in_turns.hpp"

#include <algorithm>
#include <chrono>

#include "peers/peers.hpp"

namespace hk_bench {

namespace {

using Clock = std::chrono::steady_clock;

// Seconds per call of fn over `calls` calls.
template <class Fn> double block(const Fn& fn, int calls) {
  const auto t = Clock::now();
  for (int i = 0; i < calls; ++i) fn();
  return std::chrono::duration<double>(Clock::now() - t).count() / calls;
}

}  // namespace

int rounds_on(int threads, int rounds) { return threads > 1 ? std::max(3, rounds / 2) : rounds; }

std::vector<std::vector<double>> in_turns(const std::vector<std::function<void()>>& sides, int threads, int rounds,
                                          double block_ms) {
  const std::size_t n = sides.size();
  std::vector<int> calls(n);
  for (std::size_t i = 0; i < n; ++i) {
    sides[i]();
    const double once = block(sides[i], 1);
    calls[i] = std::clamp(static_cast<int>(block_ms * 1e-3 / std::max(once, 1e-9)), 1, 1 << 20);
    if (threads > 1) let_peer_threads_sleep();
  }
  std::vector<std::vector<double>> s(n, std::vector<double>(static_cast<std::size_t>(rounds_on(threads, rounds))));
  for (std::size_t r = 0; r < s[0].size(); ++r)
    for (std::size_t j = 0; j < n; ++j) {
      const std::size_t i = (r + j) % n;
      s[i][r] = block(sides[i], calls[i]);
      if (threads > 1) let_peer_threads_sleep();
    }
  return s;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

Ratio ratio(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> q;
  for (std::size_t r = 0; r < a.size(); ++r) q.push_back(a[r] / b[r]);
  const auto [lo, hi] = std::minmax_element(q.begin(), q.end());
  return {median(q), *lo, *hi};
}

}  // namespace hk_bench
