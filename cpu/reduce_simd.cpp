// dot and euclidean_distance, simd, with Google Highway.
//
// The technique: several vector accumulators, each lane summing its own slice of the
// products, added together once at the end. One accumulator would chain every add behind
// the previous one (4 cycles of latency each); four independent chains keep the FMA units
// and the loads busy, so the loop runs at memory speed rather than at add latency.
//
// Why double accumulators, when float would process twice the elements per instruction:
// - Accuracy: the product of two floats is exact in double, and a double sum's rounding
//   error (~n·2⁻⁵³·Σ|x·y|) sits ~2²⁹ below what a float sum loses (~n·2⁻²⁴·Σ|x·y|, which
//   is the whole error budget of hk's dot). So results agree with `naive` to ~1e-16
//   relative and no input size erodes that.
// - Cost: a reduction reads 8 bytes per element pair and does 2 flops on them, so from
//   DRAM it is memory-bound; converting to double and one FMA per pair costs ~2
//   instructions per 8 pairs on AVX-512, well under the core's throughput. So double is
//   free where it matters (large n: dot keeps up with a streaming read of the same bytes,
//   the `stream_read` peer in docs/measurements.md); only cache-resident inputs would run
//   faster in float, and those are short calls either way.
// The accumulation order differs by target (lane count), so results differ between
// targets in the last bits, always within the bound.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "cpu/reduce_simd.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep

#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace hk::cpu::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Σ term(x[i], y[i]) over double lanes; term(dd, xd, yd, acc) returns acc + f(x, y).
template <class Term>
HWY_INLINE double Accumulate(const float* HWY_RESTRICT x, const float* HWY_RESTRICT y, size_t n,
                             const Term& term) {
  const hn::ScalableTag<double> dd;
  const hn::Rebind<float, decltype(dd)> df;  // half a float vector: as many lanes as dd
  const size_t N = hn::Lanes(dd);
  auto load = [&](const float* p) HWY_ATTR { return hn::PromoteTo(dd, hn::LoadU(df, p)); };
  auto a0 = hn::Zero(dd), a1 = hn::Zero(dd), a2 = hn::Zero(dd), a3 = hn::Zero(dd);
  size_t i = 0;
  for (; i + 4 * N <= n; i += 4 * N) {
    a0 = term(load(x + i), load(y + i), a0);
    a1 = term(load(x + i + N), load(y + i + N), a1);
    a2 = term(load(x + i + 2 * N), load(y + i + 2 * N), a2);
    a3 = term(load(x + i + 3 * N), load(y + i + 3 * N), a3);
  }
  for (; i + N <= n; i += N) a0 = term(load(x + i), load(y + i), a0);
  // One lane at a time for the rest: the same arithmetic, never a load past n.
  const hn::CappedTag<double, 1> dd1;
  const hn::Rebind<float, decltype(dd1)> df1;
  auto r = hn::Zero(dd1);
  for (; i < n; ++i) r = term(hn::PromoteTo(dd1, hn::LoadU(df1, x + i)), hn::PromoteTo(dd1, hn::LoadU(df1, y + i)), r);
  const double body = hn::GetLane(hn::SumOfLanes(dd, hn::Add(hn::Add(a0, a1), hn::Add(a2, a3))));
  return body + hn::GetLane(r);
}

double DotF32(const float* HWY_RESTRICT x, const float* HWY_RESTRICT y, size_t n) {
  // x·y is exact in double, so the fused multiply-add rounds only the sum.
  return Accumulate(x, y, n, [](auto xd, auto yd, auto acc) HWY_ATTR { return hn::MulAdd(xd, yd, acc); });
}

double SumSquaredDifferenceF32(const float* HWY_RESTRICT x, const float* HWY_RESTRICT y, size_t n) {
  return Accumulate(x, y, n, [](auto xd, auto yd, auto acc) HWY_ATTR {
    const auto diff = hn::Sub(xd, yd);
    return hn::MulAdd(diff, diff, acc);
  });
}

}  // namespace hk::cpu::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include <cmath>

#include "hk/registry.hpp"
#include "cpu/simd_kernels.hpp"

namespace hk::cpu {

HWY_EXPORT(DotF32);
HWY_EXPORT(SumSquaredDifferenceF32);

namespace simd {
double dot_f32(const float* x, const float* y, size_t n) { return HWY_DYNAMIC_DISPATCH(DotF32)(x, y, n); }
double sum_squared_difference_f32(const float* x, const float* y, size_t n) {
  return HWY_DYNAMIC_DISPATCH(SumSquaredDifferenceF32)(x, y, n);
}
}  // namespace simd

double dot_f32_simd(const float* x, const float* y, int64_t n, const KernelContext&) {
  return simd::dot_f32(x, y, size_t(n));
}
double euclidean_distance_f32_simd(const float* x, const float* y, int64_t n, const KernelContext&) {
  return std::sqrt(simd::sum_squared_difference_f32(x, y, size_t(n)));
}

}  // namespace hk::cpu
#endif  // HWY_ONCE
