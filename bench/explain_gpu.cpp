// explain for GPU variants: runs the kernel under the cuda_sim simulator and shows which
// block and thread computed each output element and the shared-memory tile loads per step.
#include "explain.hpp"

namespace hk_bench {

std::string explain_simulated(const ExplainRequest& q) {
  for (const hk::BackendInfo& b : hk::backends())
    if (b.backend == hk::Backend::cuda_sim && !b.available)
      throw hk::BackendUnavailable("explain " + q.op + " --variant " + q.variant +
                                   " runs the CUDA kernel under the cuda_sim simulator, which this build "
                                   "doesn't have: " + b.reason);
  throw hk::BackendUnavailable("explain for cuda_sim variants is not implemented yet: it needs the simulator's "
                               "per-thread trace (which block/thread wrote each element, shared-memory loads)");
}

}  // namespace hk_bench
