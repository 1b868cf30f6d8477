// How long hk's thread pool takes to hand an empty task to its workers and collect them
// again, next to an OpenMP parallel region measured the same way in the same process.
//
//   hk-micro-pool --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// A third row, a textbook condition-variable pool (workers block on a std::condition_variable
// between tasks), shows what hk's spin-then-futex design avoids.
//
// Two situations, both with a team of `threads` (the caller included):
// - back_to_back: one region right after the other, as in a loop of small kernels. Both
//   runtimes' workers are still spinning, so this is the fork/join cost itself.
// - after_idle/<µs>: the caller sleeps between regions. Past 100 µs hk's workers have
//   stopped spinning and sleep on their futex, so the region pays a futex wake (a system
//   call that, in a VM, includes an inter-processor interrupt) and the worker's wake-up.
//   libgomp keeps spinning for far longer by default (GOMP_SPINCOUNT), so it looks fast
//   after short idles while it burns a core, and pays the same wake-up after long ones.
// Only the region is timed (manual timing), never the sleep.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "cpu/thread_pool.hpp"

namespace {

using Clock = std::chrono::steady_clock;

void hk_region(hk::cpu::ThreadPool& pool, int threads) {
  pool.parallel_for(threads, 1, threads, [](int64_t b, int64_t) { benchmark::DoNotOptimize(b); });
}

void omp_region(int threads) {
#pragma omp parallel num_threads(threads)
  {
    int id = omp_get_thread_num();
    benchmark::DoNotOptimize(id);
  }
}

// The textbook pool: one mutex, a condition variable to start workers and one to join them.
class CondVarPool {
 public:
  explicit CondVarPool(int threads) {
    for (int i = 1; i < threads; ++i) workers_.emplace_back([this] { loop(); });
  }
  ~CondVarPool() {
    {
      std::lock_guard lock(m_);
      stop_ = true;
    }
    start_.notify_all();
    for (auto& w : workers_) w.join();
  }
  void run_empty_task() {
    std::unique_lock lock(m_);
    ++generation_;
    pending_ = static_cast<int>(workers_.size());
    start_.notify_all();
    done_.wait(lock, [this] { return pending_ == 0; });
  }

 private:
  void loop() {
    uint64_t seen = 0;
    std::unique_lock lock(m_);
    for (;;) {
      start_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      if (--pending_ == 0) done_.notify_one();
    }
  }
  std::mutex m_;
  std::condition_variable start_, done_;
  uint64_t generation_ = 0;
  int pending_ = 0;
  bool stop_ = false;
  std::vector<std::thread> workers_;
};

void BM_CondVarPool_BackToBack(benchmark::State& state) {
  CondVarPool pool(static_cast<int>(state.range(0)));
  for (auto _ : state) pool.run_empty_task();
}

void BM_HkPool_BackToBack(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  hk::cpu::ThreadPool pool(threads);
  for (auto _ : state) hk_region(pool, threads);
}

void BM_OpenMP_BackToBack(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  omp_region(threads);  // create the team outside the timing
  for (auto _ : state) omp_region(threads);
}

template <class Region> void after_idle(benchmark::State& state, const Region& region) {
  const auto idle = std::chrono::microseconds(state.range(1));
  region();
  for (auto _ : state) {
    std::this_thread::sleep_for(idle);
    auto t0 = Clock::now();
    region();
    state.SetIterationTime(std::chrono::duration<double>(Clock::now() - t0).count());
  }
}

void BM_HkPool_AfterIdle(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  hk::cpu::ThreadPool pool(threads);
  after_idle(state, [&] { hk_region(pool, threads); });
}

void BM_OpenMP_AfterIdle(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  after_idle(state, [&] { omp_region(threads); });
}

BENCHMARK(BM_HkPool_BackToBack)->Arg(2)->ArgName("threads")->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_OpenMP_BackToBack)->Arg(2)->ArgName("threads")->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_CondVarPool_BackToBack)->Arg(2)->ArgName("threads")->Unit(benchmark::kMicrosecond);
// {threads, idle µs}
BENCHMARK(BM_HkPool_AfterIdle)->ArgsProduct({{2}, {50, 2000, 50000}})->ArgNames({"threads", "idle_us"})
    ->UseManualTime()->Iterations(100)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_OpenMP_AfterIdle)->ArgsProduct({{2}, {50, 2000, 50000}})->ArgNames({"threads", "idle_us"})
    ->UseManualTime()->Iterations(100)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
