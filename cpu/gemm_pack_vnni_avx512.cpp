// Packing for the AVX512-VNNI GEMM with 64-byte vectors: the same bytes as gemm_pack.cpp's
// portable routines (pack_a / pack_b for PackI8Vnni), in a fraction of the instructions.
//
// Why it matters: the VNNI kernel does 64 multiply-adds per instruction, so packing — a
// memory-bound transpose that the kernel cannot overlap — is a visible share of the product,
// and more so on two threads, where both pack all of A (gemm_parallel.hpp). The portable routines move 16 bytes per
// instruction and sum B's columns 16-bit lane by lane; here:
//
// A (MR = 8 rows): eight 64-byte row loads hold 16 k quads of each row; a transpose of 32-bit
//   words (unpack 32 → unpack 64 → permute 128-bit lanes) turns them into 16 groups of
//   8 rows × 4 bytes, 512 contiguous bytes, stored with eight full-vector stores. The +128
//   shift is one byte add on the loaded rows.
// B stored transposed (n × k, the (out, in) weights of a linear layer): 16 rows × 64 bytes
//   are 16 columns × 16 k quads, and a transpose of 32-bit words (pack_b_t_vnni_zmm) gives
//   16 packed groups at once.
// B (NR a multiple of 16): four rows × 64 columns; byte and word unpacks build the k quads
//   of each column inside 128-bit lanes, a 4 × 4 transpose of lanes puts 16 consecutive
//   columns in each vector, and one vpdpbusd against a vector of ones adds each column's
//   four values to its compensation sum — exactly, in int32.
// Edges (rows past M, k past kc, columns past the block) are masked loads that read zeros,
// so nothing past the caller's data is touched and the padding is the portable layout's.
//
// Built with -mavx512f -mavx512bw -mavx512vnni and called only when the CPU has all three
// (matmul_i8_vnni.cpp). No standard-library templates here: an instantiation compiled with
// these flags could be the copy the linker keeps for code that runs on any CPU.
#include <immintrin.h>

#include "cpu/gemm_i8_vnni.hpp"
#include "cpu/gemm_pack.hpp"

// GCC 12's unmasked AVX-512 unpack/permute intrinsics pass an `_mm512_undefined` vector as the
// unused merge source, which -Wmaybe-uninitialized reports once they are inlined.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace hk::cpu {

