// int8 c = a · b for a few rows of a (a layer with (in, out) weights at batch 1 to 8) on
// AVX2 without VNNI, B read as stored: built with -mavx2 (cpu/CMakeLists.txt), called by
// gemm_shape.cpp and gemv.cpp only where the CPU has AVX2 (after HK_CPU_ISA) and no
// AVX512-VNNI, whose register blocks (gemv_i8_vnni_avx512.cpp) take these shapes there.
//
// Why: without VNNI the int8 GEMM multiplies int16 pairs with vpmaddwd, which wants two
// consecutive k of a column side by side, and B's rows hold consecutive columns. The packed
// GEMM interleaves all of B into a copy first (gemm_pack_pairs_avx2.cpp), a pass that writes
// twice the bytes it reads and that a few rows of a cannot repay; the portable GEMV widens
// each byte to an int32 lane and multiplies in int32, 8 multiply-adds per instruction. Here
// the interleave is done in registers as B streams past, the packing's own three steps
// (pairs_16: two rows' 16 bytes interleaved, each half sign-extended by one vpmovsxbw), never
// written back, and each interleaved block feeds up to four rows of a: 16 multiply-adds per vpmaddwd.
//
// a's k pairs are made once per call, as int32 words (x[2q] in the low int16, x[2q + 1] in
// the high), in scratch slot 1, and each is broadcast from memory as the k loop reaches it.
// An odd K's last pair has a zero high half and reads no row past B. Columns come in blocks
// of 16; a last block cut short by N is computed as the 16 columns ending at N, so some
// columns are summed twice, to the same bits: N must be at least 16 (narrower products take
// gemm_i8_nt_pairs_avx2.cpp's dot products on a transposed B, which waste no lanes; a
// zero-padded copy of B here timed no faster than the packed GEMM at 10 columns). Sums wrap modulo 2³² like every int32 sum in hk, so the results are the
// portable forms' bits.
//
// No standard-library templates here: an instantiation compiled with -mavx2 could be the
// copy the linker keeps for code that runs on any CPU.
#include <immintrin.h>

#include <cstdint>

#include "cpu/gemm_loops.hpp"  // pack_scratch
#include "cpu/gemm_shape.hpp"

namespace hk::cpu {

namespace {

#include "cpu/pairs_16_avx2.inc"  // pairs_16

// Columns [c0, c0 + 16·NC) of MR rows of c, over all of K; xp: row r's k pairs, ldxp apart.
template <int NC, int MR>
void sweep(const int32_t* xp, int64_t ldxp, const int8_t* b, int64_t ldb, int32_t* c, int64_t ldc, int64_t k,
           int64_t c0) {
  // Every loop over r, blk and h is unrolled, so that acc lives in registers (MR · NC · 2 of
  // the 16, beside the interleaved block and the broadcast pairs).
  __m256i acc[MR][NC][2];
#pragma GCC unroll 4
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
    for (int blk = 0; blk < NC; ++blk) acc[r][blk][0] = acc[r][blk][1] = _mm256_setzero_si256();
  // k pair q: rows 2q and 2q + 1 of B (second: false for an odd K's last k, whose pair is
  // (x[k − 1], 0) and whose row 2q + 1 does not exist).
  auto step = [&](int64_t q, bool second) {
    __m256i xv[MR];
#pragma GCC unroll 4
    for (int r = 0; r < MR; ++r) xv[r] = _mm256_set1_epi32(xp[r * ldxp + q]);
    const int8_t* row = b + 2 * q * ldb + c0;
#pragma GCC unroll 4
    for (int blk = 0; blk < NC; ++blk) {
      const __m128i x0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + 16 * blk));
      const __m128i x1 =
          second ? _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + ldb + 16 * blk)) : _mm_setzero_si128();
      __m256i u0, u1;  // columns 0–7 and 8–15, as (k, k + 1) pairs
      pairs_16(x0, x1, u0, u1);
#pragma GCC unroll 4
      for (int r = 0; r < MR; ++r) {
        acc[r][blk][0] = _mm256_add_epi32(acc[r][blk][0], _mm256_madd_epi16(u0, xv[r]));
        acc[r][blk][1] = _mm256_add_epi32(acc[r][blk][1], _mm256_madd_epi16(u1, xv[r]));
      }
    }
  };
  const int64_t pairs = k / 2;
  for (int64_t q = 0; q < pairs; ++q) step(q, true);
  if (k % 2 != 0) step(pairs, false);
#pragma GCC unroll 4
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
    for (int blk = 0; blk < NC; ++blk) {
      int32_t* out = c + r * ldc + c0 + 16 * blk;
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), acc[r][blk][0]);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 8), acc[r][blk][1]);
    }
}

// MR rows of c: every block of columns, NC blocks per sweep while they last, then one; the
// last block ends at n.
template <int MR, int NC>
void rows_of(const int32_t* xp, int64_t ldxp, const int8_t* b, int64_t ldb, int32_t* c, int64_t ldc, int64_t k,
             int64_t n) {
  int64_t c0 = 0;
  if constexpr (NC > 1)
    for (; c0 + 16 * NC <= n; c0 += 16 * NC) sweep<NC, MR>(xp, ldxp, b, ldb, c, ldc, k, c0);
  for (; c0 + 16 <= n; c0 += 16) sweep<1, MR>(xp, ldxp, b, ldb, c, ldc, k, c0);
  if (c0 < n) sweep<1, MR>(xp, ldxp, b, ldb, c, ldc, k, n - 16);
}

}  // namespace

void gemm_i8_rows_pairs_ymm(const int8_t* a, int64_t lda, const int8_t* b, int64_t ldb, int32_t* c, int64_t ldc,
                            int64_t m, int64_t k, int64_t n) {
  const int64_t ldxp = (k + 1) / 2;
  auto* xp = static_cast<int32_t*>(pack_scratch(1, sizeof(int32_t) * static_cast<std::size_t>(m * ldxp)));
  for (int64_t i = 0; i < m; ++i)
    for (int64_t q = 0; q < ldxp; ++q) {
      const int8_t* x = a + i * lda + 2 * q;
      const auto lo = static_cast<uint16_t>(int16_t{x[0]});
      const auto hi = static_cast<uint16_t>(2 * q + 1 < k ? int16_t{x[1]} : int16_t{0});
      xp[i * ldxp + q] = static_cast<int32_t>(static_cast<uint32_t>(lo) | static_cast<uint32_t>(hi) << 16);
    }
  // Rows four at a time (8 accumulators for one block); fewer rows take more blocks per sweep.
  int64_t i = 0;
  for (; i + 4 <= m; i += 4) rows_of<4, 1>(xp + i * ldxp, ldxp, b, ldb, c + i * ldc, ldc, k, n);
  switch (m - i) {
    case 3: rows_of<3, 1>(xp + i * ldxp, ldxp, b, ldb, c + i * ldc, ldc, k, n); break;
    case 2: rows_of<2, 2>(xp + i * ldxp, ldxp, b, ldb, c + i * ldc, ldc, k, n); break;
    case 1: rows_of<1, 4>(xp + i * ldxp, ldxp, b, ldb, c + i * ldc, ldc, k, n); break;
    default: break;
  }
}

}  // namespace hk::cpu
