// f32 GEMM micro-kernel: an MR×NR tile of C held in vector registers across the k loop.
//
// Why it beats `blocked`: there, every multiply-add also loads and stores an element of C.
// Here the MR×NR partial sums never leave the registers while k runs, so each step of k
// costs MR broadcasts of A and NR/L vector loads of B (L = lanes per vector) for MR·NR/L
// fused multiply-adds — 14 loads feed 24 FMAs on AVX-512 (MR 12, NR 32), or 26 where each
// FMA folds its broadcast (gemm_f32_tile-inl.h: the two forms) — and the FMA units, not
// memory, set the pace. The packed panels (gemm_pack.hpp) make those loads contiguous.
//
// Tile shape per target: gemm_f32_tile-inl.h (shared with the unpacked small GEMM).
//
// Written once with Google Highway and compiled for every x86 target (SCALAR, SSE4, AVX2,
// AVX-512); gemm_f32_microkernel() returns the best one HK_CPU_ISA allows. Highway expresses
// this kernel fully: broadcast (Set), unaligned loads/stores, MulAdd → vfmadd231ps; the
// compiler keeps the fully unrolled accumulator array in registers (checked in the
// disassembly: no spills in the k loop).
//
// Limits: a fixed tile wastes lanes at the edges (a 7-row remainder still runs 12-row
// FMAs; the result is written through a stack tile). That matters only for thin matrices.

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "cpu/gemm_f32_microkernel.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/cache_control.h>
#include <hwy/highway.h>

#include <algorithm>
#include <atomic>

#include "cpu/gemm_microkernel.hpp"
#include "hk/cpu_features.hpp"

#include "cpu/gemm_f32_tile-inl.h"

HWY_BEFORE_NAMESPACE();
namespace hk::cpu::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// How far ahead of the k loop the tile prefetches B, in k steps (a step reads NR floats of
// B): a few hundred cycles of FMAs, enough to cover an L2 miss; distances from 6 to 24
// steps timed alike, so the value is not delicate.
constexpr int64_t kPrefetchSteps = 16;
constexpr int64_t kLineFloats = 64 / sizeof(float);
// How many k steps before the end of the k loop the tile asks for its C lines in L1.
constexpr int64_t kCSteps = 48;