namespace {

// Bytes [0, count) of a 64-byte chunk (count may be ≤ 0 or ≥ 64).
__mmask64 first_bytes(int64_t count) {
  return count >= 64 ? ~__mmask64{0} : count <= 0 ? __mmask64{0} : (__mmask64{1} << count) - 1;
}

// 8 rows × 16 k quads → 16 packed groups of 8 rows (512 bytes at dst). x0 … x7: the rows'
// 64 bytes. Stores the first `groups` groups (1..16). Written out without arrays: GCC keeps
// arrays of vectors on the stack.
[[gnu::always_inline]] inline void transpose_a_8x16(__m512i x0, __m512i x1, __m512i x2, __m512i x3, __m512i x4,
                                                    __m512i x5, __m512i x6, __m512i x7, int64_t groups, uint8_t* dst) {
  // u_s lane L: rows 0–3 of group 4L + s; v_s: rows 4–7.
  const __m512i t0 = _mm512_unpacklo_epi32(x0, x1), t1 = _mm512_unpackhi_epi32(x0, x1);
  const __m512i t2 = _mm512_unpacklo_epi32(x2, x3), t3 = _mm512_unpackhi_epi32(x2, x3);
  const __m512i t4 = _mm512_unpacklo_epi32(x4, x5), t5 = _mm512_unpackhi_epi32(x4, x5);
  const __m512i t6 = _mm512_unpacklo_epi32(x6, x7), t7 = _mm512_unpackhi_epi32(x6, x7);
  const __m512i u0 = _mm512_unpacklo_epi64(t0, t2), u1 = _mm512_unpackhi_epi64(t0, t2);
  const __m512i u2 = _mm512_unpacklo_epi64(t1, t3), u3 = _mm512_unpackhi_epi64(t1, t3);
  const __m512i v0 = _mm512_unpacklo_epi64(t4, t6), v1 = _mm512_unpackhi_epi64(t4, t6);
  const __m512i v2 = _mm512_unpacklo_epi64(t5, t7), v3 = _mm512_unpackhi_epi64(t5, t7);
  // w_s = [u_s.0, v_s.0, u_s.1, v_s.1] (groups s and 4 + s whole); y_s: lanes 2 and 3.
  const __m512i lo = _mm512_set_epi64(11, 10, 3, 2, 9, 8, 1, 0), hi = _mm512_set_epi64(15, 14, 7, 6, 13, 12, 5, 4);
  const __m512i w0 = _mm512_permutex2var_epi64(u0, lo, v0), y0 = _mm512_permutex2var_epi64(u0, hi, v0);
  const __m512i w1 = _mm512_permutex2var_epi64(u1, lo, v1), y1 = _mm512_permutex2var_epi64(u1, hi, v1);
  const __m512i w2 = _mm512_permutex2var_epi64(u2, lo, v2), y2 = _mm512_permutex2var_epi64(u2, hi, v2);
  const __m512i w3 = _mm512_permutex2var_epi64(u3, lo, v3), y3 = _mm512_permutex2var_epi64(u3, hi, v3);
  // Output vector j holds groups 2j and 2j + 1.
  const __m512i o[8] = {_mm512_shuffle_i64x2(w0, w1, 0x44), _mm512_shuffle_i64x2(w2, w3, 0x44),   // 0–1, 2–3
                        _mm512_shuffle_i64x2(w0, w1, 0xEE), _mm512_shuffle_i64x2(w2, w3, 0xEE),   // 4–5, 6–7
                        _mm512_shuffle_i64x2(y0, y1, 0x44), _mm512_shuffle_i64x2(y2, y3, 0x44),   // 8–9, 10–11
                        _mm512_shuffle_i64x2(y0, y1, 0xEE), _mm512_shuffle_i64x2(y2, y3, 0xEE)};  // 12–15
  if (groups == 16) {
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) _mm512_storeu_si512(dst + 64 * j, o[j]);
    return;
  }
  for (int j = 0; 2 * j < groups; ++j) {
    if (2 * j + 1 < groups)
      _mm512_storeu_si512(dst + 64 * j, o[j]);
    else
      _mm512_mask_storeu_epi64(dst + 64 * j, 0x0F, o[j]);  // the last group alone
  }
}

// Four rows of B from p, ld apart (the first `rows` of them inside B, zeros after), 64 bytes
// each through the mask m → z[L], the k quads of columns 16L … 16L + 15: byte and word
// unpacks build each column's quad inside 128-bit lanes, and a 4 × 4 transpose of lanes puts
// 16 consecutive columns in each vector. It also prefetches the four rows two quads ahead
// while they are inside B: each row is a stream of only a few lines, too short for the
// hardware prefetcher to follow.
[[gnu::always_inline]] inline void column_quads_4x64(const int8_t* p, int64_t ld, int64_t rows, __mmask64 m,
                                                     __m512i (&z)[4]) {
  if (rows > 11)
    for (int t = 0; t < 4; ++t) _mm_prefetch(reinterpret_cast<const char*>(p + (8 + t) * ld), _MM_HINT_T0);
  const __m512i zero = _mm512_setzero_si512();
  const __m512i x0 = rows > 0 ? _mm512_maskz_loadu_epi8(m, p) : zero;
  const __m512i x1 = rows > 1 ? _mm512_maskz_loadu_epi8(m, p + ld) : zero;
  const __m512i x2 = rows > 2 ? _mm512_maskz_loadu_epi8(m, p + 2 * ld) : zero;
  const __m512i x3 = rows > 3 ? _mm512_maskz_loadu_epi8(m, p + 3 * ld) : zero;
  const __m512i t0 = _mm512_unpacklo_epi8(x0, x1), t1 = _mm512_unpackhi_epi8(x0, x1);
  const __m512i t2 = _mm512_unpacklo_epi8(x2, x3), t3 = _mm512_unpackhi_epi8(x2, x3);
  const __m512i o0 = _mm512_unpacklo_epi16(t0, t2), o1 = _mm512_unpackhi_epi16(t0, t2);  // cols 0–3, 4–7
  const __m512i o2 = _mm512_unpacklo_epi16(t1, t3), o3 = _mm512_unpackhi_epi16(t1, t3);  // 8–11, 12–15
  const __m512i a0 = _mm512_shuffle_i64x2(o0, o1, 0x44), a1 = _mm512_shuffle_i64x2(o2, o3, 0x44);
  const __m512i a2 = _mm512_shuffle_i64x2(o0, o1, 0xEE), a3 = _mm512_shuffle_i64x2(o2, o3, 0xEE);
  z[0] = _mm512_shuffle_i64x2(a0, a1, 0x88);
  z[1] = _mm512_shuffle_i64x2(a0, a1, 0xDD);
  z[2] = _mm512_shuffle_i64x2(a2, a3, 0x88);
  z[3] = _mm512_shuffle_i64x2(a2, a3, 0xDD);
}

}  // namespace

