// The TSC clock of fast_clock.hpp, with its steady_clock fallback and calibration.
#include "common/src/fast_clock.hpp"

#include <atomic>
#include <chrono>

#if defined(__x86_64__)
#include <cpuid.h>
#include <x86intrin.h>
#endif

namespace hk::detail {

namespace {

using Steady = std::chrono::steady_clock;

// The calibration: steady_clock's jitter is parts per thousand of the shortest interval,
// and negligible from the settled one on, after which the rate is kept.
constexpr uint64_t kShortestNs = 1'000'000, kSettledNs = 50'000'000;

bool invariant_tsc() {
#if defined(__x86_64__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid_max(0x80000000u, nullptr) < 0x80000007u) return false;
  __cpuid(0x80000007u, a, b, c, d);
  return (d >> 8) & 1u;
#else
  return false;
#endif
}

uint64_t steady_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(Steady::now().time_since_epoch()).count());
}

struct Source {
  bool tsc = invariant_tsc();
  uint64_t tsc0 = 0, ns0 = 0;  // the calibration's anchor: both clocks at first use
  std::atomic<double> ns_per_tick{0};  // fixed once kSettledNs have passed since the anchor
  Source() {
#if defined(__x86_64__)
    if (tsc) tsc0 = __rdtsc();
#endif
    ns0 = steady_ns();
  }
};

Source& source() {
  static Source s;
  return s;
}

}  // namespace

uint64_t FastClock::now() {
#if defined(__x86_64__)
  static const bool tsc = source().tsc;
  if (tsc) return __rdtsc();
#endif
  return steady_ns();
}

double FastClock::ms(uint64_t ticks) {
  Source& s = source();
  if (!s.tsc) return static_cast<double>(ticks) * 1e-6;
  double rate = s.ns_per_tick.load(std::memory_order_relaxed);
  if (rate == 0) {
#if defined(__x86_64__)
    uint64_t ns = steady_ns();
    while (ns - s.ns0 < kShortestNs) ns = steady_ns();  // the two readings kShortestNs apart at least
    const uint64_t t = __rdtsc();
    rate = static_cast<double>(ns - s.ns0) / static_cast<double>(t - s.tsc0);
    if (ns - s.ns0 >= kSettledNs) s.ns_per_tick.store(rate, std::memory_order_relaxed);
#endif
  }
  return static_cast<double>(ticks) * rate * 1e-6;
}

}  // namespace hk::detail
