// hk::time_kernel: warm-up, repeats, medians — never a single run.
#include <algorithm>
#include <chrono>

#include "hk/error.hpp"
#include "hk/runtime.hpp"

namespace hk {

Stats time_kernel(const std::function<void()>& fn, const TimingOptions& o) {
  if (!fn) throw InvalidArgument("time_kernel: fn is empty (a default-constructed std::function); pass the code to time");
  if (o.warmup < 0 || o.repeats < 1)
    throw InvalidArgument("time_kernel: warmup must be ≥ 0 and repeats ≥ 1, got warmup " +
                          std::to_string(o.warmup) + ", repeats " + std::to_string(o.repeats));
  for (int i = 0; i < o.warmup; ++i) {
    fn();
    synchronize();
  }
  std::vector<double> ms(static_cast<std::size_t>(o.repeats));
  for (double& t : ms) {
    auto start = std::chrono::steady_clock::now();
    fn();
    synchronize();
    t = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  }
  std::sort(ms.begin(), ms.end());
  std::size_t n = ms.size();
  double median = n % 2 ? ms[n / 2] : 0.5 * (ms[n / 2 - 1] + ms[n / 2]);
  return {median, ms.front(), ms.back(), o.repeats};
}

}  // namespace hk
