// The persistent CPU thread pool behind every `parallel` variant and hk::parallel_map.
//
// Why a pool and not std::thread per call: creating a thread costs tens of microseconds,
// more than a whole ReLU over 64 KiB. Here the workers live for the process; a job wakes
// only the workers it needs, each through its own wake word (a futex when it sleeps), and a
// worker that just finished a job spins for a short while first, so back-to-back calls
// start in well under a microsecond instead of paying a futex wake each time.
//
// The caller never waits for a worker that has not started. The chunks (up to 8 per
// thread, none below the grain) are dealt into one share per thread, the same share for the
// same thread in every call, so a loop of calls finds each thread's part of the data in its
// own core's caches. Each thread claims its own share's chunks first, then the others'; so
// if a worker is slow to wake (asleep, or its core busy with another program) the caller
// claims that worker's chunks itself, closes the job once every claimed chunk is done, and
// returns. A worker that wakes after that finds the job closed and goes
// back to waiting. So a parallel_for costs at most about what running the body inline
// costs, plus the wake-up calls, however late the workers are.
//
// Never more threads than CPUs: a job runs on at most as many threads as the process may
// use (cpu_budget.hpp: affinity mask, cgroup quota), however large the pool or the thread
// count asked for, since more threads than cores only take turns (and a turn on a VM is a
// scheduler tick). Waiting threads don't spin while the CPUs are oversubscribed.
//
// Rules: work below `grain` runs inline on the caller; a parallel_for issued from inside a
// parallel region (any body, inline or not: nested) runs inline; while one host thread uses the pool another host
// thread's parallel_for runs inline rather than waiting; the first exception thrown by the
// body is rethrown in the caller after every chunk has stopped (chunks not yet started are
// skipped).
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/src/function_ref.hpp"
#include "cpu/cpu_budget.hpp"

namespace hk::cpu {

using detail::FunctionRef;

class ThreadPool {
 public:
  // The process-wide pool, sized by HK_NUM_THREADS or the CPUs the process may use.
  static ThreadPool& global();

  // `cpus`: the most threads one job runs on (tests pass more than the machine has).
  explicit ThreadPool(int threads, int cpus = usable_cpus());
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Total threads including the calling one (≥ 1). Safe while other threads compute: it
  // waits for the running job to finish. From inside a parallel_for body (inline or not)
  // it throws InvalidArgument: the job it would wait for is its own.
  void resize(int threads);
  int size() const { return size_.load(std::memory_order_relaxed); }
  // The most threads one job runs on: min(size(), the CPUs the process may use).
  int concurrency() const { return std::min(size(), cpus_); }

  // Calls body(begin, end) on disjoint ranges covering [0, n), each at least `grain` long
  // (except the last), on at most `threads` threads (the caller included).
  void parallel_for(int64_t n, int64_t grain, int threads, FunctionRef<void(int64_t, int64_t)> body);

  // True on pool workers, and on a caller while it runs a job (inline ones included).
  static bool in_parallel_region();

 private:
  struct alignas(64) Worker {
    std::atomic<uint32_t> wake{0};  // bumped by the caller to hand this worker the job
    std::thread thread;
  };
  // One thread's home share of a job's chunks: [next, end) not yet claimed. Each on its own
  // line, so claiming from one's own share moves no line between cores.
  struct alignas(64) Share {
    std::atomic<int64_t> next{0};
    int64_t end = 0;
  };
  void start(int threads);
  void stop();
  void worker_loop(Worker& self, int index);
  // Runs chunks of the open job: first thread `index`'s own share, then what is left of the
  // others' (late threads' chunks). index 0 is the caller, i the i-th worker.
  void run_chunks(int index);
  // thread_pool_trace.cpp: parallel_for with every chunk reported to the installed
  // observer; false when this call is nested in a traced one (run it untraced).
  bool traced_parallel_for(int64_t n, int64_t grain, int threads, FunctionRef<void(int64_t, int64_t)> body);

  // How long a waiting thread polls before it sleeps: none while oversubscribed.
  std::chrono::steady_clock::duration spin() const;

  const int cpus_;
  std::mutex run_mutex_;  // one job at a time
  std::vector<std::unique_ptr<Worker>> workers_;
  std::atomic<int> size_{1};
  std::atomic<bool> stopping_{false};

  // The current job. The caller writes these fields only while the job is closed and no
  // worker is active, and publishes them by opening the job.
  const FunctionRef<void(int64_t, int64_t)>* body_ = nullptr;
  int64_t n_ = 0, chunk_ = 0, chunks_ = 0;
  int parts_ = 0;                                    // threads the job was cut for (shares)
  std::unique_ptr<Share[]> shares_;                  // one per thread of the pool
  alignas(64) std::atomic<uint64_t> job_{0};         // odd while a job is open
  alignas(64) std::atomic<int64_t> done_chunks_{0};  // claimed chunks finished (or skipped)
  alignas(64) std::atomic<int> active_{0};           // workers that may be reading the job
  std::atomic<int> caller_cpu_{-1};                  // where the last job's caller ran
  alignas(64) std::atomic<int> polling_{0};          // workers spinning for their next job
  std::atomic<bool> failed_{false};
  std::mutex error_mutex_;
  std::exception_ptr error_;
};

}  // namespace hk::cpu
