// dot and euclidean_distance, block_reduce: a deterministic two-pass tree reduction.
//
// What it teaches: how thousands of threads add up one number without atomics. Pass 1:
// each block of 256 threads takes a contiguous chunk of 2048 elements; each thread sums 8
// of them (strided by 256, so every load of a warp is coalesced), the 32 lanes of a warp
// combine their sums with register shuffles (__shfl_down_sync: 5 steps, no shared memory),
// the 8 warp sums meet in shared memory and warp 0 combines them — one partial per block.
// Pass 2: one block reduces the partials the same way. The shape of the tree depends only
// on n, never on which block or warp happens to run first, so the result is the same bits
// on every run (atomicAdd of partials would not be: floating-point addition is not
// associative). Terms and sums are double, like the CPU's: x·y of two floats is exact in
// double, so the only rounding is in the additions.
// Limits: double arithmetic runs at 1/32–1/64 of the float rate on consumer GPUs (full or
// half rate on A100/H100); at 8 bytes read per term it still stays memory-bound on all
// of them. For small n the second launch's fixed cost dominates.
#pragma once

#include <cmath>
#include <cstdint>

#include "cuda/kernels/elementwise_ops.cuh"
#include "cuda/launch.cuh"
#include "cuda/scratch.cuh"

namespace hk::cuda {
inline namespace HK_KERNEL_TARGET {

namespace block_reduce {

constexpr int kBlock = 256, kItems = 8, kChunk = kBlock * kItems, kWarps = kBlock / 32;


// The block's 256 values → thread 0's return value (other threads' results are partial).
__device__ inline double block_sum(double v) {
  __shared__ double warp_sums[kWarps];
  HK_TRACE_SHARED(warp_sums);  // cuda_sim: bounds for its checks
  // Within a warp: lane i adds lane i+16, i+8, ... — a fixed tree in registers.
#pragma unroll
  for (int offset = 16; offset > 0; offset /= 2) v += __shfl_down_sync(0xffffffffu, v, offset);
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  if (lane == 0) warp_sums[warp] = v;
  // Warp 0 may read the sums only after every warp has stored its own.
  __syncthreads();
  if (warp == 0) {
    v = lane < kWarps ? warp_sums[lane] : 0.0;
#pragma unroll
    for (int offset = 16; offset > 0; offset /= 2) v += __shfl_down_sync(0xffffffffu, v, offset);
  }
  return v;
}

// Pass 1. x, y: (n) → partials: one per block.
template <class Term>
__global__ void __launch_bounds__(kBlock)
    partial_kernel(const float* __restrict__ x, const float* __restrict__ y, double* __restrict__ partials, int64_t n,
                   Term term) {
  const int64_t base = int64_t(blockIdx.x) * kChunk + threadIdx.x;
  double v = 0.0;
#pragma unroll
  for (int j = 0; j < kItems; ++j) {
    const int64_t i = base + int64_t(j) * kBlock;
    if (i < n) v += term(x[i], y[i]);
  }
  v = block_sum(v);
  if (threadIdx.x == 0) partials[blockIdx.x] = v;
}

// Pass 2, one block. partials: (count) → *result.
__global__ void __launch_bounds__(kBlock) final_kernel(const double* __restrict__ partials, int64_t count,
                                                       double* __restrict__ result) {
  double v = 0.0;
  for (int64_t i = threadIdx.x; i < count; i += kBlock) v += partials[i];
  v = block_sum(v);
  if (threadIdx.x == 0) *result = v;
}

template <class Term> double sum(const float* x, const float* y, int64_t n, const KernelContext& ctx, Term term) {
  if (n == 0) return 0.0;
  const int64_t blocks = (n + kChunk - 1) / kChunk;
  Scratch scratch(std::size_t(blocks + 1) * sizeof(double));
  double* partials = scratch.as<double>();
  double* result = partials + blocks;
  launch(ctx, partial_kernel<Term>, dim3(static_cast<unsigned>(blocks)), dim3(kBlock))(x, y, partials, n, term);
  launch(ctx, final_kernel, dim3(1), dim3(kBlock))(partials, blocks, result);
  return read_back(result);
}

}  // namespace block_reduce

// x, y: (n)
inline double dot_f32_block_reduce(const float* x, const float* y, int64_t n, const KernelContext& ctx) {
  return block_reduce::sum(x, y, n, ctx, block_reduce::DotTerm{});
}
inline double euclidean_distance_f32_block_reduce(const float* x, const float* y, int64_t n,
                                                  const KernelContext& ctx) {
  return std::sqrt(block_reduce::sum(x, y, n, ctx, block_reduce::SquaredDifferenceTerm{}));
}

}  // namespace HK_KERNEL_TARGET
}  // namespace hk::cuda
