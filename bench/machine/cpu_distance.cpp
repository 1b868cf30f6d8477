#include "machine/cpu_distance.hpp"

#include <atomic>
#include <cmath>
#include <chrono>
#include <thread>

#if defined(__linux__)
#include <pthread.h>
#include <sched.h>
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define HK_BENCH_RELAX() _mm_pause()
#else
#define HK_BENCH_RELAX() ((void)0)
#endif

namespace hk_bench {

#if defined(__linux__)
namespace {

using Clock = std::chrono::steady_clock;

// Short batches of round trips; the fastest batch is the distance (preemption only adds,
// and a short batch is likely to run whole between two preemptions on a loaded machine).
constexpr int kBatches = 32, kTripsPerBatch = 50;
// Fewer finished batches than this is no measurement: the minimum of so few may still
// include a preemption.
constexpr int kMinBatches = 4;
// One round trip that takes this long means a CPU was taken away: stop there.
constexpr auto kStall = std::chrono::milliseconds(50);
// The whole measurement stops here, with what it has.
constexpr auto kBudget = std::chrono::milliseconds(500);

bool pin(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

}  // namespace

std::optional<CpuDistance> measure_cpu_distance() {
  cpu_set_t allowed;
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0 || CPU_COUNT(&allowed) < 2) return std::nullopt;
  CpuDistance d;
  for (int c = 0; c < CPU_SETSIZE && d.cpu_b < 0; ++c)
    if (CPU_ISSET(c, &allowed)) (d.cpu_a < 0 ? d.cpu_a : d.cpu_b) = c;

  // The ball: odd values are the pinger's serves, even values the ponger's returns; -1 stops.
  alignas(64) std::atomic<long> ball{0};
  std::atomic<bool> pinned_ok{true};
  const auto give_up = Clock::now() + kBudget;
  // Waits for `want`; false on a stall, the budget's end or a stop.
  auto await = [&](long want) {
    auto stall = Clock::time_point::max();
    for (int i = 0;; ++i) {
      const long v = ball.load(std::memory_order_acquire);
      if (v == want) return true;
      if (v < 0) return false;
      HK_BENCH_RELAX();
      if ((i & 1023) == 1023) {
        const auto now = Clock::now();
        if (stall == Clock::time_point::max()) stall = now + kStall;
        if (now > stall || now > give_up) return false;
      }
    }
  };
  std::thread ponger([&] {
    if (!pin(d.cpu_b)) pinned_ok = false;
    for (long serve = 1; await(serve); serve += 2) ball.store(serve + 1, std::memory_order_release);
  });
  double best = 0;
  int batches = 0;
  std::thread pinger([&] {
    if (!pin(d.cpu_a)) pinned_ok = false;
    long serve = 1;
    for (int b = 0; b < kBatches && pinned_ok; ++b) {
      const auto start = Clock::now();
      for (int t = 0; t < kTripsPerBatch; ++t, serve += 2) {
        ball.store(serve, std::memory_order_release);
        if (!await(serve + 1)) return;  // the batches finished so far stand
      }
      const double ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count() / kTripsPerBatch;
      if (best == 0 || ns < best) best = ns;
      ++batches;
    }
  });
  pinger.join();
  ball.store(-1, std::memory_order_release);  // stops the ponger however far it got
  ponger.join();
  if (!pinned_ok || batches < kMinBatches || best <= 0) return std::nullopt;
  d.round_trip_ns = best;
  return d;
}

#else

std::optional<CpuDistance> measure_cpu_distance() { return std::nullopt; }

#endif

bool cpus_far_apart(double ns, double closest_ns) { return ns > 2 * closest_ns && ns - closest_ns > 50; }

std::string cpus_far_note(int far, int measured, double farthest_ns, double closest_ns) {
  return std::to_string(far) + " of " + std::to_string(measured) +
         " multi-thread rows (marked † in the tables) ran while their CPUs were far apart: a cache line took up to " +
         std::to_string(std::lround(farthest_ns)) + " ns there and back, against " +
         std::to_string(std::lround(closest_ns)) +
         " ns before the closest row of this run. The OS or hypervisor had moved the threads to cores that share no "
         "cache, which slows every row whose threads exchange data, hk's and the peers' alike; compare those rows "
         "only with rows measured as far apart (cpu_round_trip_ns in the JSON), or re-run them";
}

}  // namespace hk_bench
