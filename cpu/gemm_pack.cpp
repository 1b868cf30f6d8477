// Packing routines of gemm_pack.hpp. Plain C++ that the compiler vectorizes, plus SSE2 (the
// x86-64 baseline, no ISA flags) for the transposes of A and the int8 interleaves of B. The
// copies are memory-bound and amortized over a whole block, but slow packing still shows
// next to a fast kernel (hence SIMD interleaves, not byte-by-byte loops).
#include "cpu/gemm_pack.hpp"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cstring>
#include <type_traits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace hk::cpu {

// The packed k groups are built as 32-bit words with k in ascending byte order.
static_assert(std::endian::native == std::endian::little, "GEMM packing assumes a little-endian CPU");

namespace {

// Input element → packed element. Only the int8 VNNI flavour changes values: A is shifted
// into u8 (a + 128, the same bits as a XOR 0x80) because vpdpbusd multiplies u8 by s8.
template <class P> typename P::PA to_a(typename P::In x) { return static_cast<typename P::PA>(x); }
template <> uint8_t to_a<PackI8Vnni>(int8_t x) { return static_cast<uint8_t>(static_cast<uint8_t>(x) ^ 0x80u); }

// One k group of g values of B's column c, rows r[0..g), as the packed bytes of one 32-bit
// (g = 2, 4) or 32-bit float (g = 1) lane: the form in which the compiler vectorizes it.
template <class P> uint32_t b_word(const typename P::In* const* r, int64_t c) {
  if constexpr (P::kGroup == 1) {
    uint32_t w;
    std::memcpy(&w, &r[0][c], 4);
    return w;
  } else if constexpr (P::kGroup == 2) {  // two int16 (sign-extended int8), k in the low half
    return static_cast<uint16_t>(int16_t{r[0][c]}) | static_cast<uint32_t>(static_cast<uint16_t>(int16_t{r[1][c]})) << 16;
  } else {  // four int8 bytes, k in ascending byte order
    return static_cast<uint8_t>(r[0][c]) | static_cast<uint32_t>(static_cast<uint8_t>(r[1][c])) << 8 |
           static_cast<uint32_t>(static_cast<uint8_t>(r[2][c])) << 16 |
           static_cast<uint32_t>(static_cast<uint8_t>(r[3][c])) << 24;
  }
}

#if defined(__SSE2__)
// A panels whose k groups are 32-bit words (f32; VNNI quads of int8): 4 rows × 4 groups
// transposed in registers, so each 16-byte store writes one group of 4 rows instead of one
// word. Rows [0, rows4), groups [0, groups4); kShift adds the VNNI +128 (XOR 0x80).
template <bool kShift>
void pack_a_words_sse(const char* a, int64_t lda_bytes, int64_t rows4, int64_t groups4, int mr, char* dst) {
  const __m128i shift = _mm_set1_epi8(static_cast<char>(0x80));
  for (int64_t r0 = 0; r0 < rows4; r0 += 4) {
    const char* s = a + r0 * lda_bytes;
    char* d = dst + r0 * 4;
    for (int64_t q = 0; q < groups4; q += 4) {
      __m128i x[4];
      for (int i = 0; i < 4; ++i) {
        x[i] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i * lda_bytes + q * 4));
        if constexpr (kShift) x[i] = _mm_xor_si128(x[i], shift);
      }
      const __m128i t0 = _mm_unpacklo_epi32(x[0], x[1]), t1 = _mm_unpacklo_epi32(x[2], x[3]);
      const __m128i t2 = _mm_unpackhi_epi32(x[0], x[1]), t3 = _mm_unpackhi_epi32(x[2], x[3]);
      const int64_t step = int64_t{mr} * 4;  // bytes from one k group to the next
      _mm_storeu_si128(reinterpret_cast<__m128i*>(d + (q + 0) * step), _mm_unpacklo_epi64(t0, t1));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(d + (q + 1) * step), _mm_unpackhi_epi64(t0, t1));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(d + (q + 2) * step), _mm_unpacklo_epi64(t2, t3));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(d + (q + 3) * step), _mm_unpackhi_epi64(t2, t3));
    }
  }
}

