// Matmul, i8×i8→i32, dp4a: tiled, four int8 products per instruction.
//
// What it teaches: __dp4a(a, b, c) treats a and b as four packed signed bytes and returns
// c + a₀b₀ + a₁b₁ + a₂b₂ + a₃b₃ in one instruction (sm_61+, so every CUDA 13 target): four
// multiply-adds for the price of one, if the four bytes of A's row and of B's column that
// meet are packed into one 32-bit word each. A block of 256 threads computes a 64×64 tile
// of C (4×4 outputs per thread); per step of 32 along K it stages A (64×32 bytes) and B
// (32×64) in shared memory as words of 4 consecutive k, and each thread issues
// 8 words × 4·4 = 128 dp4a from 16 shared loads of 128 bits.
//
// Loading B: its rows are N-contiguous, but a word needs 4 consecutive k of one column. A
// thread loads a 4×4 byte block as 4 words (one per row, 4 columns each; a warp's loads
// of a row are 64 contiguous bytes) and transposes it in registers with __byte_perm into
// 4 words of 4 k each, one per column.
//
// Shared memory without bank conflicts (32 banks of 4 bytes; 64-bit accesses are served
// 16 threads at a time, 128-bit ones 8 at a time):
// - a_words[row][w], 8 words a row: a thread stores 2 adjacent words, so 16 threads store
//   128 contiguous bytes; it reads a row's 4 words at once, and the 8 threads of a quarter-
//   warp read the same row (one broadcast);
// - b_words[w][col], 64 words a row: a thread stores its 4 columns at once and reads 4
//   adjacent columns at once, so 8 threads touch 128 contiguous bytes either way.
// Exactness: dp4a accumulates in 32-bit two's complement, wrapping on overflow; the CPU
// sums in int64 and narrows modulo 2³², which is the same number. So every result is
// bit-identical to the CPU, −128 included (and hk rejects K where (−128)²·K could overflow).
// Limits: no double buffering; cuBLAS uses int8 tensor cores (IMMA), whose peak rate on
// sm_80/sm_90 is many times dp4a's: this kernel teaches dp4a, it does not compete with that.
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
constexpr int kBBlocks = kWords * (kBN / 4);         // 4×4 byte blocks of B per step: 128
static_assert(kBM * kWords == 2 * kThreads, "two words of A per thread");
static_assert(kBBlocks <= kThreads, "one 4×4 block of B per thread at most");

// Packs 4 signed bytes into one word, byte 0 in the low bits (the order __dp4a reads).
__device__ inline int pack4(int8_t b0, int8_t b1, int8_t b2, int8_t b3) {
  return static_cast<int>(static_cast<unsigned>(static_cast<uint8_t>(b0)) |
                          static_cast<unsigned>(static_cast<uint8_t>(b1)) << 8 |
                          static_cast<unsigned>(static_cast<uint8_t>(b2)) << 16 |
                          static_cast<unsigned>(static_cast<uint8_t>(b3)) << 24);
}

// Four bytes of row `r` of a row-major (rows × cols) int8 matrix from column `col`, as one
// word: one load when `vec` says rows are 4-byte aligned and all four lie inside, else byte
// by byte, zero outside.
__device__ inline int load_word(const int8_t* __restrict__ x, int64_t r, int64_t col, int64_t rows, int64_t cols,
                                bool vec) {
  if (r >= rows) return 0;
  const int8_t* src = x + r * cols + col;
  if (vec && col + 3 < cols) return *reinterpret_cast<const int*>(src);
  return pack4(col < cols ? src[0] : 0, col + 1 < cols ? src[1] : 0, col + 2 < cols ? src[2] : 0,
               col + 3 < cols ? src[3] : 0);
}

// Eight bytes of row r from column col, as two words: one 64-bit load when vec2 says rows are
// 8-byte aligned and all eight lie inside, else word by word (load_word: zero outside).
__forceinline__ __device__ int2 load_pair(const int8_t* __restrict__ x, int64_t r, int64_t col, int64_t rows, int64_t cols,
                                          bool vec, bool vec2) {
  if (vec2 && r < rows && col + 7 < cols) return *reinterpret_cast<const int2*>(x + r * cols + col);
  return make_int2(load_word(x, r, col, rows, cols, vec), load_word(x, r, col + 4, rows, cols, vec));
}