void pack_a_vnni_zmm(const int8_t* a, int64_t lda, int64_t rows, int64_t kc, int mr, uint8_t* dst) {
  if (mr != 8) {  // the transpose is for 8 rows; any other tile takes the portable routine
    pack_a<PackI8Vnni>(a, lda, rows, kc, mr, dst);
    return;
  }
  const __m512i shift = _mm512_set1_epi8(static_cast<char>(0x80));
  const int64_t groups = (kc + 3) / 4;
  for (int64_t i0 = 0; i0 < rows; i0 += 8) {
    const int64_t valid = rows - i0 < 8 ? rows - i0 : 8;
    const int8_t* src = a + i0 * lda;
    // Row r's 64 bytes at k0: a + 128 on the bytes inside the matrix (mask m), zeros past kc
    // and for rows past M (computed, never stored).
    auto row = [&](int r, int64_t k0, __mmask64 m) {
      if (r >= valid) return _mm512_setzero_si512();
      const __m512i x = _mm512_maskz_loadu_epi8(m, src + r * lda + k0);
      return _mm512_mask_add_epi8(x, m, x, shift);
    };
    int64_t k0 = 0;
    if (valid == 8)  // the body: whole rows, whole 64-byte chunks
      for (; k0 + 64 <= kc; k0 += 64) {
        const int8_t* s0 = src + k0;
        auto load = [&](int r) { return _mm512_xor_si512(_mm512_loadu_si512(s0 + r * lda), shift); };
        transpose_a_8x16(load(0), load(1), load(2), load(3), load(4), load(5), load(6), load(7), 16, dst + k0 * 8);
      }
    for (; k0 < kc; k0 += 64) {
      const __mmask64 m = first_bytes(kc - k0);
      const int64_t left = groups - k0 / 4;
      transpose_a_8x16(row(0, k0, m), row(1, k0, m), row(2, k0, m), row(3, k0, m), row(4, k0, m), row(5, k0, m),
                       row(6, k0, m), row(7, k0, m), left < 16 ? left : 16, dst + k0 * 8);
    }
    dst += groups * 32;
  }
}

void pack_b_vnni_zmm(const int8_t* b, int64_t ldb, int64_t kc, int64_t cols, int nr, int8_t* dst, int32_t* comp) {
  if (nr % 16 != 0) {  // panels of whole 16-column vectors only
    pack_b<PackI8Vnni>(b, ldb, kc, cols, nr, dst, comp);
    return;
  }
  const int64_t groups = (kc + 3) / 4, stride = int64_t{nr} * 4, panel = groups * stride;
  const int64_t padded = (cols + nr - 1) / nr * nr;  // the last panel is zero-filled to NR columns
  for (int64_t c = 0; c < padded; ++c) comp[c] = 0;
  const __m512i ones = _mm512_set1_epi8(1);
  for (int64_t q = 0; q < groups; ++q) {
    const int8_t* r0 = b + 4 * q * ldb;  // rows 4q … 4q + 3 (zeros past kc)
    // Where the next 16 columns go: panel by panel, kept as a pointer and a column within the
    // panel (a division per store, col / nr, cost more than the rest of the loop).
    int8_t* panel_at = dst + q * stride;
    int64_t in_panel = 0;
    for (int64_t c0 = 0; c0 < padded; c0 += 64) {
      __m512i z[4];  // columns c0 + 16L … c0 + 16L + 15
      column_quads_4x64(r0 + c0, ldb, kc - 4 * q, first_bytes(cols - c0), z);
      // Store z, columns col … col + 15, and add their four values to comp.
      auto put = [&](int64_t col, __m512i z) {
        _mm512_storeu_si512(panel_at + in_panel * 4, z);
        if ((in_panel += 16) == nr) in_panel = 0, panel_at += panel;
        int32_t* sum = comp + col;
        _mm512_storeu_si512(sum, _mm512_dpbusd_epi32(_mm512_loadu_si512(sum), ones, z));
      };
      put(c0, z[0]);
      if (c0 + 16 < padded) put(c0 + 16, z[1]);
      if (c0 + 32 < padded) put(c0 + 32, z[2]);
      if (c0 + 48 < padded) put(c0 + 48, z[3]);
    }
  }
  // comp = −128 · Σ_k b, the correction for A's +128 (see gemm_pack.cpp for the bound).
  for (int64_t c = 0; c < cols; ++c) comp[c] *= -128;
}

