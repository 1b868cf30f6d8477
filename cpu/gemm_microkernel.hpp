// The contract between the GEMM loop nest (gemm_loops.hpp), the packing routines
// (gemm_pack.hpp) and the micro-kernels (gemm_f32_microkernel.cpp, gemm_i8_*.cpp).
//
// A micro-kernel computes one MR×NR tile of C from one packed A micro-panel (MR rows × kc)
// and one packed B micro-panel (kc × NR columns), holding the whole tile in vector
// registers for the entire k loop. Everything else in a GEMM exists to feed it.
#pragma once

#include <cstdint>

#include "cpu/gemm_l2_ahead.hpp"

namespace hk::cpu {

// PA, PB: packed element types of A and B; C: the accumulator/output type.
template <class PA, class PB, class C>
struct Microkernel {
  // kgroups: number of k steps in the panels, each step holding `kgroup` consecutive k
  //          values per row (A) or column (B) — 1 for f32 FMA, 2 for int16 pairs
  //          (vpmaddwd), 4 for u8×s8 quads (vpdpbusd).
  // a:       packed A micro-panel, kgroups × mr × kgroup elements.
  // b:       packed B micro-panel, kgroups × nr × kgroup elements.
  // init:    nr values every row of the tile starts from (the int8 zero-point
  //          compensation), or null for zeros.
  // c, ldc:  the tile's top-left element in C and C's row stride (elements). C may be
  //          unaligned; the kernel reads/writes only rows × cols of it.
  // rows, cols: the valid part of the tile (≤ mr, ≤ nr) at the matrix edges.
  // accumulate: add to C (a later k block) instead of overwriting it (the first).
  // ahead:   lines for L2 while the k loop runs, one per step (gemm_l2_ahead.hpp).
  using Fn = void (*)(int64_t kgroups, const PA* a, const PB* b, const C* init, C* c, int64_t ldc,
                      int64_t rows, int64_t cols, bool accumulate, L2Ahead ahead);
  static constexpr int kMaxVectors = 4;

  int mr = 0, nr = 0, kgroup = 1;
  int lanes = 1;  // columns per vector register; nr = vectors · lanes
  // fn[v − 1] computes only the first v vectors of columns of the tile (it still steps
  // through the nr-wide B panel): the right edge of C, where a tile has fewer columns than
  // nr, runs only the vectors it needs instead of a whole tile of wasted multiply-adds.
  // fn[nr / lanes − 1] is the full tile.
  Fn fn[kMaxVectors] = {};
  const char* isa = "";  // the instruction set it was compiled for, e.g. "AVX3"

  Fn for_cols(int64_t cols) const { return fn[(cols + lanes - 1) / lanes - 1]; }
};

using MicrokernelF32 = Microkernel<float, float, float>;
using MicrokernelI16 = Microkernel<int16_t, int16_t, int32_t>;  // int8 widened to int16 pairs
using MicrokernelVnni = Microkernel<uint8_t, int8_t, int32_t>;  // u8 (A + 128) × s8 quads

// gemm_f32_microkernel.cpp: FMA on the widest Highway target HK_CPU_ISA allows, its
// broadcasts in the form f32_broadcast_folded() says.
MicrokernelF32 gemm_f32_microkernel();

// The form of the f32 tiles' broadcasts on AVX-512 (gemm_f32_tile-inl.h): true for folded
// into the FMAs, false for loaded into a register. By the CPU (in a register on Intel
// cores, folded elsewhere) unless pinned; the small GEMM reads it on every call, a plan when
// it is made (gemm_f32_microkernel()).
bool f32_broadcast_folded();
enum class F32Broadcast { by_cpu, folded, in_register };
// Pins the form (tests run both on one machine); by_cpu unpins. Not for use while a GEMM runs.
void pin_f32_broadcast(F32Broadcast form);
// gemm_i8_microkernel.cpp: int16 pairwise multiply-add on the widest Highway target.
MicrokernelI16 gemm_i8_microkernel();
// The VNNI tiles (gemm_i8_vnni.hpp: intrinsics, built with ISA flags) as a Microkernel;
// matmul_i8_vnni.cpp. tiles[v − 1] computes v vectors of `lanes` columns.
MicrokernelVnni vnni_microkernel(int mr, int nr, int lanes,
                                 void (*const* tiles)(int64_t, const uint8_t*, const int8_t*, const int32_t*,
                                                      int32_t*, int64_t, int64_t, int64_t, bool, L2Ahead),
                                 const char* isa);

}  // namespace hk::cpu
