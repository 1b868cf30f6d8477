// The VNNI micro-kernels (u8 × s8 → s32 dot products of 4, `vpdpbusd`). Their files are the
// only ones built with AVX-512 / AVX-VNNI flags, so they hold nothing but the tile functions:
// any other code there (even an inline helper from a shared header) could end up executed on
// a CPU without those instructions. matmul_i8_vnni.cpp checks the CPU before calling them.
#pragma once

#include <cstdint>

namespace hk::cpu {

// gemm_i8_vnni_avx512.cpp: zmm, AVX512-VNNI (+ AVX512F/BW). A 12 × 32 tile: 24 accumulators.
inline constexpr int kVnniZmmMR = 12, kVnniZmmNR = 32;
void vnni_zmm_tile(int64_t kgroups, const uint8_t* a, const int8_t* b, const int32_t* init, int32_t* c,
                   int64_t ldc, int64_t rows, int64_t cols, bool accumulate);

// gemm_i8_vnni_avx2.cpp: ymm, AVX-VNNI (VEX; Alder Lake, Zen 5) for CPUs without AVX-512.
// A 6 × 16 tile: 12 accumulators of the 16 ymm registers.
inline constexpr int kVnniYmmMR = 6, kVnniYmmNR = 16;
void vnni_ymm_tile(int64_t kgroups, const uint8_t* a, const int8_t* b, const int32_t* init, int32_t* c,
                   int64_t ldc, int64_t rows, int64_t cols, bool accumulate);

}  // namespace hk::cpu