// 16 × 16 32-bit words: out[t] lane r = x[r] lane t. Three rounds (unpack 32, unpack 64,
// 128-bit lane shuffles), 64 instructions.
[[gnu::always_inline]] inline void transpose_16x16_epi32(__m512i x[16], __m512i out[16]) {
  __m512i a[16], b[16];
#pragma GCC unroll 8
  for (int r = 0; r < 16; r += 2) {  // a[r] lane L: x[r], x[r+1] at words 4L, 4L+1; a[r+1]: 4L+2, 4L+3
    a[r] = _mm512_unpacklo_epi32(x[r], x[r + 1]);
    a[r + 1] = _mm512_unpackhi_epi32(x[r], x[r + 1]);
  }
#pragma GCC unroll 4
  for (int g = 0; g < 4; ++g) {  // b[4g + s] lane L: rows 4g … 4g + 3 at word 4L + s
    b[4 * g + 0] = _mm512_unpacklo_epi64(a[4 * g], a[4 * g + 2]);
    b[4 * g + 1] = _mm512_unpackhi_epi64(a[4 * g], a[4 * g + 2]);
    b[4 * g + 2] = _mm512_unpacklo_epi64(a[4 * g + 1], a[4 * g + 3]);
    b[4 * g + 3] = _mm512_unpackhi_epi64(a[4 * g + 1], a[4 * g + 3]);
  }
#pragma GCC unroll 4
  for (int s = 0; s < 4; ++s) {  // out[4L + s]: lane L of b[s], b[4 + s], b[8 + s], b[12 + s]
    const __m512i c01 = _mm512_shuffle_i32x4(b[s], b[4 + s], 0x44), d01 = _mm512_shuffle_i32x4(b[8 + s], b[12 + s], 0x44);
    const __m512i c23 = _mm512_shuffle_i32x4(b[s], b[4 + s], 0xEE), d23 = _mm512_shuffle_i32x4(b[8 + s], b[12 + s], 0xEE);
    out[s] = _mm512_shuffle_i32x4(c01, d01, 0x88);
    out[4 + s] = _mm512_shuffle_i32x4(c01, d01, 0xDD);
    out[8 + s] = _mm512_shuffle_i32x4(c23, d23, 0x88);
    out[12 + s] = _mm512_shuffle_i32x4(c23, d23, 0xDD);
  }
}

