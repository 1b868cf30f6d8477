// Linear (a fully connected layer), fused: a tiled GEMM whose epilogue runs on the register
// tile — the second rung of the GPU ladder for a layer.
//
// What it teaches: a layer is a GEMM plus a little arithmetic per output (int8: dequantize;
// + bias; relu), and that arithmetic costs nothing extra if it is done where the sums
// already are. A block of 256 threads computes a 64×64 tile of out, each thread a 4×4 tile
// in registers; after the last K step each thread applies the epilogue to its 16 sums and
// stores them, once, with 128-bit stores. out is never read, and the bias and scales are
// read once per thread (4 columns each). Run as matmul then bias then relu, the same layer
// writes out three times and reads it twice.
// f32: per K step of 64, x (64×64) and W (64×64) are staged in shared memory, four 16-byte
// loads per thread each, all eight issued before any is stored so that they wait on memory
// together (a small layer's time is mostly these waits, one per step);
// a thread reads its 4 rows of x as float4 along K and a row of the W panel as one float4,
// so 8 shared loads of 128 bits feed 64 multiply-adds.
// int8: as matmul's dp4a rung (K steps of 32 bytes packed 4 per word, __dp4a), with its
// loaders and multiply step; the sums are exact int32.
// Both weight layouts fill the same panel (W as K × N): (K, N) rows go in as they are
// (dp4a: transposed in registers into words of 4 k); (N, K) rows are K-contiguous like x's,
// and a thread loads 16 bytes of one row and stores them down a column of the panel. The 32
// threads of a warp take 32 consecutive rows, so those stores hit 32 different banks; each
// 32-byte sector of W is then requested twice (int8: four times) by the block, the later
// requests served from L1.
// Shared memory without bank conflicts (a 128-bit access is served a quarter-warp at a
// time): the 8 threads of a quarter-warp share their rows of x (one broadcast) and read
// 8 adjacent float4 of a panel row (128 contiguous bytes); the panels' stores of x and of a
// (K, N) W are 16-byte stores to consecutive addresses.
// Limits: no double buffering (the loads of the next step don't overlap this step's math)
// and a 4×4 tile per thread, half register_tiled's reuse; it teaches the epilogue, not
// the last factor of GEMM speed. A small layer is few 64×64 tiles (a batch of 32 through a
// 784 → 128 layer is 2 blocks), so most SMs idle: splitting K over blocks would fill them,
// but their partial sums would then meet in out, the second pass this kernel exists to avoid.
//
// Edges are bounds-checked: values outside x or W load as zeros (so every thread reaches
// every barrier and K = 0 leaves zero sums for the epilogue), and only outputs inside out
// are finished and stored.
#pragma once

#include <cstdint>

#include "cuda/kernels/linear_naive.cuh"
#include "cuda/kernels/matmul_f32_register_tiled.cuh"
#include "cuda/kernels/matmul_i8_dp4a.cuh"
#include "cuda/launch.cuh"

