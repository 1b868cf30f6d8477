// f32 small GEMM with B transposed, unpacked: c = a · bᵀ, a (m × k) and b (n × k) both
// row-major, so every output is the dot product of a row of a with a row of b. This is a
// linear layer with (out, in) weights, PyTorch's nn.Linear layout, and matmul_nt.
//
// Why not the packed GEMM: packing transposes b into column panels, a full pass over the
// weights that a few rows of x cannot amortize (at batch 4 it costs more than the product).
// Here both operands are read in their own layout, along k: a tile of MR rows of a and NR
// rows of b loads MR + NR vectors per k step and does MR·NR multiply-adds into MR × NR
// vector accumulators, each the lanes of one output's dot product. The k values past the
// last whole vector come through a lane mask (AVX2, AVX-512) or one by one, so no load reads
// past a row. At the end each row's four accumulators are summed across their lanes
// together (SumFour).
//
// With an epilogue (a linear layer) the bias and relu are applied to each finished sum, in
// hk/ops.hpp's order (sum + bias[j], then relu's `0 > v ? 0 : v`), and out is written once.
//
// Limits: the lane sums cost about as much as a few k steps per tile, a visible share when
// K is short; gemm_shape.cpp sends only small products here, the rest to the packed GEMM.

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "cpu/gemm_f32_nt.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <algorithm>
#include <array>
#include <utility>

#include "cpu/gemm_epilogue.hpp"
#include "cpu/gemm_shape.hpp"

#include "cpu/gemm_f32_tile-inl.h"

HWY_BEFORE_NAMESPACE();
namespace hk::cpu::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Rows of a and rows of b per tile: MR · 4 accumulators, MR + 4 loads per 4 · MR
// multiply-adds. Four rows of a where there are 32 vector registers; three on x86 before
// AVX-512, whose 16 hold 12 accumulators and 4 vectors of a and b (at four rows the compiler
// spills two accumulators to the stack, a store and a load in their dependency chain every k
// step).
constexpr int kNtMR = HWY_ARCH_X86 && HWY_TARGET > HWY_AVX3 ? 3 : 4;
constexpr int kNtNR = 4;

#if HWY_TARGET != HWY_SCALAR  // vectors of 128-bit blocks (SCALAR reduces each sum alone)
// v's 128-bit blocks added together: one 128-bit vector.
template <class D>
hn::Vec<hn::Full128<float>> SumBlocks(D d, hn::Vec<D> v) {
  if constexpr (hn::MaxLanes(d) > 4) {
    const hn::Half<D> dh;
    return SumBlocks(dh, hn::Add(hn::LowerHalf(dh, v), hn::UpperHalf(dh, v)));
  } else {
    return v;
  }
}

// The lane sums of v0 … v3 as the four lanes of one 128-bit vector, in 13 instructions
// instead of four full reductions: pairs interleaved and added inside each 128-bit block
// (lanes v0, v1, v0, v1), the two pairs interleaved by 64 bits and added (v0 … v3, each a
// block's partial sum), then the blocks added.
template <class D>
hn::Vec<hn::Full128<float>> SumFour(D d, hn::Vec<D> v0, hn::Vec<D> v1, hn::Vec<D> v2, hn::Vec<D> v3) {
  const hn::Repartition<double, D> d64;  // 64-bit lanes: two floats moved as one
  const auto x = hn::Add(hn::InterleaveLower(d, v0, v1), hn::InterleaveUpper(d, v0, v1));
  const auto y = hn::Add(hn::InterleaveLower(d, v2, v3), hn::InterleaveUpper(d, v2, v3));
  const auto x64 = hn::BitCast(d64, x), y64 = hn::BitCast(d64, y);
  const auto z = hn::Add(hn::BitCast(d, hn::InterleaveLower(d64, x64, y64)),
                         hn::BitCast(d, hn::InterleaveUpper(d64, x64, y64)));
  return SumBlocks(d, z);
}
#endif

// One finished sum through ep (column j of the tile), in hk/ops.hpp's order.
inline float Finish(float s, const Epilogue* ep, int j) {
  if (ep && ep->bias) s = s + ep->bias[j];
  if (ep && ep->relu) s = 0.0f > s ? 0.0f : s;
  return s;
}