// int8 A as int16 pairs of k (PackI8Pairs): rows [0, rows2) two at a time, groups [0,
// groups4) four at a time. Each row's 8 bytes (4 groups) are sign-extended to 4 words (each
// byte unpacked with itself, shifted right by 8); the two rows' words are interleaved, and
// each 8-byte half stored to its group, where the packed panel holds the rows side by side.
void pack_a_pairs_sse(const int8_t* a, int64_t lda, int64_t rows2, int64_t groups4, int mr, int16_t* dst) {
  auto widen = [](const int8_t* p) {
    const __m128i x = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
    return _mm_srai_epi16(_mm_unpacklo_epi8(x, x), 8);
  };
  const int64_t step = int64_t{mr} * 4;  // bytes from one k group to the next
  for (int64_t r0 = 0; r0 < rows2; r0 += 2) {
    const int8_t* s = a + r0 * lda;
    char* d = reinterpret_cast<char*>(dst) + r0 * 4;
    for (int64_t q = 0; q < groups4; q += 4) {
      const __m128i x0 = widen(s + q * 2), x1 = widen(s + lda + q * 2);
      const __m128i lo = _mm_unpacklo_epi32(x0, x1), hi = _mm_unpackhi_epi32(x0, x1);  // groups q, q+1; q+2, q+3
      _mm_storel_epi64(reinterpret_cast<__m128i*>(d + (q + 0) * step), lo);
      _mm_storel_epi64(reinterpret_cast<__m128i*>(d + (q + 1) * step), _mm_unpackhi_epi64(lo, lo));
      _mm_storel_epi64(reinterpret_cast<__m128i*>(d + (q + 2) * step), hi);
      _mm_storel_epi64(reinterpret_cast<__m128i*>(d + (q + 3) * step), _mm_unpackhi_epi64(hi, hi));
    }
  }
}

// int8 B, 4 rows × 16 columns → 16 quads of k (64 bytes, column-major quads), and the 16
// column sums of those rows added to comp — one pass over B for both.
void pack_b_vnni_sse(const int8_t* const* r, int64_t c, int8_t* d, int32_t* comp) {
  const __m128i x0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(r[0] + c));
  const __m128i x1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(r[1] + c));
  const __m128i x2 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(r[2] + c));
  const __m128i x3 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(r[3] + c));
  const __m128i t0 = _mm_unpacklo_epi8(x0, x1), t1 = _mm_unpackhi_epi8(x0, x1);  // (k, k+1) byte pairs
  const __m128i t2 = _mm_unpacklo_epi8(x2, x3), t3 = _mm_unpackhi_epi8(x2, x3);  // (k+2, k+3)
  auto* out = reinterpret_cast<__m128i*>(d);
  _mm_storeu_si128(out + 0, _mm_unpacklo_epi16(t0, t2));  // columns 0–3
  _mm_storeu_si128(out + 1, _mm_unpackhi_epi16(t0, t2));  // 4–7
  _mm_storeu_si128(out + 2, _mm_unpacklo_epi16(t1, t3));  // 8–11
  _mm_storeu_si128(out + 3, _mm_unpackhi_epi16(t1, t3));  // 12–15
  // Column sums: each byte pair of t sign-extended to int16 (even byte: shift up and back).
  auto pair_sum = [](__m128i t) { return _mm_add_epi16(_mm_srai_epi16(_mm_slli_epi16(t, 8), 8), _mm_srai_epi16(t, 8)); };
  const __m128i lo = _mm_add_epi16(pair_sum(t0), pair_sum(t2)), hi = _mm_add_epi16(pair_sum(t1), pair_sum(t3));
  const __m128i s[4] = {_mm_srai_epi32(_mm_unpacklo_epi16(lo, lo), 16), _mm_srai_epi32(_mm_unpackhi_epi16(lo, lo), 16),
                        _mm_srai_epi32(_mm_unpacklo_epi16(hi, hi), 16), _mm_srai_epi32(_mm_unpackhi_epi16(hi, hi), 16)};
  auto* sums = reinterpret_cast<__m128i*>(comp + c);
  for (int i = 0; i < 4; ++i) _mm_storeu_si128(sums + i, _mm_add_epi32(_mm_loadu_si128(sums + i), s[i]));
}

// int8 B, 2 rows × 16 columns → 16 pairs of k as int16 (64 bytes, column-major pairs): the
// rows' bytes interleaved, then each byte sign-extended (unpacked with itself, shifted
// right by 8).
void pack_b_pairs_sse(const int8_t* const* r, int64_t c, int16_t* d) {
  const __m128i x0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(r[0] + c));
  const __m128i x1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(r[1] + c));
  const __m128i t0 = _mm_unpacklo_epi8(x0, x1), t1 = _mm_unpackhi_epi8(x0, x1);  // (k, k+1) byte pairs
  auto* out = reinterpret_cast<__m128i*>(d);
  _mm_storeu_si128(out + 0, _mm_srai_epi16(_mm_unpacklo_epi8(t0, t0), 8));  // columns 0–3
  _mm_storeu_si128(out + 1, _mm_srai_epi16(_mm_unpackhi_epi8(t0, t0), 8));  // 4–7
  _mm_storeu_si128(out + 2, _mm_srai_epi16(_mm_unpacklo_epi8(t1, t1), 8));  // 8–11
  _mm_storeu_si128(out + 3, _mm_srai_epi16(_mm_unpackhi_epi8(t1, t1), 8));  // 12–15
}
#endif

}  // namespace

