// int8 c = a · bᵀ, b stored (n × k), as dot products along k on int16 pairs, on AVX2
// without VNNI: a layer with (out, in) weights at batch 1 to 8 (PyTorch's layout), A · x
// (gemv_i8_col), and a narrow product's transposed copy of B. Built with -mavx2
// (cpu/CMakeLists.txt), called by gemm_shape.cpp and gemv.cpp only where the CPU has AVX2
// (after HK_CPU_ISA) and no AVX512-VNNI, whose dot products (gemm_i8_nt_vnni_avx512.cpp)
// take these shapes there.
//
// Why: here a column's k values are consecutive bytes of its row of b, so the pairs vpmaddwd
// wants are already side by side: one vpmovsxbw load makes 8 of them from 16 bytes, for a row
// of a and for a row of b alike, with no interleave. The packed GEMM would transpose all of
// b into a copy first (gemm_pack_pairs_avx2.cpp); the portable forms multiply in int32
// lanes, 8 multiply-adds per instruction where vpmaddwd does 16.
//
// A tile of MR rows of a and NR rows of b loads MR + NR vectors per 16 k and does MR·NR
// vpmaddwd + vpaddd into MR × NR accumulators of 8 partial sums each; at the end each row's
// NR accumulators are summed across their lanes together (three vphaddd and one add of the
// 128-bit halves), and the k values past the last 16 are added one by one. Sums wrap modulo
// 2³² like every int32 sum in hk, so the results are the portable forms' bits.
//
// A narrow B (K × N, N under 16: a classifier head) is transposed for them here too, 16 rows
// at a time by a 16 × 16 byte transpose of unpacks, where the loop over bytes took as long as
// the product at 4 rows.
//
// No standard-library templates here: an instantiation compiled with -mavx2 could be the
// copy the linker keeps for code that runs on any CPU.
#include <immintrin.h>

#include <cstdint>

#include "cpu/gemm_shape.hpp"

namespace hk::cpu {

namespace {

// 2 rows of a × 4 of b: 8 accumulators, 2 + 1 vectors of a and b, and a product before it is
// added, in AVX2's 16 registers (at 3 × 4, GCC kept half the accumulators on the stack).
constexpr int kMR = 2, kNR = 4;

inline __m256i load_pairs(const int8_t* p) {  // 16 bytes as 8 int16 pairs
  return _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

// The lane sums of v0 … v3 as the four lanes of one 128-bit vector.
inline __m128i sum_four(__m256i v0, __m256i v1, __m256i v2, __m256i v3) {
  const __m256i s = _mm256_hadd_epi32(_mm256_hadd_epi32(v0, v1), _mm256_hadd_epi32(v2, v3));
  return _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
}

// c (R × C outputs, row stride ldc) = a (R rows, lda) · b (C rows, ldb)ᵀ over k.
template <int R, int C>
void tile(int64_t k, const int8_t* a, int64_t lda, const int8_t* b, int64_t ldb, int32_t* c, int64_t ldc) {
  __m256i acc[R][C];
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int j = 0; j < C; ++j) acc[r][j] = _mm256_setzero_si256();
  const int64_t k16 = k / 16 * 16;
  for (int64_t p = 0; p < k16; p += 16) {
    __m256i av[R];
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) av[r] = load_pairs(a + r * lda + p);
#pragma GCC unroll 4
    for (int j = 0; j < C; ++j) {
      const __m256i bv = load_pairs(b + j * ldb + p);
#pragma GCC unroll 4
      for (int r = 0; r < R; ++r) acc[r][j] = _mm256_add_epi32(acc[r][j], _mm256_madd_epi16(av[r], bv));
    }
  }
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r) {
    const __m256i z = _mm256_setzero_si256();  // the lanes past the tile's last row of b
    alignas(16) int32_t sums[4];
    _mm_store_si128(reinterpret_cast<__m128i*>(sums),
                    sum_four(acc[r][0], C > 1 ? acc[r][C > 1 ? 1 : 0] : z, C > 2 ? acc[r][C > 2 ? 2 : 0] : z,
                             C > 3 ? acc[r][C > 3 ? 3 : 0] : z));
    for (int j = 0; j < C; ++j) {
      uint32_t s = static_cast<uint32_t>(sums[j]);
      for (int64_t p = k16; p < k; ++p)  // the k tail, one by one
        s += static_cast<uint32_t>(int32_t{a[r * lda + p]} * int32_t{b[j * ldb + p]});
      c[r * ldc + j] = static_cast<int32_t>(s);
    }
  }
}

