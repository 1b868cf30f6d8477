// Matmul, f32, register-tiled (2D block tiling) — the third rung of the GPU ladder.
//
// What it teaches: in the tiled rung every multiply-add needs two shared-memory loads, so
// shared-memory bandwidth bounds it. Here a block of 256 threads computes a 128×128 tile
// of C, and each thread an 8×8 sub-tile held in 64 registers. Per step along K the thread
// loads 8 values of A's column and 8 of B's row from shared memory into registers and
// does 8·8 = 64 multiply-adds with them: 4 shared loads (128-bit) per 64 FMAs instead of
// 128. The block's A and B panels (128×8 and 8×128) are staged through shared memory with
// float4 loads — one 16-byte load per thread per panel — and A is stored transposed so a
// thread's 8 values of A are contiguous too. This is the step that takes a hand-written
// SGEMM from a fraction of cuBLAS to most of the way there.
//
// Shared memory without bank conflicts (32 banks of 4 bytes; a 128-bit access is served a
// quarter-warp, 8 threads, at a time):
// - B fragment: a thread's 8 columns are two float4, at tx·4 and 64 + tx·4, not 8 in a row:
//   the 8 threads of a quarter-warp then read 128 contiguous bytes (8 in a row would put
//   threads tx and tx + 4 on the same banks: 2-way);
// - A fragment: the 16 threads of a half-warp share ty, so their reads are broadcasts;
// - transposed A store: thread pairs (t, t + 1) store rows p and p + 4 of the panel at the
//   same column; a row of 128 + 4 floats puts those 16 banks apart (at 128 they collide).
// Double buffered: the next step's panels are loaded from global memory into registers
// before this step's multiply-adds and stored into the other buffer after them, so the
// loads' latency hides behind the math and one barrier per step suffices.
// Limits: no warp-level tiling, no tensor cores; a 128×128 tile also leaves SMs idle when
// M·N is small (e.g. 256² is only 4 blocks).
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
constexpr int kAPad = 4;                              // floats after each row of the A panel
static_assert(kBM * kBK == 4 * kThreads && kBK * kBN == 4 * kThreads, "one float4 of each panel per thread");

// Four values of row `r` of a row-major (rows × cols) matrix from column `col`: one float4
// when `vec` says rows are 16-byte aligned and all four lie inside, else one by one, zero
// outside.
__forceinline__ __device__ float4 load4(const float* __restrict__ x, int64_t r, int64_t col, int64_t rows, int64_t cols,
                                        bool vec) {
  float4 v = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
  if (r >= rows) return v;
  if (vec && col + 3 < cols) return *reinterpret_cast<const float4*>(x + r * cols + col);
  v.x = col < cols ? x[r * cols + col] : 0.0f;
  v.y = col + 1 < cols ? x[r * cols + col + 1] : 0.0f;
  v.z = col + 2 < cols ? x[r * cols + col + 2] : 0.0f;
  v.w = col + 3 < cols ? x[r * cols + col + 3] : 0.0f;
  return v;
}
}  // namespace register_tiled

