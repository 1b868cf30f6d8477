// int8 GEMV x · B (M = 1: a layer at batch 1) with vpdpbusd, for a B that fits in L2 (a
// layer's weights): built with -mavx512bw -mavx512vnni (cpu/CMakeLists.txt), called by
// gemv.cpp's gemv_i8_row only on CPUs that have both (after HK_CPU_ISA).
//
// Why: gemv.cpp's portable int8 row form widens each byte of B to an int32 lane and
// multiplies in int32, 16 multiply-adds per vector multiply; vpdpbusd does 64, but wants 4
// consecutive k of a column side by side, and B's rows hold consecutive columns. Here the
// interleave is done in registers as B streams past (four rows, byte and word unpacks: the
// packing step, never written back), and the column order it leaves (4-column groups from
// each 128-bit lane) is undone once, when the sums leave the registers after all of K.
//
// vpdpbusd multiplies unsigned bytes by signed ones. x is the signed side (one broadcast k
// quad feeds every column); B becomes unsigned by flipping its sign bit (b + 128), and every
// column's sum then carries + 128·Σ x, one constant subtracted at the end. All int32 sums wrap
// modulo 2³² like the portable form's, so the results are the same bits.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "cpu/gemm_shape.hpp"

namespace hk::cpu {

namespace {

// Columns [c0, c0 + 64·NC) ∩ [c0, n) of y, over all of K; acc[c][v] lane 4L + i holds column
// c0 + 64c + 16L + 4v + i. Masked: B's rows are read through a byte mask (a block of columns
// cut short by n); whole blocks take plain loads, since a masked byte load is a second
// micro-op on the vector ports that the unpacks already keep busy.
template <int NC, bool Masked>
void sweep(const int8_t* x, const int8_t* b, int64_t ldb, int32_t* y, int64_t k, int64_t n, int64_t c0,
           uint32_t shift) {
  // Every loop over c and v is unrolled, so that acc lives in registers: left as loops, GCC
  // kept the array on the stack and stored each sum back to it at every k step.
  __m512i acc[NC][4];
  __mmask64 mask[NC];
#pragma GCC unroll 4
  for (int c = 0; c < NC; ++c) {
#pragma GCC unroll 4
    for (int v = 0; v < 4; ++v) acc[c][v] = _mm512_setzero_si512();
    const int64_t cols = n - c0 - 64 * c;
    mask[c] = cols >= 64 ? ~__mmask64{0} : (__mmask64{1} << cols) - 1;
  }
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  // Rows p … p + 3 of this column block (`rows` of them inside K; x's zero bytes cancel the rest).
  auto quad = [&](int64_t p, int rows) {
    int32_t xq = 0;
    std::memcpy(&xq, x + p, static_cast<std::size_t>(rows));
    const __m512i xv = _mm512_set1_epi32(xq);
    const int8_t* r = b + p * ldb + c0;
#pragma GCC unroll 4
    for (int c = 0; c < NC; ++c, r += 64) {
      auto load = [&](const int8_t* row) {
        return _mm512_xor_si512(Masked ? _mm512_maskz_loadu_epi8(mask[c], row) : _mm512_loadu_si512(row), flip);
      };
      const __m512i b0 = load(r);
      const __m512i b1 = rows > 1 ? load(r + ldb) : flip;
      const __m512i b2 = rows > 2 ? load(r + 2 * ldb) : flip;
      const __m512i b3 = rows > 3 ? load(r + 3 * ldb) : flip;
      const __m512i t0 = _mm512_unpacklo_epi8(b0, b1), t1 = _mm512_unpackhi_epi8(b0, b1);
      const __m512i t2 = _mm512_unpacklo_epi8(b2, b3), t3 = _mm512_unpackhi_epi8(b2, b3);
      acc[c][0] = _mm512_dpbusd_epi32(acc[c][0], _mm512_unpacklo_epi16(t0, t2), xv);  // columns 16L + 0…3
      acc[c][1] = _mm512_dpbusd_epi32(acc[c][1], _mm512_unpackhi_epi16(t0, t2), xv);  // 16L + 4…7
      acc[c][2] = _mm512_dpbusd_epi32(acc[c][2], _mm512_unpacklo_epi16(t1, t3), xv);  // 16L + 8…11
      acc[c][3] = _mm512_dpbusd_epi32(acc[c][3], _mm512_unpackhi_epi16(t1, t3), xv);  // 16L + 12…15
    }
  };
  int64_t p = 0;
  for (; p + 4 <= k; p += 4) quad(p, 4);
  if (p < k) quad(p, static_cast<int>(k - p));
#pragma GCC unroll 4
  for (int c = 0; c < NC; ++c) {
    alignas(64) int32_t lanes[4][16];
#pragma GCC unroll 4
    for (int v = 0; v < 4; ++v) _mm512_store_si512(lanes[v], acc[c][v]);
    const int64_t base = c0 + 64 * c;
    for (int lane = 0; lane < 4; ++lane)
      for (int v = 0; v < 4; ++v)
        for (int i = 0; i < 4; ++i)
          if (const int64_t col = base + 16 * lane + 4 * v + i; col < n)
            y[col] = static_cast<int32_t>(static_cast<uint32_t>(lanes[v][4 * lane + i]) - shift);
  }
}

}  // namespace

void gemv_i8_row_vnni_zmm(const int8_t* x, const int8_t* b, int64_t ldb, int32_t* y, int64_t k, int64_t n) {
  uint32_t sum_x = 0;
  for (int64_t p = 0; p < k; ++p) sum_x += static_cast<uint32_t>(int32_t{x[p]});
  const uint32_t shift = 128u * sum_x;  // what b + 128 adds to every column's sum
  int64_t c0 = 0;
  for (; c0 + 128 <= n; c0 += 128) sweep<2, false>(x, b, ldb, y, k, n, c0, shift);
  for (; c0 + 64 <= n; c0 += 64) sweep<1, false>(x, b, ldb, y, k, n, c0, shift);
  if (c0 < n) sweep<1, true>(x, b, ldb, y, k, n, c0, shift);
}

}  // namespace hk::cpu
