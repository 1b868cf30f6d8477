// int8 GEMM micro-kernel without VNNI: widen to int16, then pairwise multiply-add.
//
// The int8 values are packed as int16 (sign-extended), two consecutive k per 32-bit lane.
// `vpmaddwd` (Highway: ReorderWidenMulAccumulate on int16 → int32) multiplies the int16
// lanes and adds each adjacent pair into one int32 lane: per column, a[k]·b[k] +
// a[k+1]·b[k+1]. Exact: |product| ≤ 128·128 = 2¹⁴, a pair ≤ 2¹⁵, far below int32 limits
// (vpmaddwd overflows only for four −32768 inputs, which int8 cannot produce), and the
// running int32 sums wrap modulo 2³² like every int32 sum in hk.
//
// Why not `vpmaddubsw` (u8 × s8 → s16 pairs), the classic pre-VNNI trick: it saturates the
// pair sum to int16 (255·127·2 > 32767), so its results are wrong for large inputs.
// Half the multiply-adds per instruction of a VNNI kernel, but exact on every CPU.
//
// Tiles as in gemm_f32_microkernel.cpp (12 × 2 vectors on AVX-512, 6 × 2 on AVX2/SSE4).
// On the SCALAR target Highway's int16 "vectors" hold one lane, so the pair layout does not
// map onto them; that target runs the same packed layout through plain C++.

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "cpu/gemm_i8_microkernel.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/cache_control.h>
#include <hwy/highway.h>

#include <cstring>

#include "cpu/gemm_microkernel.hpp"

HWY_BEFORE_NAMESPACE();
namespace hk::cpu::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

#if HWY_TARGET <= HWY_AVX3
constexpr int kMR = 12, kNV = 2;
#elif HWY_TARGET == HWY_SCALAR
constexpr int kMR = 4, kNV = 4;
#else
constexpr int kMR = 6, kNV = 2;
#endif

// Stores (or adds) the tile; `tile` is row-major MR × NR.
inline void StoreTile(const int32_t* tile, int64_t nr, int32_t* c, int64_t ldc, int64_t rows, int64_t cols,
                      bool accumulate) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < cols; ++j) {
      // Unsigned addition: the wrap-around sum without signed-overflow UB.
      const uint32_t old = accumulate ? static_cast<uint32_t>(c[r * ldc + j]) : 0u;
      c[r * ldc + j] = static_cast<int32_t>(old + static_cast<uint32_t>(tile[r * nr + j]));
    }
}

#if HWY_TARGET == HWY_SCALAR

template <int NVU>
void PairsTile(int64_t kgroups, const int16_t* HWY_RESTRICT a, const int16_t* HWY_RESTRICT b,
               const int32_t* /*init*/, int32_t* HWY_RESTRICT c, int64_t ldc, int64_t rows, int64_t cols,
               bool accumulate, L2Ahead /*ahead*/) {  // no prefetch on the portable scalar target
  constexpr int NR = kNV;  // one "lane" per column
  uint32_t acc[kMR][NVU] = {};
  for (int64_t q = 0; q < kgroups; ++q) {
    for (int r = 0; r < kMR; ++r)
      for (int j = 0; j < NVU; ++j)
        acc[r][j] += static_cast<uint32_t>(a[2 * r] * b[2 * j] + a[2 * r + 1] * b[2 * j + 1]);
    a += 2 * kMR;
    b += 2 * NR;
  }
  int32_t tile[kMR * NVU];
  for (int r = 0; r < kMR; ++r)
    for (int j = 0; j < NVU; ++j) tile[r * NVU + j] = static_cast<int32_t>(acc[r][j]);
  StoreTile(tile, NVU, c, ldc, rows, cols, accumulate);
}

MicrokernelI16 GetI8Microkernel() {
  MicrokernelI16 k;
  k.mr = kMR;
  k.nr = kNV;
  k.lanes = 1;
  k.kgroup = 2;
  k.fn[0] = &PairsTile<1>;
  k.fn[1] = &PairsTile<2>;
  k.fn[2] = &PairsTile<3>;
  k.fn[3] = &PairsTile<4>;
  k.isa = hwy::TargetName(HWY_TARGET);
  return k;
}

#else

