// The VNNI micro-kernels (u8 × s8 → s32 dot products of 4, `vpdpbusd`) and their AVX-512
// packing. Their files are the only ones built with AVX-512 / AVX-VNNI flags, so they hold
// nothing but these functions: any other code there (even an inline helper from a shared
// header) could end up executed on a CPU without those instructions. matmul_i8_vnni.cpp
// checks the CPU before calling them.
#pragma once

#include <cstdint>

#include "cpu/gemm_l2_ahead.hpp"

namespace hk::cpu {

using VnniTile = void (*)(int64_t kgroups, const uint8_t* a, const int8_t* b, const int32_t* init, int32_t* c,
                          int64_t ldc, int64_t rows, int64_t cols, bool accumulate, L2Ahead ahead);

// gemm_i8_vnni_avx512.cpp: zmm, AVX512-VNNI (+ AVX512F). vnni_zmm_tiles[v − 1] computes v
// vectors (16 columns each) of an MR × NR tile (see Microkernel::fn).
extern const int kVnniZmmMR, kVnniZmmNR;
extern const VnniTile vnni_zmm_tiles[4];

// gemm_i8_vnni_avx2.cpp: ymm, AVX-VNNI (VEX; Alder Lake, Zen 5) for CPUs without AVX-512.
// vnni_ymm_tiles[v − 1] computes v vectors (8 columns each).
extern const int kVnniYmmMR, kVnniYmmNR;
extern const VnniTile vnni_ymm_tiles[4];

// gemm_pack_vnni_avx512.cpp: pack_a / pack_b of PackI8Vnni (gemm_pack.hpp; the same bytes)
// with AVX-512 F + BW + VNNI, for MR = 8 and NR a multiple of 16 (other tiles fall back to
// the portable routines).
void pack_a_vnni_zmm(const int8_t* a, int64_t lda, int64_t rows, int64_t kc, int mr, uint8_t* dst);
void pack_b_vnni_zmm(const int8_t* b, int64_t ldb, int64_t kc, int64_t cols, int nr, int8_t* dst, int32_t* comp);
// pack_b_t of PackI8Vnni: B stored transposed (cols × kc, row stride ldbt).
void pack_b_t_vnni_zmm(const int8_t* bt, int64_t ldbt, int64_t kc, int64_t cols, int nr, int8_t* dst, int32_t* comp);
// B for the AMX tiles (matmul_i8_amx.cpp): columns [j0, j1) of b (k × n, row stride ld; with
// b_t, b is n × k), j0 a multiple of 32, as 32-column panels of kp / 4 quad rows (128 bytes
// each; kp ≥ k a multiple of 64), zeros past k and past j1 to the last panel's 32 columns.
// pack_b_vnni_zmm's bytes for NR = 32, without its sums.
void pack_b_amx_zmm(const int8_t* b, bool b_t, int64_t ld, int64_t k, int64_t j0, int64_t j1, int64_t kp,
                    int8_t* dst);

}  // namespace hk::cpu
