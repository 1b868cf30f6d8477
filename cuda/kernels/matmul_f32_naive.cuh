// Matmul, f32, naive: one CUDA thread per output — the first rung of the GPU ladder.
//
// What it teaches: the mapping from an output matrix to a grid of threads. Thread (tx, ty)
// of block (bx, by) owns C[by·16 + ty][bx·16 + tx] and computes its dot product straight
// from global memory. threadIdx.x runs along a row of C, so the 32 threads of a warp read
// 32 consecutive elements of a row of B (one coalesced transaction) and the same element
// of A (a broadcast).
// Limits: every output re-reads its whole row of A and column of B from global memory
// (through L1/L2 at best), 2·K loads per 2·K flops; the kernel is bound by memory traffic
// at a few percent of the FP32 peak. The tiled rung stages tiles in shared memory so each
// loaded element serves 16 outputs.
#pragma once

#include "cuda/launch.cuh"

namespace hk::cuda {
inline namespace HK_KERNEL_TARGET {

constexpr int kNaiveBlock = 16;  // 16×16 = 256 threads per block

// a: (m, k), b: (k, n), c: (m, n), row-major.
__global__ void __launch_bounds__(kNaiveBlock * kNaiveBlock)
    matmul_f32_naive_kernel(const float* __restrict__ a, const float* __restrict__ b, float* __restrict__ c,
                            int64_t m, int64_t k, int64_t n) {
  const int64_t row = int64_t(blockIdx.y) * kNaiveBlock + threadIdx.y;
  const int64_t col = int64_t(blockIdx.x) * kNaiveBlock + threadIdx.x;
  if (row >= m || col >= n) return;  // no barriers below, so edge threads may leave early
  float acc = 0.0f;
  for (int64_t p = 0; p < k; ++p) acc += a[row * k + p] * b[p * n + col];
  c[row * n + col] = acc;
}

inline void matmul_f32_naive(const float* a, const float* b, float* c, int64_t m, int64_t k, int64_t n,
                             const KernelContext& ctx) {
  if (m == 0 || n == 0) return;  // a grid with no blocks is an invalid launch
  const dim3 block(kNaiveBlock, kNaiveBlock);
  for_each_row_range(m, kNaiveBlock, [&](int64_t row0, int64_t rows) {
    const dim3 grid(static_cast<unsigned>((n + kNaiveBlock - 1) / kNaiveBlock),
                    static_cast<unsigned>((rows + kNaiveBlock - 1) / kNaiveBlock));
    launch(ctx, matmul_f32_naive_kernel, grid, block)(a + row0 * k, b, c + row0 * n, rows, k, n);
  });
}

}  // namespace HK_KERNEL_TARGET
}  // namespace hk::cuda