// c (R × C outputs, row stride ldc) = a (R rows, lda) · b (C rows, ldb)ᵀ over k; ep, when
// given, starts at this tile's first column.
template <int R, int C>
void NtTile(int64_t k, const float* HWY_RESTRICT a, int64_t lda, const float* HWY_RESTRICT b, int64_t ldb,
            float* HWY_RESTRICT c, int64_t ldc, const Epilogue* ep) {
  const hn::ScalableTag<float> d;
  using V = hn::Vec<decltype(d)>;
  const auto L = static_cast<int64_t>(hn::Lanes(d));
  const int64_t kv = k / L * L;
  V acc[R][C];
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int j = 0; j < C; ++j) acc[r][j] = hn::Zero(d);
  for (int64_t p = 0; p < kv; p += L) {
    V av[R], bv[C];
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) av[r] = hn::LoadU(d, a + r * lda + p);
#pragma GCC unroll 4
    for (int j = 0; j < C; ++j) bv[j] = hn::LoadU(d, b + j * ldb + p);
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
      for (int j = 0; j < C; ++j) acc[r][j] = hn::MulAdd(av[r], bv[j], acc[r][j]);
  }
  int64_t done = kv;  // k values summed so far
  if (kMaskedLoads && kv < k) {  // the last k values, fewer than a vector: through a lane mask (gemm_f32_tile-inl.h)
    const auto mask = hn::FirstN(d, static_cast<size_t>(k - kv));
    V av[R], bv[C];
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) av[r] = hn::MaskedLoad(mask, d, a + r * lda + kv);
#pragma GCC unroll 4
    for (int j = 0; j < C; ++j) bv[j] = hn::MaskedLoad(mask, d, b + j * ldb + kv);
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
      for (int j = 0; j < C; ++j) acc[r][j] = hn::MulAdd(av[r], bv[j], acc[r][j]);
    done = k;
  }
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r) {
#if HWY_TARGET != HWY_SCALAR
    if (done == k) {  // the row's sums four at a time, as the lanes of one 128-bit vector
      const hn::Full128<float> d4;
      const bool bias = ep && ep->bias, relu = ep && ep->relu;
#pragma GCC unroll 4
      for (int j0 = 0; j0 < C; j0 += 4) {
        const auto z = hn::Zero(d);  // the lanes past the row's last sum
        auto v = SumFour(d, acc[r][j0], j0 + 1 < C ? acc[r][j0 + 1] : z, j0 + 2 < C ? acc[r][j0 + 2] : z,
                         j0 + 3 < C ? acc[r][j0 + 3] : z);
        if (j0 + 4 <= C) {
          if (bias) v = hn::Add(v, hn::LoadU(d4, ep->bias + j0));
          if (relu) v = hn::IfThenElse(hn::Lt(v, hn::Zero(d4)), hn::Zero(d4), v);
          hn::StoreU(v, d4, c + r * ldc + j0);
          continue;
        }
        alignas(16) float sums[4];
        hn::Store(v, d4, sums);
        for (int j = j0; j < C; ++j) c[r * ldc + j] = Finish(sums[j - j0], ep, j);
      }
      continue;
    }
#endif
#pragma GCC unroll 4
    for (int j = 0; j < C; ++j) {
      float s = hn::GetLane(hn::SumOfLanes(d, acc[r][j]));
      for (int64_t p = done; p < k; ++p) s += a[r * lda + p] * b[j * ldb + p];  // the k tail
      c[r * ldc + j] = Finish(s, ep, j);
    }
  }
}

using NtTileFn = void (*)(int64_t, const float*, int64_t, const float*, int64_t, float*, int64_t, const Epilogue*);

// kNtTiles[r − 1][c − 1]: r rows of a, c rows of b (the edges of the product get their own).
template <int R, int... C>
constexpr std::array<NtTileFn, kNtNR> NtTileRow(std::integer_sequence<int, C...>) {
  return {&NtTile<R, C + 1>...};
}
template <int... R>
constexpr std::array<std::array<NtTileFn, kNtNR>, kNtMR> NtTileTable(std::integer_sequence<int, R...>) {
  return {NtTileRow<R + 1>(std::make_integer_sequence<int, kNtNR>{})...};
}
constexpr std::array<std::array<NtTileFn, kNtNR>, kNtMR> kNtTiles =
    NtTileTable(std::make_integer_sequence<int, kNtMR>{});

void SmallGemmF32Nt(const float* HWY_RESTRICT a, int64_t lda, const float* HWY_RESTRICT b, int64_t ldb,
                    float* HWY_RESTRICT c, int64_t ldc, int64_t m, int64_t k, int64_t n, const Epilogue* ep) {
  // A tile of b's rows stays in L1 while every tile of a's rows passes it; the columns are
  // cut into tiles of near-equal width (10 as 4, 3, 3, not 4, 4, 2).
  const int64_t col_tiles = (n + kNtNR - 1) / kNtNR;
  for (int64_t t = 0, j0 = 0; t < col_tiles; ++t) {
    const int64_t cols = near_equal_width(n, col_tiles, t);
    const Epilogue ep_j = ep ? epilogue_at(*ep, j0) : Epilogue{};
    for (int64_t i0 = 0; i0 < m; i0 += kNtMR) {
      const int64_t rows = std::min<int64_t>(kNtMR, m - i0);
      kNtTiles[rows - 1][cols - 1](k, a + i0 * lda, lda, b + j0 * ldb, ldb, c + i0 * ldc + j0, ldc,
                                   ep ? &ep_j : nullptr);
    }
    j0 += cols;
  }
}

}  // namespace hk::cpu::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace hk::cpu {
HWY_EXPORT(SmallGemmF32Nt);

void gemm_f32_small_nt(const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc, int64_t m,
                       int64_t k, int64_t n, const Epilogue* ep) {
  HWY_DYNAMIC_DISPATCH(SmallGemmF32Nt)(a, lda, b, ldb, c, ldc, m, k, n, ep);
}
}  // namespace hk::cpu
#endif
