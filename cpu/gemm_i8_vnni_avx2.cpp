// int8 GEMM micro-kernel, AVX-VNNI: `vpdpbusd` on ymm with a VEX encoding, for CPUs that
// have the dot-product instruction but not AVX-512 (Alder Lake and later Intel cores, AMD
// Zen 5 parts without AVX-512). Same arithmetic as gemm_i8_vnni_avx512.cpp — exact u8 × s8
// quads accumulated modulo 2³², never the saturating `vpdpbusds` — on half-width vectors:
// 16 ymm registers hold a 6 × 16 tile (12 accumulators, 2 B vectors, 1 broadcast).
//
// This file is built with -mavx2 -mavxvnni and holds only the tile functions and their
// table. The test suite compiles it a second time with AVX512-VNNI + VL, where the same
// source becomes the EVEX form of the ymm instruction, so the tile is checked on CPUs that
// lack AVX-VNNI itself (HK_DPBUSD_YMM below; tests/vnni_ymm_evex.cpp).
#include <immintrin.h>

#include "cpu/gemm_i8_vnni.hpp"

#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
#define HK_DPBUSD_YMM _mm256_dpbusd_epi32  // EVEX (AVX512-VNNI + VL): the test build
#else
#define HK_DPBUSD_YMM _mm256_dpbusd_avx_epi32  // VEX (AVX-VNNI)
#endif

namespace hk::cpu {

namespace {

constexpr int MR = 6, NV = 2, NR = 8 * NV;

// a: kgroups × MR × 4 u8 (packed), b: kgroups × NR × 4 s8 (packed, 32-byte aligned),
// init: NR int32 each row starts from, c: MR × NR tile with row stride ldc. Computes the
// first NVU vectors of columns.
template <int NVU>
void tile(int64_t kgroups, const uint8_t* a, const int8_t* b, const int32_t* init, int32_t* c, int64_t ldc,
          int64_t rows, int64_t cols, bool accumulate, L2Ahead ahead) {
  for (int64_t r = 0; r < rows; ++r) {
    _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc + cols - 1), _MM_HINT_T0);
  }
  __m256i acc[MR][NVU];
#pragma GCC unroll 8
  for (int v = 0; v < NVU; ++v) {
    const __m256i start = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(init + 8 * v));
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) acc[r][v] = start;
  }
  for (int64_t q = 0; q < kgroups; ++q) {
    HK_L2_AHEAD_STEP(ahead);
    __m256i bv[NVU];
#pragma GCC unroll 4
    for (int v = 0; v < NVU; ++v) bv[v] = _mm256_load_si256(reinterpret_cast<const __m256i*>(b + 32 * v));
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      int32_t quad;
      __builtin_memcpy(&quad, a + 4 * r, 4);
      const __m256i ar = _mm256_set1_epi32(quad);
#pragma GCC unroll 4
      for (int v = 0; v < NVU; ++v) acc[r][v] = HK_DPBUSD_YMM(acc[r][v], ar, bv[v]);
    }
    a += 4 * MR;
    b += 4 * NR;
  }
  // Lane masks clip the right edge; maskload/maskstore never touch memory in masked-off
  // lanes, so nothing outside rows × cols of C is read or written. vpaddd wraps mod 2³².
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
    if (r >= rows) break;
    int32_t* dst = c + r * ldc;
#pragma GCC unroll 4
    for (int v = 0; v < NVU; ++v) {
      __m256i sum = acc[r][v];
      if (cols - 8 * v >= 8) {
        auto* p = reinterpret_cast<__m256i*>(dst + 8 * v);
        if (accumulate) sum = _mm256_add_epi32(sum, _mm256_loadu_si256(p));
        _mm256_storeu_si256(p, sum);
      } else {
        const __m256i m = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(cols - 8 * v)), lane);
        if (accumulate) sum = _mm256_add_epi32(sum, _mm256_maskload_epi32(dst + 8 * v, m));
        _mm256_maskstore_epi32(dst + 8 * v, m, sum);
      }
    }
  }
}

}  // namespace

const int kVnniYmmMR = MR, kVnniYmmNR = NR;
const VnniTile vnni_ymm_tiles[4] = {&tile<1>, &tile<2>, nullptr, nullptr};

}  // namespace hk::cpu
