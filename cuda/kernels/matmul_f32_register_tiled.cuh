// Matmul, f32, register-tiled (2D block tiling) — the third rung of the GPU ladder.
//
// What it teaches: in the tiled rung every multiply-add needs two shared-memory loads, so
// shared-memory bandwidth bounds it. Here a block of 256 threads computes a 128×128 tile
// of C, and each thread an 8×8 sub-tile held in 64 registers. Per step along K the thread
// loads 8 values of A's column and 8 of B's row from shared memory into registers and
// does 8·8 = 64 multiply-adds with them: 16 shared loads per 64 FMAs instead of 128. The
// block's A and B panels (128×8 and 8×128) are staged through shared memory with float4
// loads — one 16-byte load per thread per panel — and A is stored transposed so a thread's
// 8 values of A are contiguous too. This is the step that takes a hand-written SGEMM from
// ~15% to ~70–80% of cuBLAS on published measurements.
// Limits: no double buffering (loads and math of one step don't overlap), no warp-level
// tiling to shape shared-memory access, no tensor cores; a 128×128 tile also leaves SMs
// idle when M·N is small (e.g. 256² is only 4 blocks).
//
// Edges are bounds-checked: a float4 load is used only when all four values lie inside the
// matrix and the row is 16-byte aligned (K or N a multiple of 4, aligned base pointer);
// otherwise the four values are loaded one by one, zero outside. Every thread reaches
// every barrier; only outputs inside C are stored.
#pragma once

#include <cstdint>

#include "cuda/launch.cuh"

