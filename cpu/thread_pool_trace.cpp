// The pool's tracing path (hk/experimental/trace.hpp): each chunk of a parallel_for is
// reported to the installed observer, one chunk at a time when it asks, so hk-bench explain
// can show which thread wrote what. Kept apart from parallel_for's own path.
#include "common/src/trace_hooks.hpp"
#include "cpu/thread_pool.hpp"

namespace hk::cpu {

bool ThreadPool::traced_parallel_for(int64_t n, int64_t grain, int threads, FunctionRef<void(int64_t, int64_t)> body) {
  // Nested calls (inside a traced chunk, or inside any pool region) run untraced.
  static thread_local bool tracing = false;
  trace::ChunkObserver* obs = trace::chunk_observer();
  if (!obs || tracing || in_parallel_region()) return false;
  const std::thread::id caller = std::this_thread::get_id();
  const int job = trace::next_job();
  auto traced = [&](int64_t begin, int64_t end) {
    const bool serial = obs->serialize();
    if (serial) trace::lock_serial();
    struct Unlock {
      bool on;
      ~Unlock() {
        if (on) trace::unlock_serial();
      }
    } unlock{serial};
    body(begin, end);
    obs->chunk_done({begin, end, n, job, std::this_thread::get_id() == caller, std::this_thread::get_id()});
  };
  tracing = true;
  struct Reset {
    ~Reset() { tracing = false; }
  } reset;
  parallel_for(n, grain, threads, traced);
  return true;
}

}  // namespace hk::cpu
