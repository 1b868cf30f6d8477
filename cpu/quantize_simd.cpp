// Quantize (f32 → i8) and dequantize (i8 or i32 → f32), simd, with Google Highway.
//
// Same ladder step as elementwise_simd.cpp: one source for every x86 target, the best
// chosen at run time. What is special here is the change of element width: a vector of
// 16 floats becomes 16 int8 (a quarter-width vector), so the loop is driven by the f32 tag
// and the narrow side is loaded or stored through Rebind<int8_t, ...>, which has the same
// lane count. That keeps one loop shape for all three kernels.
//
// Bit-exact with quantize_naive.cpp on every target:
// - x / scale is the IEEE division's result (not a multiply by 1/scale, which rounds
//   differently): with FMA, the correctly rounded quotient from RN(1/scale) and two residual
//   steps (QuantizeF32); without, a division. AVX-512 runs the same steps with a few
//   instructions Highway does not offer (QuantizeAvx512), and AVX2 narrows 32 results at a
//   time (QuantizeAvx2Blocks).
// - NaN → 0 before the clamp; the clamp to [−127, 127] happens in float, so the conversion
//   never sees an out-of-range value and needs no saturation.
// - NearestInt converts with the current rounding mode, set to round-to-nearest (half to
//   even) for the call whatever the caller's mode, exactly like std::nearbyint in the naive
//   kernel (Highway's SCALAR target implements the same rule). The division too.
// - dequantize: int → float conversion rounds to nearest even (int32 beyond 2²⁴ is not
//   exact in float, and both paths round it the same way), then one IEEE multiply.
// Limit: quantize's i8 output is a quarter of the bytes it reads, so on AVX2 (8-byte i8
// vectors) it cannot use streaming stores; it is still far from the memory bound's cost.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "cpu/quantize_simd.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep

#include "hwy/highway.h"
#include "cpu/simd_transform-inl.h"

#include <cmath>
#include <cstring>

HWY_BEFORE_NAMESPACE();
namespace hk::cpu::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// NaN → 0, the clamp in float, rounding half to even, then to int8.
template <class D, class M, class V>
HWY_INLINE auto QuantizeFinish(D d, M nan, V v) {
  v = hn::IfThenZeroElse(nan, v);
  v = hn::Min(hn::Max(v, hn::Set(d, -127.0f)), hn::Set(d, 127.0f));
  return hn::DemoteTo(hn::Rebind<int8_t, D>(), hn::NearestInt(v));
}

#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
// AVX-512: QuantizeF32's steps below in fewer vector instructions, which is what they cost
// (only ports 0 and 5 run 512-bit ones): vrangeps clamps |x| keeping x's sign in one, the
// conversion's mask zeroes a NaN lane, and vpmovdb narrows in one (truncating, exact on
// [−127, 127]). vrangeps gives the other operand for a NaN, hence the mask from x itself.
HWY_INLINE hn::Vec128<int8_t> QuantizeAvx512(const float* x, __m512 s, __m512 r, __m512 lim) {
  const __m512 v = _mm512_loadu_ps(x);
  const __mmask16 number = _mm512_cmp_ps_mask(v, v, _CMP_ORD_Q);
  const __m512 xc = _mm512_range_ps(v, lim, 0x02);  // absolute minimum, sign of v
  __m512 t = _mm512_mul_ps(xc, r);
  t = _mm512_fmadd_ps(_mm512_fnmadd_ps(t, s, xc), r, t);
  t = _mm512_fmadd_ps(_mm512_fnmadd_ps(t, s, xc), r, t);
  t = _mm512_range_ps(t, _mm512_set1_ps(127.0f), 0x02);
  return hn::Vec128<int8_t>{_mm512_cvtepi32_epi8(_mm512_maskz_cvtps_epi32(number, t))};
}
#endif