using TileFn = void (*)(int64_t, const int8_t*, int64_t, const int8_t*, int64_t, int32_t*, int64_t);

// kTiles[r − 1][c − 1]: r rows of a, c rows of b (the edges of the product get their own).
constexpr TileFn kTiles[kMR][kNR] = {
    {&tile<1, 1>, &tile<1, 2>, &tile<1, 3>, &tile<1, 4>},
    {&tile<2, 1>, &tile<2, 2>, &tile<2, 3>, &tile<2, 4>},
};

// 16 rows of 16 bytes → 16 columns of 16 bytes: byte, 16-bit, 32-bit and 64-bit unpacks, each
// stage joining twice as many rows per element.
inline void transpose_16x16_i8(const __m128i r[16], __m128i out[16]) {
  __m128i a[16], q[16], o[16];
  // a[8h + i]: rows 2i, 2i + 1, columns 8h … 8h + 7, as 16-bit elements.
  for (int i = 0; i < 8; ++i) {
    a[i] = _mm_unpacklo_epi8(r[2 * i], r[2 * i + 1]);
    a[8 + i] = _mm_unpackhi_epi8(r[2 * i], r[2 * i + 1]);
  }
  // q[4g + j]: rows 4j … 4j + 3, columns 4g … 4g + 3, as 32-bit elements.
  for (int h = 0; h < 2; ++h)
    for (int j = 0; j < 4; ++j) {
      q[8 * h + j] = _mm_unpacklo_epi16(a[8 * h + 2 * j], a[8 * h + 2 * j + 1]);
      q[8 * h + 4 + j] = _mm_unpackhi_epi16(a[8 * h + 2 * j], a[8 * h + 2 * j + 1]);
    }
  // o[2g + e]: rows 8e … 8e + 7, columns 2g and 2g + 1, as 64-bit elements.
  for (int g = 0; g < 4; ++g)
    for (int e = 0; e < 2; ++e) {
      o[4 * g + e] = _mm_unpacklo_epi32(q[4 * g + 2 * e], q[4 * g + 2 * e + 1]);
      o[4 * g + 2 + e] = _mm_unpackhi_epi32(q[4 * g + 2 * e], q[4 * g + 2 * e + 1]);
    }
  for (int g = 0; g < 8; ++g) {
    out[2 * g] = _mm_unpacklo_epi64(o[2 * g], o[2 * g + 1]);
    out[2 * g + 1] = _mm_unpackhi_epi64(o[2 * g], o[2 * g + 1]);
  }
}

}  // namespace

void transpose_i8_narrow(const int8_t* b, int64_t k, int64_t n, int8_t* dst) {
  int64_t p = 0;
  // 16 rows at a time while the last one's 16-byte load ends inside B (its bytes past the row
  // are the next rows', and never stored).
  for (; p + 16 <= k && (p + 15) * n + 16 <= k * n; p += 16) {
    __m128i r[16], out[16];
    for (int i = 0; i < 16; ++i) r[i] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + (p + i) * n));
    transpose_16x16_i8(r, out);
    for (int64_t j = 0; j < n; ++j) _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + j * k + p), out[j]);
  }
  for (; p < k; ++p)
    for (int64_t j = 0; j < n; ++j) dst[j * k + p] = b[p * n + j];
}

void gemm_i8_nt_pairs_ymm(const int8_t* a, int64_t lda, const int8_t* b, int64_t ldb, int32_t* c, int64_t ldc,
                          int64_t m, int64_t k, int64_t n) {
  // A tile of b's rows stays in L1 while every tile of a's rows passes it; b's rows are cut
  // into tiles of near-equal width (10 as 4, 3, 3).
  const int64_t col_tiles = (n + kNR - 1) / kNR;
  for (int64_t t = 0, j0 = 0; t < col_tiles; ++t) {
    const int64_t cols = near_equal_width(n, col_tiles, t);
    for (int64_t i0 = 0; i0 < m; i0 += kMR) {
      const int64_t rows = m - i0 < kMR ? m - i0 : kMR;
      kTiles[rows - 1][cols - 1](k, a + i0 * lda, lda, b + j0 * ldb, ldb, c + i0 * ldc + j0, ldc);
    }
    j0 += cols;
  }
}

}  // namespace hk::cpu
