// The cuda backend's registration table: every portable kernel variant (cuda/variants.cuh,
// shared with cuda_sim), then the rows only a GPU can run (cuBLAS, CUB device-wide calls).
#include "cuda/variants.cuh"
#include "hk/registry.hpp"

namespace hk {

void register_cuda(Registry& r) {
  cuda::register_portable_variants(r, Backend::cuda);
}

}  // namespace hk