// The 4×4 byte block of rows p … p+3, columns col … col+3, as 4 words of 4 consecutive rows,
// one per column (the words __dp4a pairs with a row's words): one word per row (a warp's
// loads of a row are 64 contiguous bytes), transposed in registers with __byte_perm.
__forceinline__ __device__ int4 load_block_transposed(const int8_t* __restrict__ x, int64_t p, int64_t col, int64_t rows,
                                                      int64_t cols, bool vec) {
  const unsigned r0 = unsigned(load_word(x, p + 0, col, rows, cols, vec)),
                 r1 = unsigned(load_word(x, p + 1, col, rows, cols, vec)),
                 r2 = unsigned(load_word(x, p + 2, col, rows, cols, vec)),
                 r3 = unsigned(load_word(x, p + 3, col, rows, cols, vec));
  // rᵢ holds columns 0..3 of row i; interleave to (r0.b0 r1.b0 r0.b1 r1.b1) … then pairs.
  const unsigned t0 = __byte_perm(r0, r1, 0x5140), t1 = __byte_perm(r0, r1, 0x7362);
  const unsigned t2 = __byte_perm(r2, r3, 0x5140), t3 = __byte_perm(r2, r3, 0x7362);
  return make_int4(int(__byte_perm(t0, t2, 0x5410)), int(__byte_perm(t0, t2, 0x7632)), int(__byte_perm(t1, t3, 0x5410)),
                   int(__byte_perm(t1, t3, 0x7632)));
}

// acc += one K step of the block tile for this thread's kTM rows (ty) and kTN columns (tx):
// its rows' 8 words from a_words, then per word 4 columns from b_words, 4·4 dp4a each.
// Inlined, so the loads stay shared-memory loads.
__forceinline__ __device__ void multiply_step(int (&acc)[kTM][kTN], const int (&a_words)[kBM][kWords],
                                              const int (&b_words)[kWords][kBN], int tx, int ty) {
  int4 ra[kTM][kWords / 4];  // this thread's 4 rows, all 8 words each
#pragma unroll
  for (int i = 0; i < kTM; ++i)
#pragma unroll
    for (int h = 0; h < kWords / 4; ++h) ra[i][h] = *reinterpret_cast<const int4*>(&a_words[ty * kTM + i][4 * h]);
#pragma unroll
  for (int w = 0; w < kWords; ++w) {
    const int4 rb = *reinterpret_cast<const int4*>(&b_words[w][tx * kTN]);  // 4 columns, word w
    const int reg_b[kTN] = {rb.x, rb.y, rb.z, rb.w};
#pragma unroll
    for (int i = 0; i < kTM; ++i) {
      const int4& q = ra[i][w / 4];
      const int reg_a = (w % 4 == 0) ? q.x : (w % 4 == 1) ? q.y : (w % 4 == 2) ? q.z : q.w;
#pragma unroll
      for (int j = 0; j < kTN; ++j) acc[i][j] = __dp4a(reg_a, reg_b[j], acc[i][j]);
    }
  }
}
}  // namespace dp4a