void pack_b_t_vnni_zmm(const int8_t* bt, int64_t ldbt, int64_t kc, int64_t cols, int nr, int8_t* dst, int32_t* comp) {
  if (nr % 16 != 0) {  // panels of whole 16-column vectors only
    pack_b_t<PackI8Vnni>(bt, ldbt, kc, cols, nr, dst, comp);
    return;
  }
  // Column c of B is row c of bt, so a k quad of a column is 4 contiguous bytes, and 16
  // columns × 16 quads are 16 rows × 64 bytes: one transpose of 32-bit words gives 16 packed
  // groups of 16 columns, and one vpdpbusd against ones per group adds each column's four
  // values to its compensation sum.
  const int64_t groups = (kc + 3) / 4, stride = int64_t{nr} * 4, panel = groups * stride;
  const int64_t padded = (cols + nr - 1) / nr * nr;  // the last panel is zero-filled to NR columns
  const __m512i ones = _mm512_set1_epi8(1);
  for (int64_t c0 = 0; c0 < padded; c0 += 16) {
    const int64_t valid = cols - c0;  // rows of bt inside B (≤ 0: all zeros)
    int8_t* d = dst + c0 / nr * panel + c0 % nr * 4;
    __m512i sum = _mm512_setzero_si512();
    for (int64_t q0 = 0; q0 < groups; q0 += 16) {
      const __mmask64 m = first_bytes(kc - 4 * q0);  // zeros past kc
      __m512i x[16], out[16];
#pragma GCC unroll 16
      for (int r = 0; r < 16; ++r)
        x[r] = r < valid ? _mm512_maskz_loadu_epi8(m, bt + (c0 + r) * ldbt + 4 * q0) : _mm512_setzero_si512();
      transpose_16x16_epi32(x, out);
      const int64_t n_out = groups - q0 < 16 ? groups - q0 : 16;
#pragma GCC unroll 16
      for (int t = 0; t < 16; ++t) {
        if (t >= n_out) break;
        _mm512_storeu_si512(d + (q0 + t) * stride, out[t]);
        sum = _mm512_dpbusd_epi32(sum, ones, out[t]);
      }
    }
    // comp = −128 · Σ_k b, the correction for A's +128 (see gemm_pack.cpp for the bound).
    _mm512_storeu_si512(comp + c0, _mm512_mullo_epi32(sum, _mm512_set1_epi32(-128)));
  }
}

// The AMX tiles' B (matmul_i8_amx.cpp): vnni's k quads in 32-column panels, each K rounded
// up to kp (a multiple of 64, the tile's k step) with zero quads, and no compensation sums
// (s8 × s8 tiles need none). One pass over the thread's columns [j0, j1) of every quad row,
// where pack_b_vnni_zmm would run once per 32-column panel with half of each 64-byte load
// masked off and a sum per column.
void pack_b_amx_zmm(const int8_t* b, bool b_t, int64_t ld, int64_t k, int64_t j0, int64_t j1, int64_t kp,
                    int8_t* dst) {
  const int64_t quads = kp / 4, panel = kp * 32;  // a panel: kp / 4 quad rows of 128 bytes
  const __m512i zero = _mm512_setzero_si512();
  if (b_t) {
    // Column c is row c of b, its quads contiguous: 16 columns × 16 quads are 16 rows × 64
    // bytes, one transpose of 32-bit words. kp is a multiple of 64, so the quads come in 16s.
    const int64_t end = j0 + (j1 - j0 + 31) / 32 * 32;  // the last panel zero-filled to 32 columns
    for (int64_t c0 = j0; c0 < end; c0 += 16) {
      const int64_t valid = j1 - c0;  // rows of b inside the matrix (≤ 0: all zeros)
      int8_t* d = dst + (c0 - j0) / 32 * panel + (c0 - j0) % 32 * 4;
      for (int64_t q0 = 0; q0 < quads; q0 += 16) {
        const __mmask64 m = first_bytes(k - 4 * q0);  // zeros past k
        __m512i x[16], out[16];
#pragma GCC unroll 16
        for (int r = 0; r < 16; ++r) x[r] = r < valid ? _mm512_maskz_loadu_epi8(m, b + (c0 + r) * ld + 4 * q0) : zero;
        transpose_16x16_epi32(x, out);
#pragma GCC unroll 16
        for (int t = 0; t < 16; ++t) _mm512_storeu_si512(d + (q0 + t) * 128, out[t]);
      }
    }
    return;
  }
  for (int64_t q = 0; q < quads; ++q) {
    const int8_t* r0 = b + 4 * q * ld;  // rows 4q … 4q + 3, zeros past k (the padding to kp too)
    int8_t* row_at = dst + q * 128;
    for (int64_t c0 = j0; c0 < j1; c0 += 64) {
      __m512i z[4];  // zeros past j1, up to the panel's 32 columns
      column_quads_4x64(r0 + c0, ld, k - 4 * q, first_bytes(j1 - c0), z);
      // Columns c0 … c0 + 31 fill one panel's quad row, c0 + 32 … c0 + 63 the next panel's.
      int8_t* d = row_at + (c0 - j0) / 32 * panel;
      _mm512_storeu_si512(d, z[0]);
      _mm512_storeu_si512(d + 64, z[1]);
      if (c0 + 32 < j1) {
        _mm512_storeu_si512(d + panel, z[2]);
        _mm512_storeu_si512(d + panel + 64, z[3]);
      }
    }
  }
}

}  // namespace hk::cpu
