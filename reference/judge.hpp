// The judges: each takes a result of hk and its inputs (spans and shapes) and returns ""
// when the result is right by tolerance.hpp, else a description of the first wrong value.
// a: (m, k) row-major, b: (k, n), c: (m, n).
#pragma once

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <random>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "tolerance.hpp"
#include "values.hpp"

namespace hk_ref::judge {

inline std::string fmt(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

inline std::string element(size_t i, double got, double want) {
  return "element " + std::to_string(i) + " = " + fmt(got) + ", fp64 reference " + fmt(want);
}

inline std::string entry(int64_t i, int64_t j, double got, double want) {
  return "c[" + std::to_string(i) + "][" + std::to_string(j) + "] = " + fmt(got) + ", fp64 " + fmt(want);
}

inline std::string count(size_t got, size_t want) {
  return "result has " + std::to_string(got) + " elements, expected " + std::to_string(want);
}

// got (any indexable range of n floats or integers) equal to want(i): bit for bit for floats.
template <class Range, class Want> std::string exact(const Range& got, size_t n, Want want) {
  if (std::size(got) != n) return count(std::size(got), n);
  for (size_t i = 0; i < n; ++i) {
    const auto w = want(i);
    bool ok;
    if constexpr (std::is_same_v<std::remove_cvref_t<decltype(got[i])>, float>)
      ok = same_float(got[i], w);
    else
      ok = static_cast<int64_t>(got[i]) == static_cast<int64_t>(w);
    if (!ok) return element(i, double(got[i]), double(w));
  }
  return "";
}

// ---- elementwise ---------------------------------------------------------------------------

inline std::string relu(std::span<const float> got, std::span<const float> x) {
  return exact(got, x.size(), [&](size_t i) { return hk_ref::relu(x[i]); });
}
inline std::string relu(std::span<const int8_t> got, std::span<const int8_t> x) {
  return exact(got, x.size(), [&](size_t i) { return relu_i8(x[i]); });
}
inline std::string add(std::span<const float> got, std::span<const float> x, std::span<const float> y) {
  return exact(got, x.size(), [&](size_t i) { return hk_ref::add(x[i], y[i]); });
}
inline std::string mul(std::span<const float> got, std::span<const float> x, std::span<const float> y) {
  return exact(got, x.size(), [&](size_t i) { return hk_ref::mul(x[i], y[i]); });
}
inline std::string squared_difference(std::span<const float> got, std::span<const float> x, std::span<const float> y) {
  return exact(got, x.size(), [&](size_t i) { return hk_ref::squared_difference(x[i], y[i]); });
}
inline std::string quantize(std::span<const int8_t> got, std::span<const float> x, float scale) {
  return exact(got, x.size(), [&](size_t i) { return hk_ref::quantize(x[i], scale); });
}
inline std::string dequantize(std::span<const float> got, std::span<const int8_t> q, float scale) {
  return exact(got, q.size(), [&](size_t i) { return hk_ref::dequantize(q[i], scale); });
}
inline std::string dequantize(std::span<const float> got, std::span<const int32_t> q, float scale) {
  return exact(got, q.size(), [&](size_t i) { return hk_ref::dequantize(q[i], scale); });
}

// ---- reductions ------------------------------------------------------------------------------

inline std::string dot(double got, std::span<const float> x, std::span<const float> y) {
  Sum s;
  for (size_t i = 0; i < x.size(); ++i) s.add(double(x[i]) * double(y[i]));
  return float_sum_ok(got, s, int64_t(x.size())) ? "" : "got " + fmt(got) + ", fp64 " + fmt(double(s.ref)) + " (dot)";
}

// Σ (x − y)², each difference exact in fp64 (both are floats).
inline Sum squared_differences(std::span<const float> x, std::span<const float> y) {
  Sum s;
  for (size_t i = 0; i < x.size(); ++i) {
    const double d = double(x[i]) - double(y[i]);
    s.add(d * d);
  }
  return s;
}

inline std::string sum_squared_difference(double got, std::span<const float> x, std::span<const float> y) {
  const Sum s = squared_differences(x, y);
  return sum_of_squares_ok(got, s, int64_t(x.size())) ? ""
             : "got " + fmt(got) + ", fp64 " + fmt(double(s.ref)) + " (sum of squared differences)";
}

inline std::string euclidean_distance(double got, std::span<const float> x, std::span<const float> y) {
  const Sum s = squared_differences(x, y);
  const double ref = std::sqrt(static_cast<double>(s.ref));
  return distance_ok(got, s, int64_t(x.size())) ? "" : "got " + fmt(got) + ", fp64 " + fmt(ref) + " (euclidean_distance)";
}

// ---- matmul ----------------------------------------------------------------------------------

inline bool all_finite(std::span<const float> v) {
  for (float x : v)
    if (!std::isfinite(x)) return false;
  return true;
}

// Whether some product of an element of a and one of b can be touched by float underflow.
inline bool products_may_underflow(std::span<const float> a, std::span<const float> b) {
  auto smallest = [](std::span<const float> v) {
    double s = INFINITY;
    for (float x : v)
      if (x != 0 && std::fabs(double(x)) < s) s = std::fabs(double(x));
    return s;
  };
  return may_underflow(smallest(a) * smallest(b));
}

// Element (i, j) of a·b as a Sum (one column of b, strided).
inline Sum matmul_entry(std::span<const float> a, std::span<const float> b, int64_t i, int64_t j, int64_t k, int64_t n) {
  Sum s;
  for (int64_t p = 0; p < k; ++p) s.add(double(a[size_t(i * k + p)]) * double(b[size_t(p * n + j)]));
  return s;
}

// Every element of an f32 product within its bound. Row by row with the fp64 sums of a row
// side by side, so that it streams b like the reference matmul does.
inline std::string matmul(std::span<const float> got, std::span<const float> a, std::span<const float> b, int64_t m,
                          int64_t k, int64_t n) {
  if (got.size() != size_t(m * n)) return count(got.size(), size_t(m * n));
  // Inputs that are finite and can't underflow need no per-term bookkeeping (a fast path:
  // the Sums come out the same).
  const bool careful = !all_finite(a) || !all_finite(b) || products_may_underflow(a, b);
  const size_t cols = static_cast<size_t>(n);
  std::vector<double> ref(cols), mag(cols);
  std::vector<int64_t> tiny(cols);
  for (int64_t i = 0; i < m; ++i) {
    std::fill(ref.begin(), ref.end(), 0.0);
    std::fill(mag.begin(), mag.end(), 0.0);
    std::fill(tiny.begin(), tiny.end(), 0);
    for (int64_t p = 0; p < k; ++p) {
      const double x = a[size_t(i * k + p)];
      const float* row = b.data() + p * n;
      if (!careful) {
        for (int64_t j = 0; j < n; ++j) {
          const double t = x * double(row[j]);
          ref[size_t(j)] += t;
          mag[size_t(j)] += std::fabs(t);
        }
      } else {
        for (int64_t j = 0; j < n; ++j) {
          const double t = x * double(row[j]);
          ref[size_t(j)] += t;
          if (std::isfinite(t)) mag[size_t(j)] += std::fabs(t);
          tiny[size_t(j)] += may_underflow(t);
        }
      }
    }
    for (int64_t j = 0; j < n; ++j) {
      const Sum s{ref[size_t(j)], mag[size_t(j)], tiny[size_t(j)]};
      const float g = got[size_t(i * n + j)];
      if (!matmul_ok(g, s, k)) return entry(i, j, g, ref[size_t(j)]);
    }
  }
  return "";
}

// The entries a sampled check bounds one by one: every entry of rows and columns 0, the
// middle and the last (edges and the middle of every blocking), plus 512 random ones.
inline std::vector<std::pair<int64_t, int64_t>> sampled_entries(int64_t m, int64_t n) {
  std::vector<std::pair<int64_t, int64_t>> entries;
  std::mt19937_64 rng(99);
  for (int64_t i : {int64_t(0), m / 2, m - 1})
    for (int64_t j = 0; j < n; ++j) entries.emplace_back(i, j);
  for (int64_t j : {int64_t(0), n / 2, n - 1})
    for (int64_t i = 0; i < m; ++i) entries.emplace_back(i, j);
  for (int s = 0; s < 512; ++s) entries.emplace_back(int64_t(rng() % uint64_t(m)), int64_t(rng() % uint64_t(n)));
  return entries;
}

// A linear layer, f32, element (i, j): within matmul's bound of the fp64 sum, with the bias
// as one more term (its add rounds once more), then relu, which keeps the error bound.
// bias empty: none.
inline std::string linear_entry(std::span<const float> got, std::span<const float> x, std::span<const float> w,
                                std::span<const float> bias, bool out_in, bool relu_on, int64_t i, int64_t j,
                                int64_t k, int64_t n) {
  Sum s;
  for (int64_t p = 0; p < k; ++p) s.add(double(x[size_t(i * k + p)]) * double(weight(w, out_in, p, j, k, n)));
  if (!bias.empty()) s.add(double(bias[size_t(j)]));
  const float g = got[size_t(i * n + j)];
  // Where the finite terms can overflow float on the way, any infinity or NaN is a right sum
  // (sum_ok), −inf too (a fused multiply-add keeps each product exact, so −inf plus a product
  // past FLT_MAX stays −inf, where the rounded product is +inf and the sum NaN), and relu
  // makes −inf a 0.
  if (relu_on && g == 0 && std::isfinite(double(s.ref)) && s.finite_mag >= kOverflow) return "";
  if (relu_on && g < 0) return entry(i, j, g, double(s.ref));  // relu leaves nothing below 0 (−0 passes)
  if (relu_on && s.ref < 0) s.ref = 0;  // relu(NaN) stays NaN: NaN < 0 is false
  return sum_ok(g, s, 2.0 * double(k + 1)) ? "" : entry(i, j, g, double(s.ref));
}

// int8, element (i, j): bit for bit (the sum is exact, then each f32 step of
// linear_i8_value). weight_scale: (n); bias empty: none.
inline std::string linear_entry(std::span<const float> got, std::span<const int8_t> x, std::span<const int8_t> w,
                                std::span<const float> bias, bool out_in, bool relu_on, int64_t i, int64_t j,
                                int64_t k, int64_t n, float input_scale, std::span<const float> weight_scale) {
  int64_t sum = 0;
  for (int64_t p = 0; p < k; ++p) sum += int64_t{x[size_t(i * k + p)]} * int64_t{weight(w, out_in, p, j, k, n)};
  const float want =
      linear_i8_value(sum, input_scale, weight_scale[size_t(j)], bias.empty() ? nullptr : &bias[size_t(j)], relu_on);
  const float g = got[size_t(i * n + j)];
  return std::memcmp(&g, &want, sizeof g) == 0 ? "" : entry(i, j, g, want);
}

// Every element of a linear layer (all = true), or the sample of large ones that
// sampled_entries gives: three full rows, three full columns, 512 random entries (the full
// fp64 check would outlast timing them). entry(i, j) judges one.
template <class Entry>
std::string linear_entries(size_t got_size, int64_t m, int64_t n, bool all, const Entry& entry_of) {
  if (got_size != size_t(m * n)) return count(got_size, size_t(m * n));
  if (m == 0 || n == 0) return "";
  if (all) {
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j)
        if (std::string e = entry_of(i, j); !e.empty()) return e;
    return "";
  }
  for (const auto& [i, j] : sampled_entries(m, n))
    if (std::string e = entry_of(i, j); !e.empty()) return e;
  return "";
}

inline std::string linear(std::span<const float> got, std::span<const float> x, std::span<const float> w,
                          std::span<const float> bias, bool out_in, bool relu_on, int64_t m, int64_t k, int64_t n,
                          bool all = true) {
  return linear_entries(got.size(), m, n, all, [&](int64_t i, int64_t j) {
    return linear_entry(got, x, w, bias, out_in, relu_on, i, j, k, n);
  });
}

inline std::string linear(std::span<const float> got, std::span<const int8_t> x, std::span<const int8_t> w,
                          std::span<const float> bias, bool out_in, bool relu_on, int64_t m, int64_t k, int64_t n,
                          float input_scale, std::span<const float> weight_scale, bool all = true) {
  return linear_entries(got.size(), m, n, all, [&](int64_t i, int64_t j) {
    return linear_entry(got, x, w, bias, out_in, relu_on, i, j, k, n, input_scale, weight_scale);
  });
}

// Every element of an int8 product exact.
inline std::string matmul(std::span<const int32_t> got, std::span<const int8_t> a, std::span<const int8_t> b, int64_t m,
                          int64_t k, int64_t n) {
  const std::vector<int64_t> ref = matmul_i8(a, b, m, k, n);
  if (got.size() != ref.size()) return count(got.size(), ref.size());
  for (size_t e = 0; e < ref.size(); ++e)
    if (int64_t(got[e]) != ref[e]) return entry(int64_t(e) / n, int64_t(e) % n, got[e], double(ref[e]));
  return "";
}

// Freivalds' check of every row at once: c·x against a·(b·x) in fp64 for a random x with
// entries in [1, 2). O(MK + KN + MN), so even a 4096³ product is checked in every element:
// an int8 error anywhere changes an exact sum; an f32 error shows once it exceeds the row's
// bound Σj xj·(2·K·u·(|A||B|)ij + kTiny·K) = 2·K·u·(|A|·(|B|·x))i (+ the underflow slack,
// when a product can underflow). Finite inputs only.
template <class T, class Acc>
std::string matmul_rows(std::span<const Acc> c, std::span<const T> a, std::span<const T> b, int64_t m, int64_t k,
                        int64_t n) {
  constexpr bool kExact = std::is_integral_v<T>;
  std::mt19937_64 rng(7);
  std::vector<double> x(static_cast<size_t>(n)), bx(static_cast<size_t>(k), 0.0), abs_bx(static_cast<size_t>(k), 0.0);
  double sum_x = 0;
  for (double& v : x) sum_x += v = 1.0 + double(rng() % 1024) / 1024.0;
  double tiny = 0;
  if constexpr (!kExact)
    if (products_may_underflow(a, b)) tiny = double(k) * kTiny * sum_x;
  for (int64_t p = 0; p < k; ++p)
    for (int64_t j = 0; j < n; ++j) {
      bx[size_t(p)] += double(b[size_t(p * n + j)]) * x[size_t(j)];
      abs_bx[size_t(p)] += std::fabs(double(b[size_t(p * n + j)])) * x[size_t(j)];
    }
  for (int64_t i = 0; i < m; ++i) {
    double got = 0, want = 0, mag = 0;
    for (int64_t j = 0; j < n; ++j) got += double(c[size_t(i * n + j)]) * x[size_t(j)];
    for (int64_t p = 0; p < k; ++p) {
      want += double(a[size_t(i * k + p)]) * bx[size_t(p)];
      mag += std::fabs(double(a[size_t(i * k + p)])) * abs_bx[size_t(p)];
    }
    // int8: every partial sum is an integer times 1/1024 below 2^52/1024, hence exact in fp64,
    // so any error shows (huge products fall back to fp64 rounding slack). f32: the bound plus
    // a little slack for the fp64 evaluation itself.
    double tol = kExact ? (mag < 0x1p42 ? 0.0 : mag * 0x1p-50) : 2.0 * double(k) * kU * mag + 1e-12 * mag + tiny;
    if (!(std::fabs(got - want) <= tol))
      return "row " + std::to_string(i) + " of c is wrong: Σj c[" + std::to_string(i) + "][j]·x[j] = " + fmt(got) +
             ", fp64 " + fmt(want) + " (random-vector check of every element)";
  }
  return "";
}


// A product too large for the full fp64 reference (it would take longer than the variant):
// every row by the random-vector check, and the element bound on sampled_entries().
// Inputs with an infinity or NaN get the full check instead.
inline std::string matmul_sampled(std::span<const float> got, std::span<const float> a, std::span<const float> b,
                                  int64_t m, int64_t k, int64_t n) {
  if (m == 0 || n == 0) return matmul(got, a, b, m, k, n);
  if (!all_finite(a) || !all_finite(b)) return matmul(got, a, b, m, k, n);
  if (got.size() != size_t(m * n)) return count(got.size(), size_t(m * n));
  if (std::string rows = matmul_rows<float, float>(got, a, b, m, k, n); !rows.empty()) return rows;
  for (const auto& [i, j] : sampled_entries(m, n)) {
    const Sum s = matmul_entry(a, b, i, j, k, n);
    const float g = got[size_t(i * n + j)];
    if (!matmul_ok(g, s, k)) return entry(i, j, g, double(s.ref));
  }
  return "";
}

inline std::string matmul_sampled(std::span<const int32_t> got, std::span<const int8_t> a, std::span<const int8_t> b,
                                  int64_t m, int64_t k, int64_t n) {
  if (m == 0 || n == 0) return matmul(got, a, b, m, k, n);
  if (got.size() != size_t(m * n)) return count(got.size(), size_t(m * n));
  if (std::string rows = matmul_rows<int8_t, int32_t>(got, a, b, m, k, n); !rows.empty()) return rows;
  for (const auto& [i, j] : sampled_entries(m, n)) {
    int64_t want = 0;
    for (int64_t p = 0; p < k; ++p) want += int64_t(a[size_t(i * k + p)]) * int64_t(b[size_t(p * n + j)]);
    const int32_t g = got[size_t(i * n + j)];
    if (int64_t(g) != want) return entry(i, j, g, double(want));
  }
  return "";
}

}  // namespace hk_ref::judge
