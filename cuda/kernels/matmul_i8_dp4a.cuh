// Matmul, i8×i8→i32, dp4a: tiled, four int8 products per instruction.
//
// What it teaches: __dp4a(a, b, c) treats a and b as four packed signed bytes and returns
// c + a₀b₀ + a₁b₁ + a₂b₂ + a₃b₃ in one instruction (sm_61+, so every CUDA 13 target): four
// multiply-adds for the price of one, if the four bytes of A's row and of B's column that
// meet are packed into one 32-bit word each. A block of 256 threads computes a 64×64 tile
// of C (4×4 outputs per thread); per step it stages 64×32 bytes of A and 32×64 of B in
// shared memory as words of 4 consecutive k — A row by row as stored, B transposed so a
// column's 4 bytes sit in one word — and for each of the step's 8 words of K a thread
// reads 4 words of A and 4 of B from shared memory and issues 4·4 = 16 dp4a with them.
// Exactness: dp4a accumulates in 32-bit two's complement, wrapping on overflow; the CPU
// sums in int64 and narrows modulo 2³², which is the same number. So every result is
// bit-identical to the CPU, −128 included (and hk rejects K where (−128)²·K could overflow).
// Limits: B's bytes are gathered one by one to transpose them (4 byte loads per word);
// no double buffering; 16 dp4a per 8 shared loads leaves shared-memory bandwidth, not the
// dp4a pipe, as the bound. cuBLAS uses int8 tensor cores
// (IMMA), 8–16× the dp4a rate on sm_80/sm_90: this kernel teaches dp4a, it does not
// compete with that.
#pragma once

#include <cstdint>

#include "cuda/launch.cuh"

namespace hk::cuda {
inline namespace HK_KERNEL_TARGET {

namespace dp4a {
constexpr int kBM = 64, kBN = 64, kBK = 32;  // block tile of C; K bytes per step
constexpr int kTM = 4, kTN = 4;              // per-thread tile of C
constexpr int kWords = kBK / 4;              // packed words per row of a tile
constexpr int kThreads = (kBM / kTM) * (kBN / kTN);  // 256
static_assert(kBM * kWords == 2 * kThreads && kBN * kWords == 2 * kThreads, "two words of each tile per thread");

// Packs 4 signed bytes into one word, byte 0 in the low bits (the order __dp4a reads).
__device__ inline int pack4(int8_t b0, int8_t b1, int8_t b2, int8_t b3) {
  return static_cast<int>(static_cast<unsigned>(static_cast<uint8_t>(b0)) |
                          static_cast<unsigned>(static_cast<uint8_t>(b1)) << 8 |
                          static_cast<unsigned>(static_cast<uint8_t>(b2)) << 16 |
                          static_cast<unsigned>(static_cast<uint8_t>(b3)) << 24);
}
}  // namespace dp4a

// a: (m, k), b: (k, n), c: (m, n), row-major. vec_a: rows of A may be read as 4-byte words.
__global__ void __launch_bounds__(dp4a::kThreads)
    matmul_i8_dp4a_kernel(const int8_t* __restrict__ a, const int8_t* __restrict__ b, int32_t* __restrict__ c,
                          int64_t m, int64_t k, int64_t n, bool vec_a) {
  using namespace dp4a;
  // +1 word of padding per row: threads reading the same word index of consecutive rows
  // hit different banks.
  __shared__ int a_words[kBM][kWords + 1];  // a_words[i][w] = A[row0 + i][k0 + 4w … 4w+3]
  __shared__ int b_words[kBN][kWords + 1];  // b_words[j][w] = B[k0 + 4w … 4w+3][col0 + j]

  const int t = threadIdx.x;
  const int tx = t % (kBN / kTN), ty = t / (kBN / kTN);
  const int64_t row0 = int64_t(blockIdx.y) * kBM, col0 = int64_t(blockIdx.x) * kBN;
  int acc[kTM][kTN] = {};

  for (int64_t k0 = 0; k0 < k; k0 += kBK) {
#pragma unroll
    for (int s = 0; s < 2; ++s) {  // A: word w of row i
      const int idx = t + s * kThreads, i = idx / kWords, w = idx % kWords;
      const int64_t r = row0 + i, p = k0 + 4 * w;
      int word = 0;
      if (r < m) {
        const int8_t* src = a + r * k + p;
        if (vec_a && p + 3 < k) {
          word = *reinterpret_cast<const int*>(src);
        } else {
          word = pack4(p < k ? src[0] : 0, p + 1 < k ? src[1] : 0, p + 2 < k ? src[2] : 0, p + 3 < k ? src[3] : 0);
        }
      }
      a_words[i][w] = word;
    }
#pragma unroll
    for (int s = 0; s < 2; ++s) {  // B: word w of column j, gathered from 4 rows
      const int idx = t + s * kThreads, j = idx % kBN, w = idx / kBN;
      const int64_t col = col0 + j, p = k0 + 4 * w;
      int8_t v[4] = {0, 0, 0, 0};
      if (col < n) {
#pragma unroll
        for (int q = 0; q < 4; ++q)
          if (p + q < k) v[q] = b[(p + q) * n + col];
      }
      b_words[j][w] = pack4(v[0], v[1], v[2], v[3]);
    }
    // The tiles must be complete before any thread reads words other threads stored.
    __syncthreads();
#pragma unroll
    for (int w = 0; w < kWords; ++w) {
      int reg_a[kTM], reg_b[kTN];
#pragma unroll
      for (int i = 0; i < kTM; ++i) reg_a[i] = a_words[ty * kTM + i][w];
#pragma unroll
      for (int j = 0; j < kTN; ++j) reg_b[j] = b_words[tx * kTN + j][w];
#pragma unroll
      for (int i = 0; i < kTM; ++i)
#pragma unroll
        for (int j = 0; j < kTN; ++j) acc[i][j] = __dp4a(reg_a[i], reg_b[j], acc[i][j]);
    }
    // Every thread must be done with these tiles before the next step overwrites them.
    __syncthreads();
  }

#pragma unroll
  for (int i = 0; i < kTM; ++i) {
    const int64_t r = row0 + ty * kTM + i;
#pragma unroll
    for (int j = 0; j < kTN; ++j) {
      const int64_t col = col0 + tx * kTN + j;
      if (r < m && col < n) c[r * n + col] = acc[i][j];
    }
  }
}

inline void matmul_i8_dp4a(const int8_t* a, const int8_t* b, int32_t* c, int64_t m, int64_t k, int64_t n,
                           const KernelContext& ctx) {
  using namespace dp4a;
  if (m == 0 || n == 0) return;  // a grid with no blocks is an invalid launch
  for_each_row_range(m, kBM, [&](int64_t row0, int64_t rows) {
    const int8_t* a_rows = a + row0 * k;
    const bool vec_a = k % 4 == 0 && reinterpret_cast<uintptr_t>(a_rows) % 4 == 0;
    const dim3 grid(static_cast<unsigned>((n + kBN - 1) / kBN), static_cast<unsigned>((rows + kBM - 1) / kBM));
    launch(ctx, matmul_i8_dp4a_kernel, grid, dim3(kThreads))(a_rows, b, c + row0 * n, rows, k, n, vec_a);
  });
}

}  // namespace HK_KERNEL_TARGET
}  // namespace hk::cuda