// a: (m, k), b: (k, n), c: (m, n), row-major. vec_a / vec_b: rows of A / B may be read as
// 4-byte words (vec_a2: as 8-byte pairs of words); vec_c: rows of C may be written as int4.
__global__ void __launch_bounds__(dp4a::kThreads)
    matmul_i8_dp4a_kernel(const int8_t* __restrict__ a, const int8_t* __restrict__ b, int32_t* __restrict__ c,
                          int64_t m, int64_t k, int64_t n, bool vec_a, bool vec_a2, bool vec_b, bool vec_c) {
  using namespace dp4a;
  __shared__ __align__(16) int a_words[kBM][kWords];  // a_words[i][w] = A[row0 + i][k0 + 4w … 4w+3]
  __shared__ __align__(16) int b_words[kWords][kBN];  // b_words[w][j] = B[k0 + 4w … 4w+3][col0 + j]
  HK_TRACE_SHARED(a_words);  // cuda_sim: bounds for its checks, tiles for `hk-bench explain`
  HK_TRACE_SHARED(b_words);

  const int t = threadIdx.x;
  const int tx = t % (kBN / kTN), ty = t / (kBN / kTN);  // columns tx·4 + 0..3, rows ty·4 + 0..3
  const int64_t row0 = int64_t(blockIdx.y) * kBM, col0 = int64_t(blockIdx.x) * kBN;
  // A: words 2·a_wp and 2·a_wp + 1 of row a_i (4 threads cover one row's 32 bytes).
  const int a_i = t / (kWords / 2), a_wp = t % (kWords / 2);
  // B: the 4×4 block of rows 4·b_w … +3, columns 4·b_jq … +3 (threads below kBBlocks).
  const int b_w = t / (kBN / 4), b_jq = t % (kBN / 4);
  int acc[kTM][kTN] = {};

  for (int64_t k0 = 0; k0 < k; k0 += kBK) {
    // A → shared, two words in one 64-bit store; B → shared, a 4×4 byte block transposed.
    *reinterpret_cast<int2*>(&a_words[a_i][2 * a_wp]) = load_pair(a, row0 + a_i, k0 + 8 * a_wp, m, k, vec_a, vec_a2);
    if (t < kBBlocks)
      *reinterpret_cast<int4*>(&b_words[b_w][4 * b_jq]) =
          load_block_transposed(b, k0 + 4 * b_w, col0 + 4 * b_jq, k, n, vec_b);
    // The tiles must be complete before any thread reads words other threads stored.
    __syncthreads();
    multiply_step(acc, a_words, b_words, tx, ty);
    // Every thread must be done with these tiles before the next step overwrites them.
    __syncthreads();
  }

  // A thread's 4 columns of a row are adjacent: one 128-bit store when C's rows allow it,
  // so a warp writes whole sectors (one int at a time, each 32-byte sector took 4 requests).
#pragma unroll
  for (int i = 0; i < kTM; ++i) {
    const int64_t r = row0 + ty * kTM + i, col = col0 + tx * kTN;
    if (r >= m) break;
    if (vec_c && col + kTN - 1 < n) {
      // __stwb: a plain int4 store came out of nvcc 13 as four 32-bit stores (H200 SASS).
      __stwb(reinterpret_cast<int4*>(c + r * n + col), make_int4(acc[i][0], acc[i][1], acc[i][2], acc[i][3]));
    } else {
#pragma unroll
      for (int j = 0; j < kTN; ++j)
        if (col + j < n) c[r * n + col + j] = acc[i][j];
    }
  }
}

inline void matmul_i8_dp4a(const int8_t* a, const int8_t* b, int32_t* c, int64_t m, int64_t k, int64_t n,
                           const KernelContext& ctx) {
  using namespace dp4a;
  if (m == 0 || n == 0) return;  // a grid with no blocks is an invalid launch
  for_each_row_range(m, kBM, [&](int64_t row0, int64_t rows) {
    const int8_t* a_rows = a + row0 * k;
    const auto base = reinterpret_cast<uintptr_t>(a_rows);
    const bool vec_a = k % 4 == 0 && base % 4 == 0, vec_a2 = k % 8 == 0 && base % 8 == 0;
    const bool vec_b = n % 4 == 0 && reinterpret_cast<uintptr_t>(b) % 4 == 0;
    const bool vec_c = n % 4 == 0 && reinterpret_cast<uintptr_t>(c + row0 * n) % 16 == 0;
    const dim3 grid(static_cast<unsigned>((n + kBN - 1) / kBN), static_cast<unsigned>((rows + kBM - 1) / kBM));
    launch(ctx, matmul_i8_dp4a_kernel, grid, dim3(kThreads))(a_rows, b, c + row0 * n, rows, k, n, vec_a, vec_a2,
                                                             vec_b, vec_c);
  });
}

}  // namespace HK_KERNEL_TARGET
}  // namespace hk::cuda
