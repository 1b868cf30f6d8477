// int8 GEMM micro-kernel, AVX-VNNI: `vpdpbusd` on ymm with a VEX encoding, for CPUs that
// have the dot-product instruction but not AVX-512 (Alder Lake and later Intel cores, AMD
// Zen 5 parts without AVX-512). Same arithmetic as gemm_i8_vnni_avx512.cpp — exact u8 × s8
// quads accumulated modulo 2³², never the saturating `vpdpbusds` — on half-width vectors:
// 16 ymm registers hold a 6 × 16 tile (12 accumulators, 2 B vectors, 1 broadcast).
//
// This file is built with -mavx2 -mavxvnni and contains only the tile function. The test
// suite compiles it a second time with AVX512-VNNI + VL, where the same intrinsic source
// becomes the EVEX form of the ymm instruction, so the tile is checked on CPUs that lack
// AVX-VNNI itself (HK_DPBUSD_YMM below).
#include <immintrin.h>

#include "cpu/gemm_i8_vnni.hpp"

#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
#define HK_DPBUSD_YMM _mm256_dpbusd_epi32  // EVEX (AVX512-VNNI + VL): the test build
#else
#define HK_DPBUSD_YMM _mm256_dpbusd_avx_epi32  // VEX (AVX-VNNI)
#endif

namespace hk::cpu {

// a: kgroups × 6 × 4 u8 (packed), b: kgroups × 16 × 4 s8 (packed, 32-byte aligned),
// init: 16 int32 each row starts from, c: 6 × 16 tile with row stride ldc.
void vnni_ymm_tile(int64_t kgroups, const uint8_t* a, const int8_t* b, const int32_t* init, int32_t* c,
                   int64_t ldc, int64_t rows, int64_t cols, bool accumulate) {
  constexpr int MR = kVnniYmmMR, NR = kVnniYmmNR;
  for (int64_t r = 0; r < rows; ++r) {
    _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc + cols - 1), _MM_HINT_T0);
  }
  const __m256i init0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(init));
  const __m256i init1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(init + 8));
  __m256i acc[MR][2];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
    acc[r][0] = init0;
    acc[r][1] = init1;
  }
  for (int64_t q = 0; q < kgroups; ++q) {
    const __m256i b0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(b));
    const __m256i b1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(b + 32));
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      int32_t quad;
      __builtin_memcpy(&quad, a + 4 * r, 4);
      const __m256i ar = _mm256_set1_epi32(quad);
      acc[r][0] = HK_DPBUSD_YMM(acc[r][0], ar, b0);
      acc[r][1] = HK_DPBUSD_YMM(acc[r][1], ar, b1);
    }
    a += 4 * MR;
    b += 4 * NR;
  }
  // Lane masks for the edge columns (all lanes for a full tile); maskload/maskstore never
  // touch memory in masked-off lanes, so nothing outside rows × cols of C is read or written.
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i m0 = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(cols)), lane);
  const __m256i m1 = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(cols) - 8), lane);
  const bool full = cols == NR;
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
    if (r >= rows) break;
    int32_t* dst = c + r * ldc;
    __m256i v0 = acc[r][0], v1 = acc[r][1];
    if (full) {
      if (accumulate) {  // vpaddd wraps modulo 2³²
        v0 = _mm256_add_epi32(v0, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(dst)));
        v1 = _mm256_add_epi32(v1, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(dst + 8)));
      }
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), v0);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + 8), v1);
    } else {
      if (accumulate) {
        v0 = _mm256_add_epi32(v0, _mm256_maskload_epi32(dst, m0));
        v1 = _mm256_add_epi32(v1, _mm256_maskload_epi32(dst + 8, m1));
      }
      _mm256_maskstore_epi32(dst, m0, v0);
      _mm256_maskstore_epi32(dst + 8, m1, v1);
    }
  }
}

}  // namespace hk::cpu
