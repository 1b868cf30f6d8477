// int8 c = a · bᵀ as dot products along k with vpdpbusd: a linear layer with (out, in)
// weights (PyTorch's layout) at batch 1 to 16, and the A · x GEMV (gemv.cpp's gemv_i8_col).
// Built with -mavx512bw -mavx512vnni (cpu/CMakeLists.txt), called only on CPUs that have
// both (after HK_CPU_ISA).
//
// Why: a row of b and a row of a both hold consecutive k, which is the order vpdpbusd wants
// (4 consecutive k of each side in one 32-bit lane), so neither side is interleaved or
// packed: 64 multiply-adds per instruction straight from the caller's rows. gemv.cpp's
// portable form widens each byte to an int32 lane, 16 per vector multiply.
//
// A register block is MR rows of a against NR rows of b: each 64-byte load of a row of b
// (the weights, streamed once) feeds MR accumulators, each load of a row of a (a few rows,
// in L1) feeds NR. Every accumulator holds 16 partial sums of one (i, j); they are summed
// across lanes once, after all of K, four j at a time by a tree of unpacks and adds that
// leaves the four sums side by side, ready to store as c[i][j … j + 3].
//
// vpdpbusd multiplies unsigned bytes by signed ones. a is the signed side; b becomes
// unsigned by flipping its sign bit (b + 128), so every sum of row i carries 128 · Σ a[i],
// subtracted at the end. The K tail is read through a byte mask: a's zero bytes cancel b's
// (flipped) ones. All int32 sums wrap modulo 2³² like the portable form's, so the results
// are the same bits.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "cpu/gemm_shape.hpp"
#include "cpu/vnni_acc_avx512.hpp"

// GCC 12's unmasked AVX-512 unpack and extract intrinsics pass an `_mm512_undefined` vector
// as the unused merge source, which -W(maybe-)uninitialized reports once they are inlined.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace hk::cpu {

