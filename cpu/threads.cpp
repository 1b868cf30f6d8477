// The process's thread count: the pool every op shares, sized from HK_NUM_THREADS or the
// CPUs the process may use, and the public set_num_threads / num_threads.
#include <cstdio>
#include <cstdlib>

#include "cpu/cpu_budget.hpp"
#include "cpu/thread_pool.hpp"
#include "hk/runtime.hpp"

namespace hk::cpu {

namespace {

// HK_NUM_THREADS, else the CPUs the process may use. Read once, when the pool is made. A
// bad value is reported rather than thrown, so that set_num_threads can still fix the size.
int threads_from_env() {
  const int fallback = usable_cpus();
  if (const char* env = std::getenv("HK_NUM_THREADS"); env && *env) {
    char* end = nullptr;
    long v = std::strtol(env, &end, 10);
    if (*end == '\0' && v >= 1 && v <= 1024) return static_cast<int>(v);
    std::fprintf(stderr,
                 "hk: warning: HK_NUM_THREADS='%s' is not a thread count in 1..1024; using %d (the CPUs "
                 "this process may use)\n",
                 env, fallback);
  }
  return fallback;
}

}  // namespace

ThreadPool& ThreadPool::global() {
  // Never destroyed: ops may run from static objects' destructors after main returned (the
  // workers sleep until the process ends).
  static ThreadPool* pool = new ThreadPool(threads_from_env());
  return *pool;
}

}  // namespace hk::cpu

namespace hk {

void set_num_threads(int threads) { cpu::ThreadPool::global().resize(threads); }
int num_threads() { return cpu::ThreadPool::global().size(); }

}  // namespace hk
