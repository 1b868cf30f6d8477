// The fuzzer's oracles: what a correct result is, in fp64 / int64, with the error bounds
// of docs/design.md "Semantics". Written for the fuzzer (plus tests/oracle.hpp), sharing no code
// with hk. Each returns "" when `got` is right, else a description of the first wrong value.
//
// Float results are judged with IEEE rules that hold for every summation order: a NaN
// reference demands NaN; an infinite one demands that infinity unless finite terms could
// overflow float on the way (then NaN is also possible); a finite one must be within the
// rounding bound (plus the absolute error of underflow), unless float overflow was possible
// and the result is not finite.
#pragma once

#include <cfloat>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "tests/oracle.hpp"

namespace hk_fuzz {

constexpr double kU = 0x1.0p-24;           // unit roundoff of float
constexpr double kTiny = 0x1.0p-149;       // float's smallest denormal: underflow error per op
constexpr double kOverflow = FLT_MAX / 2;  // sums of terms below this can't overflow float

inline bool same_float(float a, float b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::memcmp(&a, &b, sizeof a) == 0;
}

inline std::string at(size_t i, double got, double want) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "element %zu: got %.9g, expected %.17g", i, got, want);
  return buf;
}

template <class T, class F> std::string exact(const std::vector<T>& got, size_t n, F want) {
  if (got.size() != n) return "result has " + std::to_string(got.size()) + " elements, expected " + std::to_string(n);
  for (size_t i = 0; i < n; ++i) {
    auto w = want(i);
    bool ok;
    if constexpr (std::is_same_v<T, float>)
      ok = same_float(got[i], w);
    else
      ok = static_cast<int64_t>(got[i]) == static_cast<int64_t>(w);
    if (!ok) return at(i, double(got[i]), double(w));
  }
  return "";
}

// A sum of `terms` products or squares: the reference, Σ|term| over finite terms, and the
// error bound for a float computation of it.
struct Sum {
  long double ref = 0;
  double finite_mag = 0;
  int64_t terms = 0;
};

// Judges one float-computed sum (got may be float or double).
inline bool sum_ok(double got, const Sum& s, double rel_terms) {
  const double ref = static_cast<double>(s.ref);
  if (std::isnan(ref)) return std::isnan(got);
  if (std::isinf(ref)) return got == ref || (s.finite_mag >= kOverflow && std::isnan(got));
  if (!std::isfinite(got)) return s.finite_mag >= kOverflow;
  const double bound = rel_terms * kU * s.finite_mag + double(s.terms) * kTiny;
  return std::fabs(got - ref) <= bound;
}

// Σ x[x0 + p·xs] · y[y0 + p·ys] for p < n.
inline Sum dot_sum(const std::vector<float>& x, size_t x0, size_t xs, const std::vector<float>& y, size_t y0,
                   size_t ys, int64_t n) {
  Sum s;
  s.terms = n;
  for (size_t p = 0; p < size_t(n); ++p) {
    const double a = x[x0 + p * xs], b = y[y0 + p * ys];
    s.ref += static_cast<long double>(a) * b;
    if (std::isfinite(a) && std::isfinite(b)) s.finite_mag += std::fabs(a * b);
  }
  return s;
}

// a: (m, k), b: (k, n) → within 2·K·u·(|A||B|)ij of fp64.
inline std::string matmul_f32(const std::vector<float>& got, const std::vector<float>& a, const std::vector<float>& b,
                              int64_t m, int64_t k, int64_t n) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      Sum s = dot_sum(a, size_t(i * k), 1, b, size_t(j), size_t(n), k);
      float g = got[size_t(i * n + j)];
      if (!sum_ok(g, s, 2.0 * double(k))) return at(size_t(i * n + j), g, double(s.ref)) + " (matmul f32)";
    }
  return "";
}

inline std::string dot(double got, const std::vector<float>& x, const std::vector<float>& y) {
  Sum s = dot_sum(x, 0, 1, y, 0, 1, int64_t(x.size()));
  return sum_ok(got, s, 2.0 * double(x.size() + 2)) ? "" : at(0, got, double(s.ref)) + " (dot)";
}

// sqrt(Σ (x − y)²): NaN from NaN or inf − inf, +inf from any other infinity.
inline std::string euclidean_distance(double got, const std::vector<float>& x, const std::vector<float>& y) {
  long double s = 0;
  double finite_s = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const long double d = static_cast<long double>(x[i]) - y[i];
    s += d * d;
    if (std::isfinite(x[i]) && std::isfinite(y[i])) finite_s += double(d * d);
  }
  const double ref = std::sqrt(static_cast<double>(s));
  bool ok;
  if (std::isnan(ref))
    ok = std::isnan(got);
  else if (std::isinf(ref))
    ok = got == ref;
  else if (!std::isfinite(got))
    ok = got == INFINITY && finite_s >= kOverflow;  // (x − y)² overflowed float
  else
    ok = std::fabs(got - ref) <= double(x.size() + 4) * kU * ref + std::sqrt(double(x.size()) * kTiny);
  return ok ? "" : at(0, got, ref) + " (euclidean_distance)";
}

inline std::vector<int8_t> quantized(const std::vector<float>& x, float scale) {
  std::vector<int8_t> q(x.size());
  for (size_t i = 0; i < x.size(); ++i) q[i] = oracle::quantize(x[i], scale);
  return q;
}

// max|x| / 127 in float; 1 for all-zero; the smallest denormal when the quotient underflows.
inline float symmetric_scale(const std::vector<float>& x) {
  float m = 0;
  for (float v : x) m = std::fabs(v) > m ? std::fabs(v) : m;
  if (m == 0) return 1.0f;
  float s = oracle::div(m, 127.0f);
  return s > 0 ? s : std::numeric_limits<float>::denorm_min();
}

}  // namespace hk_fuzz