// a: kgroups × MR pairs (int16), b: kgroups × NR pairs (int16, aligned), c: MR × NR tile.
// Computes the first NVU vectors of columns (NVU < kNV only at the right edge of C).
template <int NVU>
void PairsTile(int64_t kgroups, const int16_t* HWY_RESTRICT a, const int16_t* HWY_RESTRICT b,
               const int32_t* /*init*/, int32_t* HWY_RESTRICT c, int64_t ldc, int64_t rows, int64_t cols,
               bool accumulate, L2Ahead ahead) {
  const hn::ScalableTag<int32_t> d32;
  const hn::Repartition<int16_t, decltype(d32)> d16;  // twice the lanes: one pair per int32 lane
  using V = hn::Vec<decltype(d32)>;
  constexpr int64_t L = static_cast<int64_t>(hn::MaxLanes(d32));
  constexpr int64_t NR = kNV * L, NU = NVU * L;

  for (int64_t r = 0; r < rows; ++r) {
    hwy::Prefetch(c + r * ldc);
    hwy::Prefetch(c + r * ldc + cols - 1);
  }
  // sum1 is the second accumulator Highway's contract allows; on x86 vpmaddwd leaves it
  // untouched and the compiler drops it.
  V sum0[kMR][NVU], sum1[kMR][NVU];
#pragma GCC unroll 64
  for (int r = 0; r < kMR; ++r)
#pragma GCC unroll 8
    for (int v = 0; v < NVU; ++v) sum0[r][v] = sum1[r][v] = hn::Zero(d32);

  for (int64_t q = 0; q < kgroups; ++q) {
    HK_L2_AHEAD_STEP(ahead);
    hn::Vec<decltype(d16)> bv[NVU];
#pragma GCC unroll 8
    for (int v = 0; v < NVU; ++v) bv[v] = hn::Load(d16, b + v * 2 * L);
#pragma GCC unroll 64
    for (int r = 0; r < kMR; ++r) {
      int32_t pair;  // a[r][k], a[r][k+1] as one 32-bit lane, broadcast to every lane
      std::memcpy(&pair, a + 2 * r, sizeof(pair));
      const auto ar = hn::BitCast(d16, hn::Set(d32, pair));
#pragma GCC unroll 8
      for (int v = 0; v < NVU; ++v)
        sum0[r][v] = hn::ReorderWidenMulAccumulate(d32, ar, bv[v], sum0[r][v], sum1[r][v]);
    }
    a += 2 * kMR;
    b += 2 * NR;
  }

  // The sums leave through a stack tile on every path. Stored to C straight from the
  // registers, GCC kept a copy of half of them on the stack too, stored at every k step.
  HWY_ALIGN int32_t tile[kMR * NU];
#pragma GCC unroll 64
  for (int r = 0; r < kMR; ++r)
#pragma GCC unroll 8
    for (int v = 0; v < NVU; ++v)
      hn::Store(hn::RearrangeToOddPlusEven(sum0[r][v], sum1[r][v]), d32, tile + r * NU + v * L);
  if (rows == kMR && cols == NU) {  // a full tile: whole vectors to C (vector adds wrap mod 2³²)
    for (int r = 0; r < kMR; ++r)
#pragma GCC unroll 8
      for (int v = 0; v < NVU; ++v) {
        int32_t* dst = c + r * ldc + v * L;
        const V sum = hn::Load(d32, tile + r * NU + v * L);
        hn::StoreU(accumulate ? hn::Add(hn::LoadU(d32, dst), sum) : sum, d32, dst);
      }
    return;
  }
  StoreTile(tile, NU, c, ldc, rows, cols, accumulate);
}

MicrokernelI16 GetI8Microkernel() {
  const hn::ScalableTag<int32_t> d32;
  MicrokernelI16 k;
  k.mr = kMR;
  k.lanes = static_cast<int>(hn::Lanes(d32));
  k.nr = kNV * k.lanes;
  k.kgroup = 2;
  k.fn[0] = &PairsTile<1>;
  k.fn[1] = &PairsTile<2>;
  k.isa = hwy::TargetName(HWY_TARGET);
  return k;
}

#endif

}  // namespace hk::cpu::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace hk::cpu {
HWY_EXPORT(GetI8Microkernel);

MicrokernelI16 gemm_i8_microkernel() { return HWY_DYNAMIC_DISPATCH(GetI8Microkernel)(); }
}  // namespace hk::cpu
#endif
