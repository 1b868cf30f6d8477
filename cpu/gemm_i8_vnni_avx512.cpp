// int8 GEMM micro-kernel, AVX512-VNNI: one `vpdpbusd` does 64 multiply-adds (16 int32 lanes,
// each the dot product of 4 u8 with 4 s8, added to the lane) — four times the int8 work of
// an f32 FMA per instruction, and exact: the four products (|p| ≤ 255·128) sum without
// saturation and are added to the int32 lane modulo 2³² (the `vpdpbusds` form would
// saturate; it is not used). Why u8 × s8 and how hk gets s8 × s8 out of it: see
// matmul_i8_vnni.cpp.
//
// The tile is MR rows × NV vectors of 16 columns, 4 k values per step: per step NV loads of
// B (64 bytes each: 16 columns × 4 k), MR broadcasts of 4 bytes of A, MR·NV vpdpbusd.
// Each broadcast is a load of its own, so squarer tiles (fewer loads per vpdpbusd) beat the
// f32 kernel's 12 × 2. 8 × 3 is square enough and, unlike 4 × 4, still reads only 192 bytes
// of B per 24 vpdpbusd — the B micro-panel streams from L2 (gemm_loops.hpp).
//
// Intrinsics, not Highway: Highway 1.0 has no vpdpbusd. This file is built with
// -mavx512f -mavx512vnni and holds only the tile functions (internal linkage)
// and the table of their addresses (gemm_i8_vnni.hpp).
#include <immintrin.h>

#include "cpu/gemm_i8_vnni.hpp"



namespace hk::cpu {

namespace {

constexpr int MR = 8, NV = 3, NR = 16 * NV;

// a: kgroups × MR × 4 u8 (packed), b: kgroups × NR × 4 s8 (packed, 64-byte aligned),
// init: NR int32 each row starts from, c: MR × NR tile with row stride ldc. Computes the
// first NVU vectors of columns.
template <int NVU>
void tile(int64_t kgroups, const uint8_t* a, const int8_t* b, const int32_t* init, int32_t* c, int64_t ldc,
          int64_t rows, int64_t cols, bool accumulate, L2Ahead ahead) {
  for (int64_t r = 0; r < rows; ++r) {  // fetch the C tile while the k loop runs
    _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc + cols - 1), _MM_HINT_T0);
  }
  __m512i acc[MR][NVU];
#pragma GCC unroll 16
  for (int v = 0; v < NVU; ++v) {
    const __m512i start = _mm512_loadu_si512(init + 16 * v);
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) acc[r][v] = start;
  }
  for (int64_t q = 0; q < kgroups; ++q) {
    HK_L2_AHEAD_STEP(ahead);
    __m512i bv[NVU];
#pragma GCC unroll 4
    for (int v = 0; v < NVU; ++v) bv[v] = _mm512_load_si512(b + 64 * v);
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      int32_t quad;  // 4 consecutive k values of row r, as one 32-bit lane
      __builtin_memcpy(&quad, a + 4 * r, 4);
      const __m512i ar = _mm512_set1_epi32(quad);
#pragma GCC unroll 4
      for (int v = 0; v < NVU; ++v) acc[r][v] = _mm512_dpbusd_epi32(acc[r][v], ar, bv[v]);
    }
    a += 4 * MR;
    b += 4 * NR;
  }
  // Store: lane masks clip the right edge (masked-off lanes are neither read nor written,
  // so nothing outside rows × cols of C is touched); vpaddd wraps modulo 2³².
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) {
    if (r >= rows) break;
    int32_t* dst = c + r * ldc;
#pragma GCC unroll 4
    for (int v = 0; v < NVU; ++v) {
      const int64_t left = cols - 16 * v;
      const __mmask16 m = static_cast<__mmask16>(left >= 16 ? 0xFFFF : (1u << left) - 1);
      __m512i sum = acc[r][v];
      if (accumulate) sum = _mm512_add_epi32(sum, _mm512_maskz_loadu_epi32(m, dst + 16 * v));
      _mm512_mask_storeu_epi32(dst + 16 * v, m, sum);
    }
  }
}

}  // namespace

const int kVnniZmmMR = MR, kVnniZmmNR = NR;
const VnniTile vnni_zmm_tiles[4] = {&tile<1>, &tile<2>, NV >= 3 ? &tile<3> : nullptr, NV >= 4 ? &tile<4> : nullptr};

}  // namespace hk::cpu
