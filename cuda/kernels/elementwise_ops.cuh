// The per-element expressions of hk's CUDA elementwise ops and reduction terms, in one place:
// hk's own kernels (elementwise_vectorized.cuh, reduce_f32_block_reduce.cuh) and the library
// baselines (Thrust, CUB) apply the same functors, so they cannot drift apart. They are the
// CPU's expressions, so results are bit-identical: relu as `0 > x ? 0 : x` (NaN and −0.0
// stay), no a·b + c for the compiler to fuse, reduction terms in double.
#pragma once

#include <cstdint>

#include "cuda/kernels/portability.cuh"

namespace hk::cuda {
inline namespace HK_KERNEL_TARGET {

namespace elementwise {

struct ReluF32 {
  __device__ float operator()(float x) const { return 0.0f > x ? 0.0f : x; }
};
struct ReluI8 {
  __device__ int8_t operator()(int8_t x) const { return x < 0 ? int8_t{0} : x; }
};
struct Add {
  __device__ float operator()(float x, float y) const { return x + y; }
};
struct Mul {
  __device__ float operator()(float x, float y) const { return x * y; }
};
struct SquaredDifference {
  __device__ float operator()(float x, float y) const {
    const float d = x - y;
    return d * d;
  }
};

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