// a: kc × MR (packed), b: kc × NR (packed, NR = kNV·lanes), c: MR × NR tile with row stride ldc.
// Computes the first NVU vectors of columns (NVU < kNV only at the right edge of C).
template <int NVU, bool Folded>
void F32Tile(int64_t kc, const float* HWY_RESTRICT a, const float* HWY_RESTRICT b,
             const float* /*init*/, float* HWY_RESTRICT c, int64_t ldc, int64_t rows,
             int64_t cols, bool accumulate, L2Ahead ahead) {
  const hn::ScalableTag<float> d;
  using V = hn::Vec<decltype(d)>;
  constexpr int64_t L = static_cast<int64_t>(hn::MaxLanes(d));
  constexpr int64_t NR = kNV * L;  // the B panel's width
  constexpr int64_t NU = NVU * L;  // the columns computed here

  // The C tile's lines (rows ldc apart, likely evicted since the previous k block) are asked
  // for twice: into L2 now, and into L1 kCSteps steps before the loop ends, so they arrive
  // while the FMAs run instead of stalling the stores after them. Asked into L1 now, they
  // would not last: the B micro-panel streaming through L1 evicts them long before the end
  // (and with ldc a power of two every row maps to the same L1 set).
  for (int64_t r = 0; r < rows; ++r) {
    __builtin_prefetch(c + r * ldc, 0, 2);
    __builtin_prefetch(c + r * ldc + cols - 1, 0, 2);
  }

  V acc[kMR][NVU];
#pragma GCC unroll 64
  for (int r = 0; r < kMR; ++r)
#pragma GCC unroll 8
    for (int v = 0; v < NVU; ++v) acc[r][v] = hn::Zero(d);

  // The k loop: per step, NVU loads of B, kMR broadcasts of A, kMR·NVU FMAs. It also asks
  // for the B lines kPrefetchSteps steps ahead: the B micro-panel streams from L2 (KC is
  // sized for L2, gemm_loops.cpp), and the hardware prefetchers alone leave the B loads
  // waiting on L2.
  const auto steps = [&](int64_t n) HWY_ATTR {
    for (int64_t p = 0; p < n; ++p) {
      HK_L2_AHEAD_STEP(ahead);
#pragma GCC unroll 8
      for (int64_t o = 0; o < NU; o += kLineFloats) hwy::Prefetch(b + kPrefetchSteps * NR + o);
      V bv[NVU];
#pragma GCC unroll 8
      for (int v = 0; v < NVU; ++v) bv[v] = hn::Load(d, b + v * L);  // packed B is 64-byte aligned
#pragma GCC unroll 64
      for (int r = 0; r < kMR; ++r)
#pragma GCC unroll 8
        for (int v = 0; v < NVU; ++v) acc[r][v] = MulAddBroadcast<Folded>(d, a + r, bv[v], acc[r][v]);
      a += kMR;
      b += NR;
    }
  };
  const int64_t last = std::min(kc, kCSteps);
  steps(kc - last);
  for (int64_t r = 0; r < rows; ++r) {
    hwy::Prefetch(c + r * ldc);
    hwy::Prefetch(c + r * ldc + cols - 1);
  }
  steps(last);

  if (rows == kMR && cols == NU) {  // a full tile: straight to C
#pragma GCC unroll 64
    for (int r = 0; r < kMR; ++r)
#pragma GCC unroll 8
      for (int v = 0; v < NVU; ++v) {
        float* dst = c + r * ldc + v * L;
        hn::StoreU(accumulate ? hn::Add(hn::LoadU(d, dst), acc[r][v]) : acc[r][v], d, dst);
      }
    return;
  }
  // An edge tile: through a stack buffer, so nothing outside rows × cols of C is touched.
  HWY_ALIGN float tile[kMR * NU];
#pragma GCC unroll 64
  for (int r = 0; r < kMR; ++r)
#pragma GCC unroll 8
    for (int v = 0; v < NVU; ++v) hn::Store(acc[r][v], d, tile + r * NU + v * L);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < cols; ++j)
      c[r * ldc + j] = accumulate ? c[r * ldc + j] + tile[r * NU + j] : tile[r * NU + j];
}

template <bool Folded>
void SetTiles(MicrokernelF32& k) {
  // One vector: each broadcast feeds one FMA, so folded is the fewer instructions.
  k.fn[0] = &F32Tile<1, kTwoBroadcastForms>;
  k.fn[1] = &F32Tile<2, Folded>;
  if constexpr (kNV >= 3) k.fn[2] = &F32Tile<3, Folded>;
  if constexpr (kNV >= 4) k.fn[3] = &F32Tile<4, Folded>;
}

MicrokernelF32 GetF32Microkernel() {
  const hn::ScalableTag<float> d;
  MicrokernelF32 k;
  k.mr = kMR;
  k.lanes = static_cast<int>(hn::Lanes(d));
  k.nr = kNV * k.lanes;
  k.kgroup = 1;
  if (kTwoBroadcastForms && f32_broadcast_folded())
    SetTiles<kTwoBroadcastForms>(k);
  else
    SetTiles<false>(k);
  k.isa = hwy::TargetName(HWY_TARGET);
  return k;
}

}  // namespace hk::cpu::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace hk::cpu {
HWY_EXPORT(GetF32Microkernel);

MicrokernelF32 gemm_f32_microkernel() { return HWY_DYNAMIC_DISPATCH(GetF32Microkernel)(); }

namespace {
std::atomic<F32Broadcast> pinned_broadcast{F32Broadcast::by_cpu};
}  // namespace

bool f32_broadcast_folded() {
  switch (pinned_broadcast.load(std::memory_order_relaxed)) {
    case F32Broadcast::folded: return true;
    case F32Broadcast::in_register: return false;
    case F32Broadcast::by_cpu: break;
  }
  static const bool folded = !detected_cpu_features().intel;
  return folded;
}

void pin_f32_broadcast(F32Broadcast form) { pinned_broadcast.store(form, std::memory_order_relaxed); }
}  // namespace hk::cpu
#endif
