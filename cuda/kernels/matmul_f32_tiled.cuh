// Matmul, f32, shared-memory tiled — the second rung of the GPU ladder.
//
// What it teaches: the naive kernel (one thread per output, reading a row of A and a column
// of B from global memory) fetches every input element from DRAM/L2 once per output that
// uses it. Here a block of kTile×kTile threads computes a kTile×kTile tile of C and walks
// along K one pair of kTile×kTile tiles of A and B at a time: the block loads each pair
// into shared memory once (one element per thread, coalesced), then every thread reads its
// row of the A tile and column of the B tile from shared memory. Each element fetched from
// global memory is reused kTile times, cutting global traffic by that factor.
// Limits: every multiply-add still needs two shared-memory loads, so shared-memory
// bandwidth, not arithmetic, bounds it — the register-tiled rung has each thread compute
// several outputs and reuse loaded values from registers.
//
// Edges are bounds-checked, not padded: threads outside A or B load zeros into the tiles
// (so the inner loop needs no checks and every thread still reaches every barrier), and
// only threads inside C store.
#pragma once

#include <string>

#include "cuda/launch.cuh"
#include "hk/error.hpp"

namespace hk::cuda {
inline namespace HK_KERNEL_TARGET {

// a: (m, k), b: (k, n), c: (m, n), row-major. Block (kTile, kTile); grid covers C.
template <int kTile>
__global__ void __launch_bounds__(kTile * kTile)
    matmul_f32_tiled_kernel(const float* __restrict__ a, const float* __restrict__ b, float* __restrict__ c,
                            int64_t m, int64_t k, int64_t n) {
  __shared__ float a_tile[kTile][kTile];
  __shared__ float b_tile[kTile][kTile];
  HK_TRACE_SHARED(a_tile);  // `hk-bench explain` shows the tiles step by step (cuda_sim only)
  HK_TRACE_SHARED(b_tile);
  const int tx = threadIdx.x, ty = threadIdx.y;
  const int64_t row = int64_t(blockIdx.y) * kTile + ty;  // of C and A
  const int64_t col = int64_t(blockIdx.x) * kTile + tx;  // of C and B
  float acc = 0.0f;
  for (int64_t k0 = 0; k0 < k; k0 += kTile) {
    // Neighbouring threads (tx) load neighbouring addresses of A's row and B's row.
    a_tile[ty][tx] = row < m && k0 + tx < k ? a[row * k + k0 + tx] : 0.0f;
    b_tile[ty][tx] = k0 + ty < k && col < n ? b[(k0 + ty) * n + col] : 0.0f;
    // Both tiles must be complete before anyone reads them: thread (tx, ty) is about to read
    // the elements that every other thread of its tile row and column just stored.
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < kTile; ++kk) acc += a_tile[ty][kk] * b_tile[kk][tx];
    // Everyone must be done reading these tiles before the next iteration overwrites them;
    // without this barrier a fast warp would store the next tiles under a slow one.
    __syncthreads();
  }
  if (row < m && col < n) c[row * n + col] = acc;
}

template <int kTile>
void matmul_f32_tiled_with(const float* a, const float* b, float* c, int64_t m, int64_t k, int64_t n,
                           const KernelContext& ctx) {
  const dim3 block(kTile, kTile);
  for_each_row_range(m, kTile, [&](int64_t row0, int64_t rows) {
    const dim3 grid(static_cast<unsigned>((n + kTile - 1) / kTile), static_cast<unsigned>((rows + kTile - 1) / kTile));
    launch(ctx, matmul_f32_tiled_kernel<kTile>, grid, block)(a + row0 * k, b, c + row0 * n, rows, k, n);
  });
}

// Options::block_size chooses the tile edge: 16 (default), 8 or 32 (32×32 = 1024 threads,
// the most a block may have).
inline void matmul_f32_tiled(const float* a, const float* b, float* c, int64_t m, int64_t k, int64_t n,
                             const KernelContext& ctx) {
  if (m == 0 || n == 0) return;  // a grid with no blocks is an invalid launch
  switch (ctx.block_size) {
    case 0:
    case 16: return matmul_f32_tiled_with<16>(a, b, c, m, k, n, ctx);
    case 8: return matmul_f32_tiled_with<8>(a, b, c, m, k, n, ctx);
    case 32: return matmul_f32_tiled_with<32>(a, b, c, m, k, n, ctx);
    default:
      throw InvalidArgument("matmul (tiled): block_size is the tile edge and must be 8, 16 or 32, got " +
                            std::to_string(ctx.block_size));
  }
}

}  // namespace HK_KERNEL_TARGET
}  // namespace hk::cuda
