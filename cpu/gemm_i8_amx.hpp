// The AMX int8 tile routines (gemm_i8_amx_tiles.cpp, the only file built with -mamx-tile
// -mamx-int8) and what matmul_i8_amx.cpp needs of them. Nothing here is inline, so no AMX
// instruction can end up in code a CPU without AMX runs.
#pragma once

#include <cstdint>
#include <string>

#include "hk/registry.hpp"  // kernel::Epilogue

namespace hk::cpu {

// Rows and columns of C one amx_block computes, and the k step of one tile instruction.
constexpr int64_t kAmxBlockRows = 32, kAmxBlockCols = 32, kAmxK = 64;

// "" once this process may use the tiles, else why not (Linux grants the tile state only on
// request, arch_prctl ARCH_REQ_XCOMP_PERM). Asked once, on first use, not at load: only a
// program that uses the tiles pays for the larger signal frames they bring.
const std::string& amx_refusal();

// Loads this thread's tile configuration (tmm0–7, each 16 rows × 64 bytes); amx_end
// releases it. A thread runs amx_block only between the two.
void amx_begin();
void amx_end();

// c (32 × 32 int32, row stride ldc elements) = a · b over `steps` k steps of 64 read in place
// (32 rows, row stride lda), then, when a_last is not null, one more from a_last (32 rows ×
// 64 bytes, row stride lda_last: the zero-padded end of rows whose K is not a multiple of
// 64); b: the k steps' quad rows, 32 columns × 4 consecutive k each (128 bytes a row),
// pack_b<PackI8Vnni>'s layout for NR = 32. s8 × s8 into exact int32 sums (tdpbssd).
void amx_block(int64_t steps, const int8_t* a, int64_t lda, const int8_t* a_last, int64_t lda_last, const int8_t* b,
               int32_t* c, int64_t ldc);

// Whether an (m, k) × (k, n) product goes to the tiles (matmul_i8_amx.cpp); else it runs as
// vnni. cpu_has_amx: AMX-INT8 (after HK_CPU_ISA).
bool amx_pays(int64_t m, int64_t k, int64_t n);
bool cpu_has_amx();

// linear's int8 product on the tiles with its epilogue (linear_fused.cpp): false, having done
// nothing, where the CPU lacks AMX, amx_pays says no, or Linux refused the tile state (which
// the call's record then says).
bool linear_i8_amx(const int8_t* x, const int8_t* w, float* out, int64_t m, int64_t k, int64_t n, bool w_out_in,
                   const kernel::Epilogue& e, int threads);

}  // namespace hk::cpu
