// The per-element expressions of hk's CUDA elementwise ops and reduction terms: hk's own
// kernels (elementwise_vectorized.cuh, reduce_f32_block_reduce.cuh) and the library
// baselines (Thrust, CUB) apply the same functors. The elementwise ones are the CPU's own
// (common/src/elementwise_functors.inc), so results are bit-identical; reduction terms are
// in double.
#pragma once

#include <cstdint>

#include "cuda/kernels/portability.cuh"

namespace hk::cuda {
inline namespace HK_KERNEL_TARGET {

namespace elementwise {

#define HK_ELEMENTWISE_FN __device__
#include "common/src/elementwise_functors.inc"
#undef HK_ELEMENTWISE_FN

}  // namespace elementwise

namespace block_reduce {

// __dmul_rn: a product nvcc may not fuse with the sum it is added to (v += term), which
// would round once where the simulator and the CPU round twice. (x·y of two floats is exact
// in double either way; d·d is not.)
struct DotTerm {
  __device__ double operator()(float x, float y) const { return __dmul_rn(double(x), double(y)); }
};
struct SquaredDifferenceTerm {
  __device__ double operator()(float x, float y) const {
    const double d = double(x) - double(y);
    return __dmul_rn(d, d);
  }
};

}  // namespace block_reduce

}  // namespace HK_KERNEL_TARGET
}  // namespace hk::cuda
