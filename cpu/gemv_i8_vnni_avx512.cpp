// int8 GEMV x · B (M = 1: a layer at batch 1), and the same for a few rows of x (batch 2 to
// 16), with vpdpbusd, for a B that fits in L2 (a layer's weights): built with -mavx512bw
// -mavx512vnni (cpu/CMakeLists.txt), called by gemv.cpp's gemv_i8_row and gemm_shape.cpp
// only on CPUs that have both (after HK_CPU_ISA).
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
#include "cpu/vnni_acc_avx512.hpp"

namespace hk::cpu {

namespace {

// Columns [c0, c0 + 64·NC) ∩ [c0, n) of MR rows of c, over all of K; acc[r][c][v] lane
// 4L + i holds row r's column c0 + 64c + 16L + 4v + i. Each quad of B's rows is interleaved
// once and feeds all MR rows of x: a few rows (a layer at batch 2 to 16) cost little more
// than one. Masked: B's rows are read through a byte mask (a block of columns cut short by
// n); whole blocks take plain loads, since a masked byte load is a second micro-op on the
// vector ports that the unpacks already keep busy.
template <int NC, int MR, bool Masked>
void sweep(const int8_t* x, int64_t ldx, const int8_t* b, int64_t ldb, int32_t* y, int64_t ldy, int64_t k, int64_t n,
           int64_t c0, const uint32_t* shift) {
  // Every loop over r, c and v is unrolled, so that acc lives in registers: left as loops,
  // GCC kept the array on the stack and stored each sum back to it at every k step.
  vnni::Acc acc[MR][NC][4];
  __mmask64 mask[NC];
#pragma GCC unroll 4
  for (int c = 0; c < NC; ++c) {
#pragma GCC unroll 4
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
      for (int v = 0; v < 4; ++v) acc[r][c][v] = vnni::Acc{};
    const int64_t cols = n - c0 - 64 * c;
    mask[c] = cols >= 64 ? ~__mmask64{0} : (__mmask64{1} << cols) - 1;
  }
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  // Rows p … p + 3 of this column block (`rows` of them inside K; x's zero bytes cancel the rest).
  auto quad = [&](int64_t p, int rows) {
    __m512i xv[MR];
#pragma GCC unroll 4
    for (int r = 0; r < MR; ++r) {
      int32_t xq = 0;
      std::memcpy(&xq, x + r * ldx + p, static_cast<std::size_t>(rows));
      xv[r] = _mm512_set1_epi32(xq);
    }
    const int8_t* row = b + p * ldb + c0;
#pragma GCC unroll 4
    for (int c = 0; c < NC; ++c, row += 64) {
      auto load = [&](const int8_t* at) {
        return _mm512_xor_si512(Masked ? _mm512_maskz_loadu_epi8(mask[c], at) : _mm512_loadu_si512(at), flip);
      };
      const __m512i b0 = load(row);
      const __m512i b1 = rows > 1 ? load(row + ldb) : flip;
      const __m512i b2 = rows > 2 ? load(row + 2 * ldb) : flip;
      const __m512i b3 = rows > 3 ? load(row + 3 * ldb) : flip;
      const __m512i t0 = _mm512_unpacklo_epi8(b0, b1), t1 = _mm512_unpackhi_epi8(b0, b1);
      const __m512i t2 = _mm512_unpacklo_epi8(b2, b3), t3 = _mm512_unpackhi_epi8(b2, b3);
      const __m512i u[4] = {_mm512_unpacklo_epi16(t0, t2),   // columns 16L + 0…3
                            _mm512_unpackhi_epi16(t0, t2),   // 16L + 4…7
                            _mm512_unpacklo_epi16(t1, t3),   // 16L + 8…11
                            _mm512_unpackhi_epi16(t1, t3)};  // 16L + 12…15
#pragma GCC unroll 4
      for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
        for (int v = 0; v < 4; ++v) acc[r][c][v] = vnni::dpbusd(acc[r][c][v], u[v], xv[r]);
    }
  };
  int64_t p = 0;
  for (; p + 4 <= k; p += 4) quad(p, 4);
  if (p < k) quad(p, static_cast<int>(k - p));
#pragma GCC unroll 4
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
    for (int c = 0; c < NC; ++c) {
      alignas(64) int32_t lanes[4][16];
#pragma GCC unroll 4
      for (int v = 0; v < 4; ++v) _mm512_store_si512(lanes[v], vnni::bits(acc[r][c][v]));
      const int64_t base = c0 + 64 * c;
      for (int lane = 0; lane < 4; ++lane)
        for (int v = 0; v < 4; ++v)
          for (int i = 0; i < 4; ++i)
            if (const int64_t col = base + 16 * lane + 4 * v + i; col < n)
              y[r * ldy + col] = static_cast<int32_t>(static_cast<uint32_t>(lanes[v][4 * lane + i]) - shift[r]);
    }
}

// MR rows of c: every block of columns. One row takes two blocks (128 columns) per sweep;
// more rows hold MR × 4 accumulators per block, so one block.
template <int MR>
void rows_of(const int8_t* x, int64_t ldx, const int8_t* b, int64_t ldb, int32_t* y, int64_t ldy, int64_t k,
             int64_t n) {
  uint32_t shift[MR];  // what b + 128 adds to every column's sum of row r
  for (int r = 0; r < MR; ++r) shift[r] = vnni::flip_shift(x + r * ldx, k);
  int64_t c0 = 0;
  if constexpr (MR == 1)
    for (; c0 + 128 <= n; c0 += 128) sweep<2, MR, false>(x, ldx, b, ldb, y, ldy, k, n, c0, shift);
  for (; c0 + 64 <= n; c0 += 64) sweep<1, MR, false>(x, ldx, b, ldb, y, ldy, k, n, c0, shift);
  if (c0 < n) sweep<1, MR, true>(x, ldx, b, ldb, y, ldy, k, n, c0, shift);
}

}  // namespace

void gemm_i8_rows_vnni_zmm(const int8_t* a, int64_t lda, const int8_t* b, int64_t ldb, int32_t* c, int64_t ldc,
                           int64_t m, int64_t k, int64_t n) {
  int64_t i = 0;
  for (; i + 4 <= m; i += 4) rows_of<4>(a + i * lda, lda, b, ldb, c + i * ldc, ldc, k, n);
  switch (m - i) {
    case 3: rows_of<3>(a + i * lda, lda, b, ldb, c + i * ldc, ldc, k, n); break;
    case 2: rows_of<2>(a + i * lda, lda, b, ldb, c + i * ldc, ldc, k, n); break;
    case 1: rows_of<1>(a + i * lda, lda, b, ldb, c + i * ldc, ldc, k, n); break;
    default: break;
  }
}

void gemv_i8_row_vnni_zmm(const int8_t* x, const int8_t* b, int64_t ldb, int32_t* y, int64_t k, int64_t n) {
  gemm_i8_rows_vnni_zmm(x, k, b, ldb, y, n, 1, k, n);
}

}  // namespace hk::cpu