template <class P>
void pack_a(const typename P::In* a, int64_t lda, int64_t rows, int64_t kc, int mr, typename P::PA* dst) {
  using PA = typename P::PA;
  constexpr int g = P::kGroup;
  const int64_t groups = (kc + g - 1) / g, full = kc / g, stride = int64_t{mr} * g;
  for (int64_t i0 = 0; i0 < rows; i0 += mr) {
    const int64_t valid = std::min<int64_t>(mr, rows - i0);
    int64_t rows4 = 0, groups4 = 0;  // the block the SSE2 transpose or interleave covers
#if defined(__SSE2__)
    if constexpr (sizeof(PA) * g == 4 && sizeof(typename P::In) == sizeof(PA)) {  // f32, VNNI quads
      if (mr % 4 == 0) {
        rows4 = valid / 4 * 4;
        groups4 = full / 4 * 4;
        pack_a_words_sse<std::is_same_v<P, PackI8Vnni>>(reinterpret_cast<const char*>(a + i0 * lda),
                                                         lda * static_cast<int64_t>(sizeof(PA)), rows4, groups4, mr,
                                                         reinterpret_cast<char*>(dst));
      }
    }
    if constexpr (std::is_same_v<P, PackI8Pairs>) {
      if (mr % 2 == 0) {
        rows4 = valid / 2 * 2;
        groups4 = full / 4 * 4;
        pack_a_pairs_sse(a + i0 * lda, lda, rows4, groups4, mr, dst);
      }
    }
#endif
    for (int64_t r = 0; r < mr; ++r) {
      PA* d = dst + r * g;  // row r's slot in every k group
      if (r >= valid) {     // rows past the edge: zeros (computed, never stored)
        for (int64_t q = 0; q < groups; ++q)
          for (int t = 0; t < g; ++t) d[q * stride + t] = PA{0};
        continue;
      }
      const typename P::In* src = a + (i0 + r) * lda;
      for (int64_t q = r < rows4 ? groups4 : 0; q < full; ++q)
        for (int t = 0; t < g; ++t) d[q * stride + t] = to_a<P>(src[q * g + t]);
      if (full < groups)  // k tail of a group: zeros, which B's zero padding multiplies away
        for (int t = 0; t < g; ++t) d[full * stride + t] = full * g + t < kc ? to_a<P>(src[full * g + t]) : PA{0};
    }
    dst += groups * stride;
  }
}

template <class P>
void pack_b(const typename P::In* b, int64_t ldb, int64_t kc, int64_t cols, int nr, typename P::PB* dst,
            typename P::C* comp) {
  using In = typename P::In;
  using PB = typename P::PB;
  constexpr int g = P::kGroup;
  static_assert(sizeof(PB) * g == 4, "a packed k group of one column is one 32-bit word");
  const int64_t groups = (kc + g - 1) / g, stride = int64_t{nr} * g;
  const int64_t panel = groups * stride;  // elements per packed NR-column panel

  // Row by row of B (long sequential reads that the prefetcher follows), each row's values
  // scattered to the NR-column panels. A group is g consecutive rows: one 32-bit word per
  // column. For VNNI the column sums of B are gathered in the same pass (comp, see below).
  constexpr bool kVnni = std::is_same_v<P, PackI8Vnni>;
  if constexpr (kVnni) std::fill(comp, comp + round_up(cols, nr), 0);
  In zeros[g] = {};
  for (int64_t q = 0; q < groups; ++q) {
    const In* r[g];
    bool partial = false;
    for (int t = 0; t < g; ++t) {
      partial |= q * g + t >= kc;
      r[t] = q * g + t < kc ? b + (q * g + t) * ldb : zeros;
    }
    for (int64_t j0 = 0, p = 0; j0 < cols; j0 += nr, ++p) {
      PB* d = dst + p * panel + q * stride;
      const int64_t valid = std::min<int64_t>(nr, cols - j0);
      int64_t c = 0;
      if constexpr (g == 1) {  // f32: a plain copy of the row's NR values (an inlined vector loop;
        if (!partial) {        // a memcpy call per 128 bytes cost a cycle per float)
          const In* src = r[0] + j0;
          for (; c < valid; ++c) d[c] = src[c];
        }
      }
#if defined(__SSE2__)
      if constexpr (kVnni) {
        if (!partial)
          for (; c + 16 <= valid; c += 16)
            pack_b_vnni_sse(r, j0 + c, d + c * g, comp);
      }
      if constexpr (std::is_same_v<P, PackI8Pairs>) {
        if (!partial)
          for (; c + 16 <= valid; c += 16) pack_b_pairs_sse(r, j0 + c, d + c * g);
      }
#endif
      for (; c < valid; ++c) {  // one column at a time (rows past kc read as zeros)
        const In* rc[g];
        for (int t = 0; t < g; ++t) rc[t] = r[t] == zeros ? zeros : r[t] + j0 + c;
        const uint32_t w = b_word<P>(rc, 0);
        std::memcpy(d + c * g, &w, 4);
        if constexpr (kVnni)
          for (int t = 0; t < g; ++t) comp[j0 + c] += rc[t][0];
      }
      if (valid < nr)  // past the edge (a whole panel has none: a call per k group to clear nothing cost a third of the packing)
        std::memset(d + valid * g, 0, static_cast<std::size_t>((nr - valid) * g) * sizeof(PB));
    }
  }

  if constexpr (kVnni) {
    // comp[c] = −128 · Σ_k b[k][c] over this block, the correction for A's +128 shift:
    // |Σ| ≤ 128·kc, and 128·128·kc fits in int32 for the block sizes used (KC ≤ 8192,
    // gemm_loops.cpp; the bound here is 131,071).
    assert(kc <= 131071);
    for (int64_t c = 0; c < cols; ++c) comp[c] *= -128;
  }
}

