// int8 GEMM micro-kernel, AVX512-VNNI: one `vpdpbusd` does 64 multiply-adds (16 int32 lanes,
// each the dot product of 4 u8 with 4 s8, added to the lane) — four times the int8 work of
// an f32 FMA per instruction, and exact: the four products (|p| ≤ 255·128) sum without
// saturation and are added to the int32 lane modulo 2³² (the `vpdpbusds` form would
// saturate; it is not used). Why u8 × s8 and how hk gets s8 × s8 out of it: see
// matmul_i8_vnni.cpp.
//
// The tile is the f32 kernel's, with 4 k values per step: 12 rows × 32 columns = 24 zmm
// accumulators; per step 2 loads of B (64 bytes each: 16 columns × 4 k), 12 broadcasts of
// 4 bytes of A, 24 vpdpbusd.
//
// Intrinsics, not Highway: Highway 1.0 has no vpdpbusd. This file is built with
// -mavx512f -mavx512bw -mavx512vnni and contains only the tile function (gemm_i8_vnni.hpp).
#include <immintrin.h>

#include "cpu/gemm_i8_vnni.hpp"

namespace hk::cpu {

// a: kgroups × 12 × 4 u8 (packed), b: kgroups × 32 × 4 s8 (packed, 64-byte aligned),
// init: 32 int32 each row starts from, c: 12 × 32 tile with row stride ldc.
void vnni_zmm_tile(int64_t kgroups, const uint8_t* a, const int8_t* b, const int32_t* init, int32_t* c,
                   int64_t ldc, int64_t rows, int64_t cols, bool accumulate) {
  constexpr int MR = kVnniZmmMR, NR = kVnniZmmNR;
  for (int64_t r = 0; r < rows; ++r) {  // fetch the C tile while the k loop runs
    _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc + cols - 1), _MM_HINT_T0);
  }
  const __m512i init0 = _mm512_loadu_si512(init), init1 = _mm512_loadu_si512(init + 16);
  __m512i acc[MR][2];
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) {
    acc[r][0] = init0;
    acc[r][1] = init1;
  }
  for (int64_t q = 0; q < kgroups; ++q) {
    const __m512i b0 = _mm512_load_si512(b), b1 = _mm512_load_si512(b + 64);
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      int32_t quad;  // 4 consecutive k values of row r, as one 32-bit lane
      __builtin_memcpy(&quad, a + 4 * r, 4);
      const __m512i ar = _mm512_set1_epi32(quad);
      acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], ar, b0);
      acc[r][1] = _mm512_dpbusd_epi32(acc[r][1], ar, b1);
    }
    a += 4 * MR;
    b += 4 * NR;
  }
  if (rows == MR && cols == NR) {
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      int32_t* dst = c + r * ldc;
      __m512i v0 = acc[r][0], v1 = acc[r][1];
      if (accumulate) {  // vpaddd wraps modulo 2³², like every other int32 sum in hk
        v0 = _mm512_add_epi32(v0, _mm512_loadu_si512(dst));
        v1 = _mm512_add_epi32(v1, _mm512_loadu_si512(dst + 16));
      }
      _mm512_storeu_si512(dst, v0);
      _mm512_storeu_si512(dst + 16, v1);
    }
    return;
  }
  // Edge tile: only rows × cols of C are touched (masked stores, no stack round trip).
  const __mmask16 m0 = static_cast<__mmask16>(cols >= 16 ? 0xFFFF : (1u << cols) - 1);
  const __mmask16 m1 = static_cast<__mmask16>(cols >= 32 ? 0xFFFF : cols <= 16 ? 0 : (1u << (cols - 16)) - 1);
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) {
    if (r >= rows) break;
    int32_t* dst = c + r * ldc;
    __m512i v0 = acc[r][0], v1 = acc[r][1];
    if (accumulate) {
      v0 = _mm512_add_epi32(v0, _mm512_maskz_loadu_epi32(m0, dst));
      v1 = _mm512_add_epi32(v1, _mm512_maskz_loadu_epi32(m1, dst + 16));
    }
    _mm512_mask_storeu_epi32(dst, m0, v0);
    _mm512_mask_storeu_epi32(dst + 16, m1, v1);
  }
}

}  // namespace hk::cpu