namespace hk::cuda {
inline namespace HK_KERNEL_TARGET {

namespace register_tiled {
constexpr int kBM = 128, kBN = 128, kBK = 8;  // block tile of C, and the K step
constexpr int kTM = 8, kTN = 8;               // per-thread tile of C
constexpr int kThreads = (kBM / kTM) * (kBN / kTN);  // 256
static_assert(kBM * kBK == 4 * kThreads && kBK * kBN == 4 * kThreads, "one float4 of each panel per thread");
}  // namespace register_tiled

// a: (m, k), b: (k, n), c: (m, n), row-major. vec_a / vec_b / vec_c: rows of A / B / C may
// be read or written as float4 (16-byte aligned rows).
__global__ void __launch_bounds__(register_tiled::kThreads)
    matmul_f32_register_tiled_kernel(const float* __restrict__ a, const float* __restrict__ b, float* __restrict__ c,
                                     int64_t m, int64_t k, int64_t n, bool vec_a, bool vec_b, bool vec_c) {
  using namespace register_tiled;
  __shared__ __align__(16) float a_panel[kBK][kBM];  // transposed: a_panel[p][i] = A[row0 + i][k0 + p]
  __shared__ __align__(16) float b_panel[kBK][kBN];

  const int t = threadIdx.x;
  const int tx = t % (kBN / kTN), ty = t / (kBN / kTN);  // this thread's 8×8 tile of the block tile
  const int64_t row0 = int64_t(blockIdx.y) * kBM, col0 = int64_t(blockIdx.x) * kBN;
  // The element each thread loads per panel: A row a_r, columns a_c..a_c+3 of the step;
  // B row b_r, columns b_c..b_c+3.
  const int a_r = t / (kBK / 4), a_c = (t % (kBK / 4)) * 4;
  const int b_r = t / (kBN / 4), b_c = (t % (kBN / 4)) * 4;

  float acc[kTM][kTN] = {};
  float reg_a[kTM], reg_b[kTN];

  for (int64_t k0 = 0; k0 < k; k0 += kBK) {
    {  // A panel → shared, transposed
      const int64_t r = row0 + a_r, p = k0 + a_c;
      float4 v = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
      if (vec_a && r < m && p + 3 < k) {
        v = *reinterpret_cast<const float4*>(a + r * k + p);
      } else if (r < m) {
        v.x = p < k ? a[r * k + p] : 0.0f;
        v.y = p + 1 < k ? a[r * k + p + 1] : 0.0f;
        v.z = p + 2 < k ? a[r * k + p + 2] : 0.0f;
        v.w = p + 3 < k ? a[r * k + p + 3] : 0.0f;
      }
      a_panel[a_c + 0][a_r] = v.x;
      a_panel[a_c + 1][a_r] = v.y;
      a_panel[a_c + 2][a_r] = v.z;
      a_panel[a_c + 3][a_r] = v.w;
    }
    {  // B panel → shared
      const int64_t p = k0 + b_r, col = col0 + b_c;
      float4 v = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
      if (vec_b && p < k && col + 3 < n) {
        v = *reinterpret_cast<const float4*>(b + p * n + col);
      } else if (p < k) {
        v.x = col < n ? b[p * n + col] : 0.0f;
        v.y = col + 1 < n ? b[p * n + col + 1] : 0.0f;
        v.z = col + 2 < n ? b[p * n + col + 2] : 0.0f;
        v.w = col + 3 < n ? b[p * n + col + 3] : 0.0f;
      }
      *reinterpret_cast<float4*>(&b_panel[b_r][b_c]) = v;
    }
    // Both panels must be complete before any thread reads them: each thread reads values
    // that 8·16 other threads stored.
    __syncthreads();
#pragma unroll
    for (int p = 0; p < kBK; ++p) {
      // 8 + 8 values from shared memory feed 64 multiply-adds from registers.
#pragma unroll
      for (int i = 0; i < kTM; ++i) reg_a[i] = a_panel[p][ty * kTM + i];
#pragma unroll
      for (int j = 0; j < kTN; ++j) reg_b[j] = b_panel[p][tx * kTN + j];
#pragma unroll
      for (int i = 0; i < kTM; ++i)
#pragma unroll
        for (int j = 0; j < kTN; ++j) acc[i][j] += reg_a[i] * reg_b[j];
    }
    // Every thread must be done with these panels before the next step overwrites them.
    __syncthreads();
  }

#pragma unroll
  for (int i = 0; i < kTM; ++i) {
    const int64_t r = row0 + ty * kTM + i;
    if (r >= m) break;
#pragma unroll
    for (int j = 0; j < kTN; j += 4) {
      const int64_t col = col0 + tx * kTN + j;
      if (vec_c && col + 3 < n) {
        *reinterpret_cast<float4*>(c + r * n + col) = make_float4(acc[i][j], acc[i][j + 1], acc[i][j + 2], acc[i][j + 3]);
      } else {
#pragma unroll
        for (int q = 0; q < 4; ++q)
          if (col + q < n) c[r * n + col + q] = acc[i][j + q];
      }
    }
  }
}

inline void matmul_f32_register_tiled(const float* a, const float* b, float* c, int64_t m, int64_t k, int64_t n,
                                      const KernelContext& ctx) {
  using namespace register_tiled;
  if (m == 0 || n == 0) return;  // a grid with no blocks is an invalid launch
  auto aligned16 = [](const void* p) { return reinterpret_cast<uintptr_t>(p) % 16 == 0; };
  const bool vec_b = n % 4 == 0 && aligned16(b);
  for_each_row_range(m, kBM, [&](int64_t row0, int64_t rows) {
    const float* a_rows = a + row0 * k;
    float* c_rows = c + row0 * n;
    const bool vec_a = k % 4 == 0 && aligned16(a_rows), vec_c = n % 4 == 0 && aligned16(c_rows);
    const dim3 grid(static_cast<unsigned>((n + kBN - 1) / kBN), static_cast<unsigned>((rows + kBM - 1) / kBM));
    launch(ctx, matmul_f32_register_tiled_kernel, grid, dim3(kThreads))(a_rows, b, c_rows, rows, k, n, vec_a, vec_b,
                                                                        vec_c);
  });
}

}  // namespace HK_KERNEL_TARGET
}  // namespace hk::cuda