template <class P>
void pack_b_t(const typename P::In* bt, int64_t ldbt, int64_t kc, int64_t cols, int nr, typename P::PB* dst,
              typename P::C* comp) {
  using PB = typename P::PB;
  constexpr int g = P::kGroup;
  constexpr bool kVnni = std::is_same_v<P, PackI8Vnni>;
  const int64_t groups = (kc + g - 1) / g, stride = int64_t{nr} * g, panel = groups * stride;
  if constexpr (g == 1) {
    // f32: 16 columns × 16 k at a time, so each block reads 16 lines of bt and writes 16
    // lines of the panel while both are in L1 (column by column, every line of the panel
    // would be written once per column, long after it left L1).
    constexpr int64_t kBlock = 16;
    const int64_t padded = round_up(cols, nr);
    for (int64_t c0 = 0; c0 < padded; c0 += kBlock)
      for (int64_t p0 = 0; p0 < kc; p0 += kBlock) {
        const int64_t p1 = std::min(kc, p0 + kBlock);
        for (int64_t c = c0; c < std::min(padded, c0 + kBlock); ++c) {
          PB* d = dst + c / nr * panel + c % nr;
          if (c >= cols) {  // past the edge: zeros
            for (int64_t p = p0; p < p1; ++p) d[p * stride] = PB{0};
            continue;
          }
          const typename P::In* src = bt + c * ldbt;
          for (int64_t p = p0; p < p1; ++p) d[p * stride] = static_cast<PB>(src[p]);
        }
      }
    return;
  }
  // Column c of B is row c of bt, contiguous along k: each is read once, in order, and its
  // k groups scattered to its slot of every group of its panel.
  for (int64_t c = 0; c < round_up(cols, nr); ++c) {
    PB* d = dst + c / nr * panel + c % nr * g;
    if (c >= cols) {  // past the edge: zeros
      for (int64_t q = 0; q < groups; ++q)
        for (int t = 0; t < g; ++t) d[q * stride + t] = PB{0};
      if constexpr (kVnni) comp[c] = 0;
      continue;
    }
    const typename P::In* src = bt + c * ldbt;
    int32_t sum = 0;
    for (int64_t q = 0; q < groups; ++q)
      for (int t = 0; t < g; ++t) {
        const int64_t p = q * g + t;
        const typename P::In v = p < kc ? src[p] : typename P::In{0};
        d[q * stride + t] = static_cast<PB>(v);
        if constexpr (kVnni) sum += v;
      }
    if constexpr (kVnni) comp[c] = -128 * sum;  // as pack_b: the correction for A's +128 shift
  }
}

#define HK_PACK_INSTANTIATE(P)                                                                          \
  template void pack_a<P>(const P::In*, int64_t, int64_t, int64_t, int, P::PA*);                        \
  template void pack_b<P>(const P::In*, int64_t, int64_t, int64_t, int, P::PB*, P::C*);                 \
  template void pack_b_t<P>(const P::In*, int64_t, int64_t, int64_t, int, P::PB*, P::C*);
HK_PACK_INSTANTIATE(PackF32)
HK_PACK_INSTANTIATE(PackI8Pairs)
HK_PACK_INSTANTIATE(PackI8Vnni)
#undef HK_PACK_INSTANTIATE

}  // namespace hk::cpu