#if HWY_ARCH_X86 && HWY_TARGET == HWY_AVX2
// AVX2: QuantizeF32's steps on 32 floats at a time, narrowed together. Highway narrows each
// vector of 8 int32 to 8 bytes on its own (two packs and a lane permute per 8-byte store);
// here two vpackssdw, one vpacksswb and one vpermd give all 32 bytes for one store. The
// packs saturate at +127, so only the lower end is clamped (to −127, not −128), after a NaN
// lane is zeroed (the clamp of x made it −lim, whose quotient would give −127). Returns how
// many floats it did.
HWY_INLINE size_t QuantizeAvx2Blocks(const float* x, float scale, float r, float lim, int8_t* q, size_t n) {
  const __m256 s = _mm256_set1_ps(scale), rv = _mm256_set1_ps(r), hi = _mm256_set1_ps(lim), lo = _mm256_set1_ps(-lim);
  const __m256 floor = _mm256_set1_ps(-127.0f);
  const auto one = [&](const float* p) HWY_ATTR {
    const __m256 v = _mm256_loadu_ps(p);
    const __m256 xc = _mm256_min_ps(_mm256_max_ps(v, lo), hi);
    __m256 t = _mm256_mul_ps(xc, rv);
    t = _mm256_fmadd_ps(_mm256_fnmadd_ps(t, s, xc), rv, t);
    t = _mm256_fmadd_ps(_mm256_fnmadd_ps(t, s, xc), rv, t);
    t = _mm256_andnot_ps(_mm256_cmp_ps(v, v, _CMP_UNORD_Q), t);
    return _mm256_cvtps_epi32(_mm256_max_ps(t, floor));
  };
  // vpackssdw and vpacksswb work within 128-bit lanes: the bytes come out as 4-byte groups
  // of a0–3 b0–3 c0–3 d0–3 | a4–7 b4–7 c4–7 d4–7, which vpermd puts back in order.
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m256i ab = _mm256_packs_epi32(one(x + i), one(x + i + 8));
    const __m256i cd = _mm256_packs_epi32(one(x + i + 16), one(x + i + 24));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(q + i), _mm256_permutevar8x32_epi32(_mm256_packs_epi16(ab, cd), order));
  }
  return i;
}
#endif

void QuantizeF32(const float* HWY_RESTRICT x, float scale, int8_t* HWY_RESTRICT q, size_t n, bool stream) {
  const hn::ScalableTag<float> d;
#if HWY_NATIVE_FMA
  // x / scale without a division (a vector divide is several times slower than the FMAs that
  // replace it): t = x · RN(1/scale), then twice t += (x − t·scale) · RN(1/scale). The first
  // step brings t within one ulp of x / scale; from there the second gives the correctly
  // rounded quotient (Markstein's theorem), so the bits equal the division's. That needs exact
  // residuals, so no underflow and no overflow: scale within 2^±64 (else the division below),
  // and x clamped to ±256·scale first, beyond which the result is ±127 either way.
  if (scale >= 0x1p-64f && scale <= 0x1p64f) {
    const float r = 1.0f / scale, lim = 256.0f * scale;
#if HWY_ARCH_X86 && HWY_TARGET == HWY_AVX2
    const size_t done = QuantizeAvx2Blocks(x, scale, r, lim, q, n);  // the rest below, as on other targets
    x += done;
    q += done;
    n -= done;
#endif
    Transform(d, q, n, stream, [x, scale, r, lim](auto dd, size_t i) HWY_ATTR {
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
      if constexpr (std::is_same_v<decltype(dd), hn::ScalableTag<float>>)  // whole vectors
        return QuantizeAvx512(x + i, _mm512_set1_ps(scale), _mm512_set1_ps(r), _mm512_set1_ps(lim));
#endif
      const auto v = hn::LoadU(dd, x + i), s = hn::Set(dd, scale), rv = hn::Set(dd, r);
      const auto xc = hn::Min(hn::Max(v, hn::Set(dd, -lim)), hn::Set(dd, lim));
      auto t = hn::Mul(xc, rv);
      t = hn::MulAdd(hn::NegMulAdd(t, s, xc), rv, t);
      t = hn::MulAdd(hn::NegMulAdd(t, s, xc), rv, t);
      return QuantizeFinish(dd, hn::IsNaN(v), t);
    });
    return;
  }
#endif
  Transform(d, q, n, stream, [x, scale](auto dd, size_t i) HWY_ATTR {
    const auto v = hn::LoadU(dd, x + i);
    return QuantizeFinish(dd, hn::IsNaN(v), hn::Div(v, hn::Set(dd, scale)));
  });
}

