// How close a result of hk must be to the reference: the one statement of the tolerances
// that the tests, the fuzzer and hk-bench judge with (docs/design.md "Semantics" gives
// users the same rules). u = 2⁻²⁴, float's unit roundoff.
//
// Exact, bit for bit (NaN for NaN, the sign of zero included): relu, add, mul,
// squared_difference (the float nearest the exact value, which fp64 gives: a double holds
// ≥ 2·24 + 2 bits), quantize (x / scale as a float, clamped to ±127, rounded half to even,
// NaN → 0), dequantize (float(q) · scale), symmetric_scale, and int8 matmul (the int64 sum).
//
// Float sums, for any summation order, in float or double:
//   matmul f32, element (i, j):  |got − ref| ≤ 2·K·u·(|A||B|)ij
//   dot:                         |got − ref| ≤ 2·(n + 2)·u·Σ|xᵢ·yᵢ|
//   Σ (xᵢ − yᵢ)²:                |got − ref| ≤ (n + 4)·u·ref  (its terms are ≥ 0, so relative)
//   euclidean_distance, its root: the same relative bound (the root halves the relative
//                                 error of the sum, which leaves a factor 2 of slack)
// plus, for each term that float underflow can touch (0 < |term| < 2·FLT_MIN), kTiny, the
// most a float product can lose to gradual underflow (the distance: √ of that slack).
// Normal-range data has no such term, so its bound is the plain one above.
//
// Non-finite results follow IEEE whatever the order: a NaN reference demands NaN; an
// infinite one demands that infinity, unless the finite terms could overflow float on the
// way (Σ|finite terms| ≥ FLT_MAX/2: then NaN is right too); a finite reference with a
// non-finite result is right only when that overflow was possible.
#pragma once

#include <cfloat>
#include <cmath>
#include <cstdint>

namespace hk_ref {

constexpr double kU = 0x1.0p-24;           // unit roundoff of float
constexpr double kTiny = 0x1.0p-149;       // float's smallest denormal
constexpr double kOverflow = FLT_MAX / 2;  // sums of finite terms below this can't overflow float

// Whether float underflow can touch a product or square of this (exact) value.
inline bool may_underflow(double term) {
  const double t = std::fabs(term);
  return t != 0 && t < 2.0 * double(FLT_MIN);
}

// A float-computed sum of products or squares, as the reference sees it.
struct Sum {
  long double ref = 0;     // the reference value, NaN and infinities included
  double finite_mag = 0;   // Σ|term| over the finite terms: the scale of the rounding error
  int64_t underflows = 0;  // terms that float underflow can touch

  void add(double term) {
    ref += term;
    if (std::isfinite(term)) finite_mag += std::fabs(term);
    underflows += may_underflow(term);
  }
};

// got (float or double) against a sum whose rounding bound is rel·u·Σ|terms|.
inline bool sum_ok(double got, const Sum& s, double rel) {
  const double ref = static_cast<double>(s.ref);
  const bool may_overflow = s.finite_mag >= kOverflow;
  if (std::isnan(ref)) return std::isnan(got);
  if (std::isinf(ref)) return got == ref || (may_overflow && std::isnan(got));
  if (!std::isfinite(got)) return may_overflow;
  return std::fabs(got - ref) <= rel * kU * s.finite_mag + double(s.underflows) * kTiny;
}

// One element of an f32 matmul with inner dimension k.
inline bool matmul_ok(double got, const Sum& s, int64_t k) { return sum_ok(got, s, 2.0 * double(k)); }

// A sum of n terms in any order: dot's products, or plain floats (hk-bench's stream peer).
inline bool float_sum_ok(double got, const Sum& s, int64_t n) { return sum_ok(got, s, 2.0 * double(n + 2)); }

// A sum of n squares (ref ≥ 0) or its root: +inf from any infinity but NaN, and an
// infinite result from finite inputs only when a square could overflow float.
inline bool relative_ok(double got, double ref, double finite_mag, int64_t n, double tiny) {
  if (std::isnan(ref)) return std::isnan(got);
  if (std::isinf(ref)) return got == ref;
  if (!std::isfinite(got)) return got == INFINITY && finite_mag >= kOverflow;
  return std::fabs(got - ref) <= double(n + 4) * kU * ref + tiny;
}

inline bool sum_of_squares_ok(double got, const Sum& squares, int64_t n) {
  return relative_ok(got, static_cast<double>(squares.ref), squares.finite_mag, n, double(squares.underflows) * kTiny);
}

// sqrt of a sum of n squares: NaN from NaN or inf − inf, +inf from any other infinity.
inline bool distance_ok(double got, const Sum& squares, int64_t n) {
  return relative_ok(got, std::sqrt(static_cast<double>(squares.ref)), squares.finite_mag, n,
                     std::sqrt(double(squares.underflows) * kTiny));
}

}  // namespace hk_ref
