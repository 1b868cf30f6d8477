// ReLU, f32, naive: one CUDA thread per element — the first rung of the GPU ladder and
// the shape of every elementwise kernel.
//
// Why it runs at memory speed: a grid of 256-thread blocks covers the array, and the 32
// threads of a warp read 32 consecutive floats, so each warp's loads coalesce into one
// 128-byte transaction; a memory-bound op needs nothing more to approach DRAM bandwidth.
// One thread per element (not a grid-stride loop) also suits the simulator, which hands
// whole blocks to its OS threads.
// Limits: one 4-byte load per thread issues four times the load instructions of float4
// loads; n beyond 2³¹·256 exceeds the grid (the launch reports it).
//
// `0 > x ? 0 : x` keeps NaN (the comparison is false) and −0.0, like every hk backend;
// fmaxf(0, x) would turn NaN into 0.
#pragma once

#include "cuda/launch.cuh"

namespace hk::cuda {
inline namespace HK_KERNEL_TARGET {

// x, out: (n)
// 256 threads per block (kBlock below): __launch_bounds__ lets the resource report compute occupancy.
__global__ void __launch_bounds__(256)
    relu_f32_naive_kernel(const float* __restrict__ x, float* __restrict__ out, int64_t n) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) out[i] = 0.0f > x[i] ? 0.0f : x[i];
}

inline void relu_f32_naive(const float* x, float* out, int64_t n, const KernelContext& ctx) {
  constexpr unsigned kBlock = 256;
  if (n == 0) return;  // a grid with no blocks is an invalid launch
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  launch(ctx, relu_f32_naive_kernel, dim3(static_cast<unsigned>(blocks)), dim3(kBlock))(x, out, n);
}

}  // namespace HK_KERNEL_TARGET
}  // namespace hk::cuda
