#include "cpu/thread_pool.hpp"

#include <sched.h>

#include <chrono>
#include <string>
#include <utility>

#include "hk/error.hpp"
#include "common/src/trace_hooks.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define HK_CPU_RELAX() _mm_pause()
#else
#define HK_CPU_RELAX() ((void)0)
#endif

namespace hk::cpu {

namespace {

// True while this thread runs a parallel_for body, inline or on the pool: nested calls then
// run inline, and resize() refuses (on the pool it would wait for its own job).
thread_local bool tls_in_region = false;

// Marks a body run inline on the caller as a parallel region.
class InlineRegion {
 public:
  InlineRegion() : saved_(std::exchange(tls_in_region, true)) {}
  ~InlineRegion() { tls_in_region = saved_; }
  InlineRegion(const InlineRegion&) = delete;
  InlineRegion& operator=(const InlineRegion&) = delete;

 private:
  bool saved_;
};

// How long a worker keeps polling its wake word after a job before it sleeps on the futex.
// Long enough to catch the next call of a loop of kernels, short enough not to steal a
// core from the rest of the program for long.
constexpr auto kSpin = std::chrono::microseconds(100);

constexpr int64_t kChunksPerThread = 8;

// The CPU the calling thread runs on, or -1 where that cannot be asked.
int current_cpu() {
#if defined(__linux__)
  return sched_getcpu();
#else
  return -1;
#endif
}

// Moves the calling thread off `cpu` now, if its affinity allows another: the scheduler
// migrates a thread at once when its mask stops allowing the CPU it is on, and does not move
// it back when the mask is restored.
void move_off_cpu(int cpu) {
#if defined(__linux__)
  cpu_set_t allowed;
  if (cpu < 0 || cpu >= CPU_SETSIZE || sched_getaffinity(0, sizeof allowed, &allowed) != 0) return;
  if (!CPU_ISSET(cpu, &allowed) || CPU_COUNT(&allowed) < 2) return;
  cpu_set_t others = allowed;
  CPU_CLR(cpu, &others);
  if (sched_setaffinity(0, sizeof others, &others) == 0) sched_setaffinity(0, sizeof allowed, &allowed);
#else
  (void)cpu;
#endif
}

// A worker's wait for its next job: where the last caller ran, and the count of workers
// polling (this one among them until its spin ends).
struct WorkerWait {
  const std::atomic<int>& caller_cpu;
  std::atomic<int>& polling;
};

// Spins until `word` differs from `old` or `spin` has passed; then blocks in the kernel. A
// worker (`w`) that finds itself on the CPU of the last caller moves to another first.
template <class T>
T wait_change(const std::atomic<T>& word, T old, std::chrono::steady_clock::duration spin,
              const WorkerWait* w = nullptr) {
  struct PollEnd {  // the worker stops counting as polling when its spin ends, either way
    const WorkerWait* w;
    void operator()() const {
      if (w) w->polling.fetch_sub(1, std::memory_order_relaxed);
    }
  };
  const PollEnd poll_end{w};
  auto deadline = std::chrono::steady_clock::now() + spin;
  for (int i = 0; spin.count() > 0; ++i) {
    T v = word.load(std::memory_order_acquire);
    if (v != old) return poll_end(), v;
    HK_CPU_RELAX();
    if ((i & 63) == 63) {
      if (std::chrono::steady_clock::now() > deadline) break;
      // Spinning on the CPU the caller runs on would only take turns with it, and the
      // scheduler's load balancer can leave a thread there for milliseconds while another
      // CPU idles (a woken thread is often put on its waker's CPU).
      if (w) {
        const int cpu = w->caller_cpu.load(std::memory_order_relaxed);
        if (cpu >= 0 && cpu == current_cpu()) move_off_cpu(cpu);
      }
    }
  }
  poll_end();
  word.wait(old, std::memory_order_acquire);
  return word.load(std::memory_order_acquire);
}

}  // namespace

ThreadPool::ThreadPool(int threads, int cpus) : cpus_(std::max(cpus, 1)) { start(threads); }

std::chrono::steady_clock::duration ThreadPool::spin() const {
  // Idle workers polling for work give their CPU up at once, so they don't count.
  if (size() > cpus_ || cpus_oversubscribed(polling_.load(std::memory_order_relaxed)))
    return std::chrono::steady_clock::duration::zero();
  return kSpin;
}
ThreadPool::~ThreadPool() { stop(); }

bool ThreadPool::in_parallel_region() { return tls_in_region; }

void ThreadPool::start(int threads) {
  stopping_.store(false);
  size_.store(threads);
  workers_.clear();
  shares_ = std::make_unique<Share[]>(static_cast<std::size_t>(threads));
  for (int i = 1; i < threads; ++i) {
    workers_.push_back(std::make_unique<Worker>());
    Worker& w = *workers_.back();
    w.thread = std::thread([this, &w, i] { worker_loop(w, i); });
  }
}

void ThreadPool::stop() {
  stopping_.store(true);
  for (auto& w : workers_) {
    w->wake.fetch_add(1, std::memory_order_release);
    w->wake.notify_one();
  }
  for (auto& w : workers_) w->thread.join();
  workers_.clear();
}

void ThreadPool::resize(int threads) {
  if (threads < 1 || threads > 1024)
    throw InvalidArgument("thread count must be in 1..1024, got " + std::to_string(threads));
  if (tls_in_region)
    throw InvalidArgument("set_num_threads: called from work that hk's thread pool is running (an op given to "
                          "parallel_map); the pool cannot be resized under it, so call it before or after");
  std::lock_guard lock(run_mutex_);
  if (threads == size()) return;
  stop();
  start(threads);
}

void ThreadPool::worker_loop(Worker& self, int index) {
  tls_in_region = true;
  uint32_t seen = 0;
  for (;;) {
    polling_.fetch_add(1, std::memory_order_relaxed);  // before spin(), which counts it out
    const WorkerWait wait{caller_cpu_, polling_};
    seen = wait_change(self.wake, seen, spin(), &wait);
    if (stopping_.load(std::memory_order_acquire)) return;
    // Late for a job that is already closed: nothing to do, and no reason to make a later
    // caller wait for this worker (a cheap look before the real one below).
    if (!(job_.load(std::memory_order_acquire) & 1)) continue;
    // Woken onto the caller's CPU: move before taking chunks the caller would then wait for.
    if (const int cpu = caller_cpu_.load(std::memory_order_relaxed); cpu >= 0 && cpu == current_cpu())
      move_off_cpu(cpu);
    // Announce, then look: with both seq_cst, either the caller's closing of the job sees
    // this worker as active (and waits for it), or this worker sees the job closed.
    active_.fetch_add(1, std::memory_order_seq_cst);
    if (job_.load(std::memory_order_seq_cst) & 1) run_chunks(index);
    if (active_.fetch_sub(1, std::memory_order_release) == 1) active_.notify_one();
  }
}

void ThreadPool::run_chunks(int index) {
  // A worker that joins a job cut for fewer threads (woken for an earlier one) has no share.
  const int parts = parts_, first = index < parts ? index : 0;
  for (int s = 0; s < parts; ++s) {
    Share& share = shares_[static_cast<std::size_t>((first + s) % parts)];
    for (;;) {
      const int64_t c = share.next.fetch_add(1, std::memory_order_relaxed);
      if (c >= share.end) break;
      if (!failed_.load(std::memory_order_relaxed)) {
        int64_t begin = c * chunk_, end = std::min(n_, begin + chunk_);
        try {
          (*body_)(begin, end);
        } catch (...) {
          std::lock_guard lock(error_mutex_);
          if (!error_) error_ = std::current_exception();
          failed_.store(true, std::memory_order_relaxed);  // the chunks not yet started are skipped
        }
      }
      if (done_chunks_.fetch_add(1, std::memory_order_acq_rel) + 1 == chunks_) done_chunks_.notify_one();
    }
  }
}

void ThreadPool::parallel_for(int64_t n, int64_t grain, int threads,
                              FunctionRef<void(int64_t, int64_t)> body) {
  if (n <= 0) return;
  // hk-bench explain and tests watch the chunks; one load when nobody does.
  if (trace::chunk_observer()) [[unlikely]]
    if (traced_parallel_for(n, grain, threads, body)) return;
  grain = std::max<int64_t>(grain, 1);
  threads = std::min(threads, cpus_);  // more would only take turns on the same cores
  int64_t tasks = std::min<int64_t>((n + grain - 1) / grain, std::max(threads, 1));
  // Inline: small, nested, the pool busy with another host thread's job, or no workers.
  // Never with the lock held: an hk call in the body must not wait for this job.
  auto run_inline = [&] {
    InlineRegion region;
    body(0, n);
  };
  if (tasks <= 1 || tls_in_region) return run_inline();
  std::unique_lock lock(run_mutex_, std::try_to_lock);
  if (!lock.owns_lock()) return run_inline();
  int workers = static_cast<int>(std::min<int64_t>(tasks - 1, static_cast<int64_t>(workers_.size())));
  if (workers == 0) {
    lock.unlock();
    return run_inline();
  }
  // Set up the job while it is closed and no worker is active (the previous call waited).
  body_ = &body;
  n_ = n;
  // Several chunks per thread, claimed dynamically: a thread that is slowed down (its core
  // shared with another program, a page fault) holds up only a small piece, and the others
  // take over the rest. Never below the grain, so each chunk stays worth its claim.
  const int64_t per_thread = (n + workers) / (workers + 1);
  chunk_ = std::max(grain, (per_thread + kChunksPerThread - 1) / kChunksPerThread);
  chunks_ = (n + chunk_ - 1) / chunk_;
  // Thread t's share is the t-th run of chunks, the same part of the data in every call
  // of the same shape, so a loop of calls finds each part in the caches of the core that
  // computed it last time.
  parts_ = workers + 1;
  for (int t = 0; t < parts_; ++t) {
    shares_[static_cast<std::size_t>(t)].next.store(t * chunks_ / parts_, std::memory_order_relaxed);
    shares_[static_cast<std::size_t>(t)].end = (t + 1) * chunks_ / parts_;
  }
  done_chunks_.store(0, std::memory_order_relaxed);
  failed_.store(false, std::memory_order_relaxed);
  error_ = nullptr;
  caller_cpu_.store(current_cpu(), std::memory_order_relaxed);
  const uint64_t closed = job_.load(std::memory_order_relaxed);
  job_.store(closed + 1, std::memory_order_seq_cst);  // open: publishes the fields above
  for (int i = 0; i < workers; ++i) {
    Worker& w = *workers_[static_cast<std::size_t>(i)];
    w.wake.fetch_add(1, std::memory_order_release);
    w.wake.notify_one();  // a system call only if the worker sleeps
  }
  tls_in_region = true;
  const auto started = std::chrono::steady_clock::now();
  run_chunks(0);  // the caller works too, and takes over the chunks of late workers
  tls_in_region = false;
  // The last chunks still running on workers: wait for them spinning for up to a quarter of
  // the time the caller worked, at least kSpin. Parts of a long job (a large GEMM) end a
  // little apart, and a caller asleep on the futex by then can wake late by as much again
  // (a VM's scheduler); spinning costs at most a quarter more of the caller's core.
  const auto base = spin();
  const auto wait = base.count() == 0 ? base
                                      : std::max<std::chrono::steady_clock::duration>(
                                            base, (std::chrono::steady_clock::now() - started) / 4);
  for (int64_t done = done_chunks_.load(std::memory_order_acquire); done != chunks_;)
    done = wait_change(done_chunks_, done, wait);
  job_.store(closed + 2, std::memory_order_seq_cst);  // close: late workers now stay out
  for (int a = active_.load(std::memory_order_seq_cst); a != 0;) a = wait_change(active_, a, base);
  body_ = nullptr;
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
}

}  // namespace hk::cpu