// max|x| and whether any x is NaN or ±inf, for symmetric_scale (which linear runs on the
// input of every int8 layer). On the bits: |x| is x with the sign bit cleared, and
// non-negative floats order as their bit patterns as integers, NaN and ±inf above every
// finite one. So one integer max per vector (a cycle's latency, where a float max takes
// four) gives both answers: the largest |x| bits, non-finite when they reach +inf's.
float MaxAbsF32(const float* HWY_RESTRICT x, size_t n, bool* non_finite) {
  const hn::ScalableTag<float> d;
  const hn::RebindToSigned<decltype(d)> di;
  const size_t L = hn::Lanes(d);
  const auto magnitude = hn::Set(di, 0x7fffffff);
  auto m0 = hn::Zero(di), m1 = hn::Zero(di);
  size_t i = 0;
  for (; i + 2 * L <= n; i += 2 * L) {
    m0 = hn::Max(m0, hn::And(hn::BitCast(di, hn::LoadU(d, x + i)), magnitude));
    m1 = hn::Max(m1, hn::And(hn::BitCast(di, hn::LoadU(d, x + i + L)), magnitude));
  }
  uint32_t bits = static_cast<uint32_t>(hn::GetLane(hn::MaxOfLanes(di, hn::Max(m0, m1))));
  for (; i < n; ++i) {  // the tail
    uint32_t b = 0;
    std::memcpy(&b, x + i, sizeof b);
    b &= 0x7fffffffu;
    bits = b > bits ? b : bits;
  }
  *non_finite = bits >= 0x7f800000u;
  float m = 0;
  std::memcpy(&m, &bits, sizeof m);
  return m;
}

void DequantizeI8(const int8_t* HWY_RESTRICT q, float scale, float* HWY_RESTRICT x, size_t n, bool stream) {
  Transform(hn::ScalableTag<float>(), x, n, stream, [q, scale](auto d, size_t i) HWY_ATTR {
    const hn::Rebind<int32_t, decltype(d)> di32;
    const hn::Rebind<int8_t, decltype(d)> di8;
    const auto qi = hn::PromoteTo(di32, hn::LoadU(di8, q + i));
    return hn::Mul(hn::ConvertTo(d, qi), hn::Set(d, scale));
  });
}

void DequantizeI32(const int32_t* HWY_RESTRICT q, float scale, float* HWY_RESTRICT x, size_t n, bool stream) {
  Transform(hn::ScalableTag<float>(), x, n, stream, [q, scale](auto d, size_t i) HWY_ATTR {
    const hn::Rebind<int32_t, decltype(d)> di32;
    return hn::Mul(hn::ConvertTo(d, hn::LoadU(di32, q + i)), hn::Set(d, scale));
  });
}

}  // namespace hk::cpu::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "common/src/round_to_nearest.hpp"
#include "hk/registry.hpp"
#include "cpu/simd_kernels.hpp"

namespace hk::cpu {

HWY_EXPORT(QuantizeF32);
HWY_EXPORT(MaxAbsF32);
HWY_EXPORT(DequantizeI8);
HWY_EXPORT(DequantizeI32);

namespace simd {
void quantize_f32(const float* x, float scale, int8_t* q, size_t n, bool stream) {
  hk::detail::RoundToNearest nearest;  // on every thread of the parallel variant too
  HWY_DYNAMIC_DISPATCH(QuantizeF32)(x, scale, q, n, stream);
}
float max_abs_f32(const float* x, size_t n, bool& non_finite) {
  return HWY_DYNAMIC_DISPATCH(MaxAbsF32)(x, n, &non_finite);
}
void dequantize_i8(const int8_t* q, float scale, float* x, size_t n, bool stream) {
  HWY_DYNAMIC_DISPATCH(DequantizeI8)(q, scale, x, n, stream);
}
void dequantize_i32(const int32_t* q, float scale, float* x, size_t n, bool stream) {
  HWY_DYNAMIC_DISPATCH(DequantizeI32)(q, scale, x, n, stream);
}
}  // namespace simd

}  // namespace hk::cpu
#endif  // HWY_ONCE