// a: (m, k), b: (k, n), c: (m, n), row-major. vec_a / vec_b / vec_c: rows of A / B / C may
// be read or written as float4 (16-byte aligned rows).
__global__ void __launch_bounds__(register_tiled::kThreads)
    matmul_f32_register_tiled_kernel(const float* __restrict__ a, const float* __restrict__ b, float* __restrict__ c,
                                     int64_t m, int64_t k, int64_t n, bool vec_a, bool vec_b, bool vec_c) {
  using namespace register_tiled;
  // Two of each panel: the step being computed and the next. A transposed:
  // a_panel[s][p][i] = A[row0 + i][k0 + p].
  __shared__ __align__(16) float a_panel[2][kBK][kBM + kAPad];
  __shared__ __align__(16) float b_panel[2][kBK][kBN];
  HK_TRACE_SHARED(a_panel);  // cuda_sim: bounds for its checks, tiles for `hk-bench explain`
  HK_TRACE_SHARED(b_panel);

  const int t = threadIdx.x;
  const int tx = t % (kBN / kTN), ty = t / (kBN / kTN);  // this thread's 8×8 tile of the block tile
  const int64_t row0 = int64_t(blockIdx.y) * kBM, col0 = int64_t(blockIdx.x) * kBN;
  // The four values each thread moves per panel: A row a_r, columns a_c..a_c+3 of the step
  // (two threads cover one 32-byte sector of a row); B row b_r, columns b_c..b_c+3.
  const int a_r = t / (kBK / 4), a_c = (t % (kBK / 4)) * 4;
  const int b_r = t / (kBN / 4), b_c = (t % (kBN / 4)) * 4;

  auto store_panels = [&](int s, float4 va, float4 vb) {
    a_panel[s][a_c + 0][a_r] = va.x;
    a_panel[s][a_c + 1][a_r] = va.y;
    a_panel[s][a_c + 2][a_r] = va.z;
    a_panel[s][a_c + 3][a_r] = va.w;
    *reinterpret_cast<float4*>(&b_panel[s][b_r][b_c]) = vb;
  };

  float acc[kTM][kTN] = {};
  float reg_a[kTM], reg_b[kTN];

  store_panels(0, load4(a, row0 + a_r, a_c, m, k, vec_a), load4(b, b_r, col0 + b_c, k, n, vec_b));
  // The first panels are complete before any thread reads them.
  __syncthreads();
  int s = 0;
  for (int64_t k0 = 0; k0 < k; k0 += kBK, s ^= 1) {
    const bool more = k0 + kBK < k;
    float4 next_a, next_b;
    if (more) {  // issued now, used after the math: the loads run while it does
      next_a = load4(a, row0 + a_r, k0 + kBK + a_c, m, k, vec_a);
      next_b = load4(b, k0 + kBK + b_r, col0 + b_c, k, n, vec_b);
    }
#pragma unroll
    for (int p = 0; p < kBK; ++p) {
      // 8 + 8 values from shared memory feed 64 multiply-adds from registers.
      // As four 128-bit reads, spelled out rather than left to the compiler's vectorizer.
      const float4 a0 = *reinterpret_cast<const float4*>(&a_panel[s][p][ty * kTM]);
      const float4 a1 = *reinterpret_cast<const float4*>(&a_panel[s][p][ty * kTM + 4]);
      const float4 b0 = *reinterpret_cast<const float4*>(&b_panel[s][p][tx * 4]);
      const float4 b1 = *reinterpret_cast<const float4*>(&b_panel[s][p][kBN / 2 + tx * 4]);
      reg_a[0] = a0.x, reg_a[1] = a0.y, reg_a[2] = a0.z, reg_a[3] = a0.w;
      reg_a[4] = a1.x, reg_a[5] = a1.y, reg_a[6] = a1.z, reg_a[7] = a1.w;
      reg_b[0] = b0.x, reg_b[1] = b0.y, reg_b[2] = b0.z, reg_b[3] = b0.w;
      reg_b[4] = b1.x, reg_b[5] = b1.y, reg_b[6] = b1.z, reg_b[7] = b1.w;
#pragma unroll
      for (int i = 0; i < kTM; ++i)
#pragma unroll
        for (int j = 0; j < kTN; ++j) acc[i][j] += reg_a[i] * reg_b[j];
    }
    // The other buffer was last read in the previous step, which every thread finished
    // before the barrier that ended it: it can be overwritten while this one is in use.
    if (more) store_panels(s ^ 1, next_a, next_b);
    // The next panels are complete before any thread reads them.
    __syncthreads();
  }

  // Columns of this thread: tx·4 + 0..3 and 64 + tx·4 + 0..3 of the block tile.
#pragma unroll
  for (int i = 0; i < kTM; ++i) {
    const int64_t r = row0 + ty * kTM + i;
    if (r >= m) break;
#pragma unroll
    for (int half = 0; half < 2; ++half) {
      const int64_t col = col0 + half * (kBN / 2) + tx * 4;
      const float* v = &acc[i][half * 4];
      if (vec_c && col + 3 < n) {
        // __stwb keeps the store one 128-bit instruction: nvcc 13 split half of the plain
        // float4 stores into 32-bit ones (H200 SASS and Nsight Compute's store requests).
        __stwb(reinterpret_cast<float4*>(c + r * n + col), make_float4(v[0], v[1], v[2], v[3]));
      } else {
#pragma unroll
        for (int q = 0; q < 4; ++q)
          if (col + q < n) c[r * n + col + q] = v[q];
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
