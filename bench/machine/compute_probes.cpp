// The loops carry their ISA in target attributes (no ISA flags on the file). Each iteration
// issues one instruction per accumulator; 16 independent accumulators (12 on ymm, which has
// 16 registers) cover latency × pipes on current cores (4-cycle FMA × 2 pipes = 8 needed).
#include "machine/compute_probes.hpp"

#include <chrono>

#include "hk/cpu_features.hpp"

#if defined(__x86_64__)
#include <immintrin.h>

#include "cpu/gemm_i8_amx.hpp"  // hk's tile configuration and its request for the tile state
#endif

namespace hk_bench {

namespace {

double fma_scalar(int64_t iterations) {
  double acc[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  for (int64_t i = 0; i < iterations; ++i)
#pragma GCC unroll 8
    for (double& a : acc) a = a * 0.999999 + 1e-6;
  double s = 0;
  for (double a : acc) s += a;
  return s;
}

#if defined(__x86_64__)
__attribute__((target("avx512f"))) double fma_avx512(int64_t iterations) {
  __m512 acc[16];
  for (int j = 0; j < 16; ++j) acc[j] = _mm512_set1_ps(float(j));
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-6f);
  for (int64_t i = 0; i < iterations; ++i)
#pragma GCC unroll 16
    for (int j = 0; j < 16; ++j) acc[j] = _mm512_fmadd_ps(acc[j], a, b);
  for (int j = 1; j < 16; ++j) acc[0] = _mm512_add_ps(acc[0], acc[j]);
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, acc[0]);
  return double(lanes[0]) + lanes[15];
}

__attribute__((target("avx2,fma"))) double fma_avx2(int64_t iterations) {
  __m256 acc[12];
  for (int j = 0; j < 12; ++j) acc[j] = _mm256_set1_ps(float(j));
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-6f);
  for (int64_t i = 0; i < iterations; ++i)
#pragma GCC unroll 12
    for (int j = 0; j < 12; ++j) acc[j] = _mm256_fmadd_ps(acc[j], a, b);
  for (int j = 1; j < 12; ++j) acc[0] = _mm256_add_ps(acc[0], acc[j]);
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, acc[0]);
  return double(lanes[0]) + lanes[7];
}

__attribute__((target("avx512f,avx512bw,avx512vnni"))) double dpbusd_avx512(int64_t iterations) {
  __m512i acc[16];
  for (int j = 0; j < 16; ++j) acc[j] = _mm512_set1_epi32(j);
  const __m512i a = _mm512_set1_epi8(3), b = _mm512_set1_epi8(-5);
  for (int64_t i = 0; i < iterations; ++i)
#pragma GCC unroll 16
    for (int j = 0; j < 16; ++j) acc[j] = _mm512_dpbusd_epi32(acc[j], a, b);
  for (int j = 1; j < 16; ++j) acc[0] = _mm512_add_epi32(acc[0], acc[j]);
  alignas(64) int32_t lanes[16];
  _mm512_store_si512(lanes, acc[0]);
  return double(lanes[0]) + lanes[15];
}

__attribute__((target("avx2,avxvnni"))) double dpbusd_avx2(int64_t iterations) {
  __m256i acc[12];
  for (int j = 0; j < 12; ++j) acc[j] = _mm256_set1_epi32(j);
  const __m256i a = _mm256_set1_epi8(3), b = _mm256_set1_epi8(-5);
  for (int64_t i = 0; i < iterations; ++i)
#pragma GCC unroll 12
    for (int j = 0; j < 12; ++j) acc[j] = _mm256_dpbusd_avx_epi32(acc[j], a, b);
  for (int j = 1; j < 12; ++j) acc[0] = _mm256_add_epi32(acc[0], acc[j]);
  return double(_mm256_extract_epi32(acc[0], 0));
}

// Six independent tile sums from two source tiles (tdpbssd's three operands must differ):
// the most accumulators eight tiles allow, so the tile unit's latency stays covered.
__attribute__((target("amx-tile,amx-int8"))) double tdpbssd_amx(int64_t iterations) {
  alignas(64) static const int8_t zeros[16 * 64] = {};  // the rate does not depend on the values
  alignas(64) int32_t out[16 * 16];
  hk::cpu::amx_begin();  // tmm0–7, each 16 rows × 64 bytes
  _tile_zero(0);
  _tile_zero(1);
  _tile_zero(2);
  _tile_zero(3);
  _tile_zero(4);
  _tile_zero(5);
  _tile_loadd(6, zeros, 64);
  _tile_loadd(7, zeros, 64);
  for (int64_t i = 0; i < iterations; ++i) {
    _tile_dpbssd(0, 6, 7);
    _tile_dpbssd(1, 6, 7);
    _tile_dpbssd(2, 6, 7);
    _tile_dpbssd(3, 6, 7);
    _tile_dpbssd(4, 6, 7);
    _tile_dpbssd(5, 6, 7);
  }
  _tile_stored(0, out, 64);
  hk::cpu::amx_end();
  return double(out[0]);
}
#endif

}  // namespace

int64_t iterations_lasting(const ComputeProbe& probe, double seconds) {
  volatile double sink = 0;
  for (int64_t iterations = 1 << 10;; iterations *= 2) {
    const auto t0 = std::chrono::steady_clock::now();
    sink = sink + probe.run(iterations);
    if (std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() > seconds) return iterations;
  }
}

ComputeProbe fp32_probe() {
#if defined(__x86_64__)
  const hk::CpuFeatures& f = hk::detected_cpu_features();
  if (f.avx512f) return {"AVX-512 FMA (zmm, 16 lanes)", 16.0 * 16 * 2, fma_avx512};
  if (f.has_avx2_fma()) return {"AVX2 FMA (ymm, 8 lanes)", 12.0 * 8 * 2, fma_avx2};
#endif
  return {"scalar multiply-add (double)", 8.0 * 2, fma_scalar};
}

std::optional<ComputeProbe> int8_probe() {
#if defined(__x86_64__)
  const hk::CpuFeatures& f = hk::detected_cpu_features();
  // One vpdpbusd: 64 (zmm) or 32 (ymm) u8×s8 multiply-adds.
  if (f.avx512vnni && f.has_avx512()) return ComputeProbe{"AVX512-VNNI vpdpbusd (zmm)", 16.0 * 64 * 2, dpbusd_avx512};
  if (f.avx_vnni) return ComputeProbe{"AVX-VNNI vpdpbusd (ymm)", 12.0 * 32 * 2, dpbusd_avx2};
#endif
  return std::nullopt;
}

std::optional<ComputeProbe> int8_tile_probe() {
#if defined(__x86_64__)
  // One tdpbssd: 16 × 16 sums of 64 s8 × s8 products.
  if (hk::detected_cpu_features().amx_int8 && hk::cpu::amx_refusal().empty())
    return ComputeProbe{"AMX tdpbssd (six 16×16 int32 tiles)", 6.0 * 16 * 16 * 64 * 2, tdpbssd_amx};
#endif
  return std::nullopt;
}

}  // namespace hk_bench