namespace {

using vnni::Acc;
using vnni::bits;
using vnni::dpbusd;

// The lane sums of four accumulators, side by side: [Σ s0, Σ s1, Σ s2, Σ s3].
__m128i sum4(Acc s0, Acc s1, Acc s2, Acc s3) {
  // Per 128-bit lane: [s0₀+s0₂, s1₀+s1₂, s0₁+s0₃, s1₁+s1₃], then the same for s2, s3.
  const __m512i t01 = _mm512_add_epi32(_mm512_unpacklo_epi32(bits(s0), bits(s1)),
                                       _mm512_unpackhi_epi32(bits(s0), bits(s1)));
  const __m512i t23 = _mm512_add_epi32(_mm512_unpacklo_epi32(bits(s2), bits(s3)),
                                       _mm512_unpackhi_epi32(bits(s2), bits(s3)));
  // Per 128-bit lane: [Σ s0, Σ s1, Σ s2, Σ s3] over that lane's four values.
  const __m512i t = _mm512_add_epi32(_mm512_unpacklo_epi64(t01, t23), _mm512_unpackhi_epi64(t01, t23));
  const __m256i h = _mm256_add_epi32(_mm512_castsi512_si256(t), _mm512_extracti64x4_epi64(t, 1));
  return _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
}

// c[i][j] for MR rows of a and the rows j0 … j0 + nr − 1 of b (nr ≤ NR; the missing rows
// re-read b's last one and are not stored), over all of K.
template <int MR, int NR>
void block(const int8_t* a, int64_t lda, const int8_t* b, int64_t ldb, int32_t* c, int64_t ldc, int64_t k, int nr,
           const uint32_t* shift) {
  // Every loop over r and j is unrolled, so that acc lives in registers.
  Acc acc[MR][NR];
  const int8_t* row[NR];
#pragma GCC unroll 8
  for (int j = 0; j < NR; ++j) {
    row[j] = b + std::min(j, nr - 1) * ldb;
#pragma GCC unroll 4
    for (int r = 0; r < MR; ++r) acc[r][j] = Acc{};
  }
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  // The k step of 64 at p, loading through load(at); the next NR rows of b are fetched into
  // L1 meanwhile (each row of b is a stream of its own, too short for the prefetchers).
  auto step = [&](int64_t p, auto load) {
    __m512i av[MR];
#pragma GCC unroll 4
    for (int r = 0; r < MR; ++r) av[r] = load(a + r * lda + p);
#pragma GCC unroll 8
    for (int j = 0; j < NR; ++j) {
      _mm_prefetch(reinterpret_cast<const char*>(row[j] + NR * ldb + p), _MM_HINT_T0);
      const __m512i bv = _mm512_xor_si512(load(row[j] + p), flip);
#pragma GCC unroll 4
      for (int r = 0; r < MR; ++r) acc[r][j] = dpbusd(acc[r][j], bv, av[r]);
    }
  };
  // K's first k mod 64 bytes through a byte mask, then whole steps with plain loads (a masked
  // byte load is a second micro-op on the vector ports).
  int64_t p = k % 64;
  if (p > 0) {
    const __mmask64 mask = (__mmask64{1} << p) - 1;
    step(0, [mask](const int8_t* at) { return _mm512_maskz_loadu_epi8(mask, at); });
  }
  for (; p < k; p += 64) step(p, [](const int8_t* at) { return _mm512_loadu_si512(at); });
#pragma GCC unroll 4
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 2
    for (int j = 0; j < NR; j += 4) {
      const __m128i s = _mm_sub_epi32(sum4(acc[r][j], acc[r][j + 1], acc[r][j + 2], acc[r][j + 3]),
                                      _mm_set1_epi32(static_cast<int>(shift[r])));
      if (nr - j >= 4) {
        _mm_storeu_si128(reinterpret_cast<__m128i*>(c + r * ldc + j), s);
      } else if (nr > j) {
        alignas(16) int32_t sums[4];
        _mm_store_si128(reinterpret_cast<__m128i*>(sums), s);
        std::memcpy(c + r * ldc + j, sums, sizeof(int32_t) * static_cast<std::size_t>(nr - j));
      }
    }
}

// `rows` rows of a (at most 4; 3 with eight rows of b, so at most 24 accumulators) against
// the rows j0 … j1 − 1 of b, NR at a time.
template <int NR>
void rows_of(int64_t rows, const int8_t* a, int64_t lda, const int8_t* b, int64_t ldb, int32_t* c, int64_t ldc,
             int64_t k, int64_t j0, int64_t j1, const uint32_t* shift) {
  auto sweep = [&]<int MR>() {
    for (int64_t j = j0; j < j1; j += NR)
      block<MR, NR>(a, lda, b + j * ldb, ldb, c + j, ldc, k, static_cast<int>(std::min<int64_t>(NR, j1 - j)), shift);
  };
  switch (rows) {
    case 4:
      if constexpr (NR == 4) sweep.template operator()<4>();
      break;
    case 3: sweep.template operator()<3>(); break;
    case 2: sweep.template operator()<2>(); break;
    case 1: sweep.template operator()<1>(); break;
    default: break;
  }
}

}  // namespace

void gemm_i8_nt_vnni_zmm(const int8_t* a, int64_t lda, const int8_t* b, int64_t ldb, int32_t* c, int64_t ldc,
                         int64_t m, int64_t k, int64_t n) {
  constexpr int64_t kRows = 16;  // rows of a whose shifts are taken at once
  uint32_t shift[kRows];
  if (m <= 3) {  // one group of rows: eight rows of b per block (up to 24 accumulators)
    for (int64_t i = 0; i < m; ++i) shift[i] = vnni::flip_shift(a + i * lda, k);
    rows_of<8>(m, a, lda, b, ldb, c, ldc, k, 0, n, shift);
    return;
  }
  // Four rows of b per block (16 accumulators for four rows of a). Each slice of b's rows
  // (16 KiB or less) is swept by every group of a's rows while it sits in L1, so b, the
  // large operand, is read from memory once per 16 rows of a.
  const int64_t slice = std::max<int64_t>(4, ((16 << 10) / k) / 4 * 4);
  for (int64_t i0 = 0; i0 < m; i0 += kRows) {
    const int64_t i1 = std::min(m, i0 + kRows);
    for (int64_t i = i0; i < i1; ++i) shift[i - i0] = vnni::flip_shift(a + i * lda, k);
    for (int64_t j = 0; j < n; j += slice)
      for (int64_t i = i0; i < i1; i += 4)
        rows_of<4>(std::min<int64_t>(4, i1 - i), a + i * lda, lda, b, ldb, c + i * ldc, ldc, k, j,
                   std::min(n, j + slice), shift + (i - i0));
  }
}

}  // namespace hk::cpu