namespace hk::cuda {
inline namespace HK_KERNEL_TARGET {

namespace linear_fused {
constexpr int kBM = 64, kBN = 64;  // block tile of out
constexpr int kBK = 64;            // f32: K step (int8 steps by dp4a::kBK bytes)
constexpr int kTM = 4, kTN = 4;    // per-thread tile of out
constexpr int kThreads = (kBM / kTM) * (kBN / kTN);  // 256
constexpr int kLoads = kBM * kBK / (4 * kThreads);  // float4 of each f32 panel per thread per step
static_assert(kBM * kBK == 4 * kThreads * kLoads && kBK * kBN == 4 * kThreads * kLoads, "whole float4 per thread");
static_assert(kBM == dp4a::kBM && kBN == dp4a::kBN && kTM == dp4a::kTM && kTN == dp4a::kTN &&
                  kThreads == dp4a::kThreads,
              "the int8 kernel keeps dp4a's tiles");
static_assert(kBN * dp4a::kWords == 2 * kThreads, "two words of an (N, K) W per thread");

inline bool aligned(const void* p, uintptr_t bytes) { return reinterpret_cast<uintptr_t>(p) % bytes == 0; }

// The epilogue of a thread's kTM×kTN tile of sums, on the registers: each column's bias
// and scale read once, then every output inside out finished and stored once — a row's
// kTN adjacent outputs as one 128-bit store when out's rows allow it and all lie inside.
template <class Acc>
__device__ inline void finish_tile(const Acc (&acc)[kTM][kTN], float* __restrict__ out, int64_t row, int64_t col,
                                   int64_t m, int64_t n, const kernel::Epilogue& e, bool vec_out) {
  if (row >= m) return;  // no rows of out here, so no parameters to read
  float v[kTM][kTN];
#pragma unroll
  for (int j = 0; j < kTN; ++j) {
    if (col + j >= n) break;
    const LinearColumn c = linear_column(col + j, e);
#pragma unroll
    for (int i = 0; i < kTM; ++i) v[i][j] = linear_epilogue(acc[i][j], c, e);
  }
#pragma unroll
  for (int i = 0; i < kTM; ++i) {
    const int64_t r = row + i;
    if (r >= m) break;
    if (vec_out && col + kTN - 1 < n) {
      // __stwb keeps the store one 128-bit instruction (matmul_f32_register_tiled.cuh).
      __stwb(reinterpret_cast<float4*>(out + r * n + col), make_float4(v[i][0], v[i][1], v[i][2], v[i][3]));
    } else {
#pragma unroll
      for (int j = 0; j < kTN; ++j)
        if (col + j < n) out[r * n + col + j] = v[i][j];
    }
  }
}
}  // namespace linear_fused

// x: (m, k); w: (k, n), or (n, k) when kWOutIn; out: (m, n), row-major. vec_x / vec_w /
// vec_out: rows of x / w / out are 16-byte aligned (read or written as float4).
template <bool kWOutIn>
__global__ void __launch_bounds__(linear_fused::kThreads)
    linear_f32_fused_kernel(const float* __restrict__ x, const float* __restrict__ w, float* __restrict__ out,
                            int64_t m, int64_t k, int64_t n, kernel::Epilogue e, bool vec_x, bool vec_w,
                            bool vec_out) {
  using namespace linear_fused;
  __shared__ __align__(16) float x_panel[kBM][kBK];  // x_panel[i][p] = x[row0 + i][k0 + p]
  __shared__ __align__(16) float w_panel[kBK][kBN];  // w_panel[p][j] = W[k0 + p][col0 + j], W as (K, N)
  HK_TRACE_SHARED(x_panel);  // cuda_sim: bounds for its checks, tiles for `hk-bench explain`
  HK_TRACE_SHARED(w_panel);

  const int t = threadIdx.x;
  const int tx = t % (kBN / kTN), ty = t / (kBN / kTN);  // columns tx·4 + 0..3, rows ty·4 + 0..3
  const int64_t row0 = int64_t(blockIdx.y) * kBM, col0 = int64_t(blockIdx.x) * kBN;
  float acc[kTM][kTN] = {};

  for (int64_t k0 = 0; k0 < k; k0 += kBK) {
    // The kLoads float4 each thread moves per panel: the q-th of a panel is, for x, row
    // q / (kBK/4), columns (q % (kBK/4))·4 …+3 (16 threads a row); for a (K, N) W, row q / 16,
    // columns (q % 16)·4 …+3; for an (N, K) W, its row col0 + q % 64, columns (q / 64)·4 …+3.
    // All loads are issued before any store, so they are in flight together.
    float4 xv[kLoads], wv[kLoads];
#pragma unroll
    for (int l = 0; l < kLoads; ++l) {
      const int q = t + l * kThreads;
      xv[l] = register_tiled::load4(x, row0 + q / (kBK / 4), k0 + (q % (kBK / 4)) * 4, m, k, vec_x);
      wv[l] = kWOutIn ? register_tiled::load4(w, col0 + q % kBN, k0 + (q / kBN) * 4, n, k, vec_w)
                      : register_tiled::load4(w, k0 + q / (kBN / 4), col0 + (q % (kBN / 4)) * 4, k, n, vec_w);
    }
#pragma unroll
    for (int l = 0; l < kLoads; ++l) {
      const int q = t + l * kThreads;
      *reinterpret_cast<float4*>(&x_panel[q / (kBK / 4)][(q % (kBK / 4)) * 4]) = xv[l];
      if constexpr (kWOutIn) {
        const int j = q % kBN, p = (q / kBN) * 4;
        w_panel[p + 0][j] = wv[l].x;
        w_panel[p + 1][j] = wv[l].y;
        w_panel[p + 2][j] = wv[l].z;
        w_panel[p + 3][j] = wv[l].w;
      } else {
        *reinterpret_cast<float4*>(&w_panel[q / (kBN / 4)][(q % (kBN / 4)) * 4]) = wv[l];
      }
    }
    // The panels must be complete before any thread reads values other threads stored.
    __syncthreads();
#pragma unroll
    for (int p0 = 0; p0 < kBK; p0 += 4) {
      float ra[kTM][4];  // this thread's rows of x, columns p0..p0+3 of the step
#pragma unroll
      for (int i = 0; i < kTM; ++i) {
        const float4 v = *reinterpret_cast<const float4*>(&x_panel[ty * kTM + i][p0]);
        ra[i][0] = v.x, ra[i][1] = v.y, ra[i][2] = v.z, ra[i][3] = v.w;
      }
#pragma unroll
      for (int q = 0; q < 4; ++q) {
        const float4 v = *reinterpret_cast<const float4*>(&w_panel[p0 + q][tx * kTN]);
        const float rb[kTN] = {v.x, v.y, v.z, v.w};
#pragma unroll
        for (int i = 0; i < kTM; ++i)
#pragma unroll
          for (int j = 0; j < kTN; ++j) acc[i][j] += ra[i][q] * rb[j];
      }
    }
    // Every thread must be done with these panels before the next step overwrites them.
    __syncthreads();
  }

  // The epilogue, on the registers: each output finished and stored once.
  finish_tile(acc, out, row0 + ty * kTM, col0 + tx * kTN, m, n, e, vec_out);
}

// x: (m, k); w: (k, n), or (n, k) when kWOutIn; out: (m, n), row-major. vec_x / vec_w: rows
// of x / w are 4-byte aligned (read as words; vec_x2 / vec_w2: 8-byte, read as word pairs);
// vec_out: rows of out are 16-byte aligned.
template <bool kWOutIn>
__global__ void __launch_bounds__(linear_fused::kThreads)
    linear_i8_fused_kernel(const int8_t* __restrict__ x, const int8_t* __restrict__ w, float* __restrict__ out,
                           int64_t m, int64_t k, int64_t n, kernel::Epilogue e, bool vec_x, bool vec_x2, bool vec_w,
                           bool vec_w2, bool vec_out) {
  using namespace dp4a;
  using linear_fused::finish_tile;
  __shared__ __align__(16) int x_words[kBM][kWords];  // x_words[i][q] = x[row0 + i][k0 + 4q … 4q+3]
  __shared__ __align__(16) int w_words[kWords][kBN];  // w_words[q][j] = W[k0 + 4q … 4q+3][col0 + j]
  HK_TRACE_SHARED(x_words);  // cuda_sim: bounds for its checks, tiles for `hk-bench explain`
  HK_TRACE_SHARED(w_words);

  const int t = threadIdx.x;
  const int tx = t % (kBN / kTN), ty = t / (kBN / kTN);  // columns tx·4 + 0..3, rows ty·4 + 0..3
  const int64_t row0 = int64_t(blockIdx.y) * kBM, col0 = int64_t(blockIdx.x) * kBN;
  // x: words 2·x_q and 2·x_q + 1 of row x_i (4 threads cover one row's 32 bytes).
  const int x_i = t / (kWords / 2), x_q = t % (kWords / 2);
  // W (K, N): the 4×4 byte block of rows 4·b_q … +3, columns 4·b_jq … +3 (threads below
  // kBBlocks). W (N, K): words 2·b_q and 2·b_q + 1 of row col0 + b_j.
  const int b_q = kWOutIn ? (t / kBN) * 2 : t / (kBN / 4);
  const int b_jq = t % (kBN / 4), b_j = t % kBN;
  int acc[kTM][kTN] = {};

  for (int64_t k0 = 0; k0 < k; k0 += kBK) {
    *reinterpret_cast<int2*>(&x_words[x_i][2 * x_q]) = load_pair(x, row0 + x_i, k0 + 8 * x_q, m, k, vec_x, vec_x2);
    if constexpr (kWOutIn) {  // rows of W are K-contiguous: words as they are, down a column
      const int2 pair = load_pair(w, col0 + b_j, k0 + 4 * b_q, n, k, vec_w, vec_w2);
      w_words[b_q][b_j] = pair.x;
      w_words[b_q + 1][b_j] = pair.y;
    } else if (t < kBBlocks) {  // a 4×4 byte block transposed in registers
      *reinterpret_cast<int4*>(&w_words[b_q][4 * b_jq]) =
          load_block_transposed(w, k0 + 4 * b_q, col0 + 4 * b_jq, k, n, vec_w);
    }
    // The tiles must be complete before any thread reads words other threads stored.
    __syncthreads();
    multiply_step(acc, x_words, w_words, tx, ty);
    // Every thread must be done with these tiles before the next step overwrites them.
    __syncthreads();
  }

  // The epilogue, on the registers: each sum dequantized, biased, relu'd and stored once.
  finish_tile(acc, out, row0 + ty * kTM, col0 + tx * kTN, m, n, e, vec_out);
}

inline void linear_f32_fused(const float* x, const float* w, float* out, int64_t m, int64_t k, int64_t n, bool w_out_in,
                             const kernel::Epilogue& e, const KernelContext& ctx) {
  using namespace linear_fused;
  if (m == 0 || n == 0) return;  // a grid with no blocks is an invalid launch
  const bool vec_w = (w_out_in ? k : n) % 4 == 0 && aligned(w, 16);
  for_each_row_range(m, kBM, [&](int64_t row0, int64_t rows) {
    const float* x_rows = x + row0 * k;
    float* out_rows = out + row0 * n;
    const bool vec_x = k % 4 == 0 && aligned(x_rows, 16), vec_out = n % 4 == 0 && aligned(out_rows, 16);
    const dim3 grid(static_cast<unsigned>((n + kBN - 1) / kBN), static_cast<unsigned>((rows + kBM - 1) / kBM));
    auto kernel = w_out_in ? linear_f32_fused_kernel<true> : linear_f32_fused_kernel<false>;
    launch(ctx, kernel, grid, dim3(kThreads))(x_rows, w, out_rows, rows, k, n, e, vec_x, vec_w, vec_out);
  });
}

// |Σ| ≤ 128²·K < 2³¹ for the K linear accepts: the int32 sums never overflow.
inline void linear_i8_fused(const int8_t* x, const int8_t* w, float* out, int64_t m, int64_t k, int64_t n,
                            bool w_out_in, const kernel::Epilogue& e, const KernelContext& ctx) {
  using namespace linear_fused;
  if (m == 0 || n == 0) return;  // a grid with no blocks is an invalid launch
  const int64_t w_cols = w_out_in ? k : n;
  const bool vec_w = w_cols % 4 == 0 && aligned(w, 4), vec_w2 = w_cols % 8 == 0 && aligned(w, 8);
  for_each_row_range(m, kBM, [&](int64_t row0, int64_t rows) {
    const int8_t* x_rows = x + row0 * k;
    float* out_rows = out + row0 * n;
    const bool vec_x = k % 4 == 0 && aligned(x_rows, 4), vec_x2 = k % 8 == 0 && aligned(x_rows, 8);
    const bool vec_out = n % 4 == 0 && aligned(out_rows, 16);
    const dim3 grid(static_cast<unsigned>((n + kBN - 1) / kBN), static_cast<unsigned>((rows + kBM - 1) / kBM));
    auto kernel = w_out_in ? linear_i8_fused_kernel<true> : linear_i8_fused_kernel<false>;
    launch(ctx, kernel, grid, dim3(kThreads))(x_rows, w, out_rows, rows, k, n, e, vec_x, vec_x2, vec_w, vec_w2,
                                              vec_out);
  });
}

}  // namespace HK_KERNEL_TARGET
}  // namespace hk::cuda
