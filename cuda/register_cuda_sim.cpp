// The cuda_sim backend's registration table: the portable CUDA kernel variants
// (cuda/variants.cuh), compiled by the host compiler against the SIMT simulator.
#include "cuda/variants.cuh"
#include "hk/registry.hpp"

namespace hk {

void register_cuda_sim(Registry& r) {
  cuda::register_portable_variants(r, Backend::cuda_sim);
}

}  // namespace hk
