// Packing of B for the int16-pair GEMM with AVX2: the same int16 pairs as gemm_pack.cpp's
// pack_b<PackI8Pairs> and pack_b_t<PackI8Pairs>, in half the instructions of the first and
// a tenth of the second's time (it moves one pair at a time).
//
// Why it matters: on a CPU without VNNI every int8 GEMM packs B into int16 pairs, twice the
// bytes it reads, before any multiply-add; for a layer that reads its weights once per call
// (784 × 128 at batch 32) that pass is a fifth of the product.
//
// B row by row, two rows (one k pair) at a time: 16 bytes of row k and of row k + 1 are
// interleaved into (k, k + 1) byte pairs, and each half is sign-extended to int16 by one
// vpmovsxbw — 8 columns of pairs, 32 bytes, one store. 16 columns at a time, so NR must be
// a multiple of 16 (every AVX2 and AVX-512 pairs kernel). Columns past the last 16 are
// copied one by one, an odd kc's last pair gets a zero second half, and the last panel's
// slots past cols are zeros: the portable layout byte for byte.
//
// Built with -mavx2 and called only when the CPU has it (gemm_i8_pairs_plan). No
// standard-library templates here: an instantiation compiled with -mavx2 could be the copy
// the linker keeps for code that runs on any CPU.
#include <immintrin.h>

#include "cpu/gemm_pack.hpp"

namespace hk::cpu {

namespace {

#include "cpu/pairs_16_avx2.inc"  // pairs_16

// 16 columns: x0 holds row k's bytes, x1 row k + 1's; d the first column's pair.
inline void store_pairs_16(__m128i x0, __m128i x1, int16_t* d) {
  __m256i lo, hi;
  pairs_16(x0, x1, lo, hi);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(d), lo);       // columns 0–7
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + 16), hi);  // 8–15
}

#include "cpu/transpose_8x8_avx2.inc"  // transpose_8x8_32

// One column (src: its row of bt) from k pair q0 on, one pair at a time; zeros past kc, and
// for a column past the block (src null).
inline void pairs_of_column(const int8_t* src, int64_t q0, int64_t kc, int64_t stride, int16_t* d) {
  for (int64_t q = q0; 2 * q < kc; ++q) {
    d[q * stride] = src ? src[2 * q] : int16_t{0};
    d[q * stride + 1] = src && 2 * q + 1 < kc ? src[2 * q + 1] : int16_t{0};
  }
}

}  // namespace

void pack_b_pairs_ymm(const int8_t* b, int64_t ldb, int64_t kc, int64_t cols, int nr, int16_t* dst,
                      int32_t* /*comp: pairs have no correction*/) {
  const int64_t groups = (kc + 1) / 2, stride = 2 * int64_t{nr}, panel = groups * stride;
  const int64_t whole = cols / 16 * 16, padded = (cols + nr - 1) / nr * nr;
  for (int64_t q = 0; q < groups; ++q) {
    const int8_t* r0 = b + 2 * q * ldb;
    const bool pair = 2 * q + 1 < kc;  // an odd kc's last group: k + 1 reads as zero
    const int8_t* r1 = pair ? r0 + ldb : r0;
    int16_t* row = dst + q * stride;  // this group's row of pairs in panel 0
    // Column c goes to panel c / nr, slot c % nr: 16 columns never straddle two panels.
    int64_t c = 0;
    int16_t* d = row;
    for (int64_t slot = 0; c < whole; c += 16) {
      const __m128i x0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(r0 + c));
      const __m128i x1 = pair ? _mm_loadu_si128(reinterpret_cast<const __m128i*>(r1 + c)) : _mm_setzero_si128();
      store_pairs_16(x0, x1, d);
      slot += 16;
      if (slot == nr) {
        slot = 0;
        d += panel - stride + 32;  // the next panel's row: the panel's stride, less this row's pairs
      } else {
        d += 32;
      }
    }
    for (; c < padded; ++c) {  // the last columns one by one, then the zero padding
      int16_t* e = row + c / nr * panel + c % nr * 2;
      e[0] = c < cols ? r0[c] : int16_t{0};
      e[1] = c < cols && pair ? r1[c] : int16_t{0};
    }
  }
}

// B stored transposed (bt: cols × kc, a layer's (out, in) weights): a column's k pair is one
// 16-bit word of its row. 8 rows × 16 bytes, sign-extended by vpmovsxbw, are 8 columns × 8
// pairs of 32-bit words; an 8 × 8 transpose of words turns them into 8 pairs × 8 columns,
// each a 32-byte store into its group's row of the panel. k past the last 16 and columns
// past the last 8 go one pair at a time, as the portable routine does everything.
void pack_b_t_pairs_ymm(const int8_t* bt, int64_t ldbt, int64_t kc, int64_t cols, int nr, int16_t* dst,
                        int32_t* /*comp*/) {
  const int64_t groups = (kc + 1) / 2, stride = 2 * int64_t{nr}, panel = groups * stride;
  const int64_t cols8 = cols / 8 * 8, k16 = kc / 16 * 16, padded = (cols + nr - 1) / nr * nr;
  for (int64_t c0 = 0; c0 < cols8; c0 += 8) {
    int16_t* d = dst + c0 / nr * panel + c0 % nr * 2;  // column c0's pair in group 0 (8 columns stay in one panel)
    const int8_t* src = bt + c0 * ldbt;
    for (int64_t p = 0; p < k16; p += 16) {
      __m256 w[8];  // 8 columns' pairs, as 32-bit lanes
      for (int r = 0; r < 8; ++r)
        w[r] = _mm256_castsi256_ps(
            _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + r * ldbt + p))));
      transpose_8x8_32(w);
      for (int q = 0; q < 8; ++q)
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + (p / 2 + q) * stride), _mm256_castps_si256(w[q]));
    }
    for (int r = 0; r < 8; ++r) pairs_of_column(src + r * ldbt, k16 / 2, kc, stride, d + 2 * r);
  }
  for (int64_t c = cols8; c < padded; ++c)
    pairs_of_column(c < cols ? bt + c * ldbt : nullptr, 0, kc, stride, dst + c / nr * panel + c % nr * 2);
}

}  // namespace hk::cpu
