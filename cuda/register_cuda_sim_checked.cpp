// The portable CUDA kernels once more for cuda_sim, compiled with the host compiler's
// memory-access instrumentation (-fsanitize=thread's hooks, answered by
// cuda/sim/access_hooks.cpp, not by ThreadSanitizer): every load and store a simulated
// thread makes reaches cuda_sim's checks and counters (hk/experimental/sim_check.hpp).
// The dispatcher runs these kernels only while a check or the profiler is on, so the plain
// ones (cuda/register_cuda_sim.cpp) pay nothing. Their own inline namespace keeps the two
// compilations' symbols apart.
#define HK_KERNEL_TARGET simulated_checked
#include "cuda/variants.cuh"
#include "hk/registry.hpp"

namespace hk::sim {

// The instrumented rows, in a registry of their own (never Registry::get()'s).
const Registry& checked_registry() {
  static const Registry* r = [] {
    auto* reg = new Registry;  // leaked: usable after main returned
    cuda::register_portable_variants(*reg, Backend::cuda_sim);
    return reg;
  }();
  return *r;
}

}  // namespace hk::sim
