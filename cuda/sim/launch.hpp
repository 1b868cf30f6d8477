// The simulator's launch entry and schedule: what cuda/launch.cuh calls under the host
// compiler, and what tests use to pick an execution order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <source_location>
#include <string>

#include "cuda/sim/device.hpp"

namespace hk::sim {

// One <<<grid, block, shared_bytes>>> launch, type-erased: `run(closure)` runs the kernel
// body for the simulated thread whose coordinates are in threadIdx/blockIdx.
struct KernelLaunch {
  dim3 grid, block;
  std::size_t shared_bytes = 0;  // dynamic shared memory per block
  int threads = 1;               // OS threads that run blocks (KernelContext::threads)
  void (*run)(const void* closure) = nullptr;
  const void* closure = nullptr;
  std::size_t closure_bytes = 0;  // the arguments: local to the kernel, never checked
  std::source_location where;     // the launch site, for diagnostics
  // Set by launch() from the calling thread's call (cuda/sim/checker.hpp): what the
  // instrumented kernels check and count. Null for the plain kernels.
  struct CallChecks* checks = nullptr;
  struct LaunchProfile* profile = nullptr;
};

// Runs every block of the grid, one block at a time per OS thread, blocks spread over hk's
// thread pool. Throws hk::CudaError for an invalid configuration (as cudaLaunchKernel
// would) and for a kernel fault the simulator detects (divergent barrier, barrier after
// exit, warp intrinsic naming absent lanes, a deadlock); the message names the kernel, the
// source line and the threads involved. A fiber stack overflow is reported on stderr and
// aborts the process (nothing can safely continue on an overflowed stack).
void launch(const KernelLaunch&);

// The order in which the simulator runs lanes within a warp, warps within a block, and
// blocks within a grid. A correct kernel gives the same result under every order; a racy
// one usually doesn't, which is how the schedules expose races.
struct Schedule {
  enum class Order { forward, reverse, random } order = Order::forward;
  uint64_t seed = 1;  // random: the same seed gives the same order
};
// The current schedule: set_schedule's, else HK_SIM_SCHEDULE (forward | reverse | random |
// random:SEED), else forward.
Schedule schedule();
void set_schedule(Schedule);
// Parses "forward", "reverse", "random" or "random:SEED"; throws hk::InvalidArgument.
Schedule parse_schedule(const std::string&);
std::string to_string(const Schedule&);

// Fiber stack size in bytes: HK_SIM_STACK_KB (default 64 KiB, 256 KiB under ASan).
std::size_t stack_bytes();

// How many blocks of a launch run at once: at most `threads` OS threads and the blocks
// there are, and only as many as half the fiber stack budget holds with one stack per
// simulated thread (fiber.hpp); at least 1.
int64_t blocks_at_once(int threads, uint64_t blocks, uint64_t threads_per_block);

}  // namespace hk::sim
