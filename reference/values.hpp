// The reference values: what each op of hk computes, in plain fp64 / long double / int64
// loops. a: (m, k) row-major, b: (k, n), c: (m, n).
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

namespace hk_ref {

// c[i][j] = Σp term(a[i][p], b[p][j]), summed in Acc, row by row so that b streams.
template <class Acc, class T, class Term>
std::vector<Acc> product(std::span<const T> a, std::span<const T> b, int64_t m, int64_t k, int64_t n, Term term) {
  std::vector<Acc> c(static_cast<size_t>(m * n), Acc(0));
  for (int64_t i = 0; i < m; ++i)
    for (int64_t p = 0; p < k; ++p)
      for (int64_t j = 0; j < n; ++j) c[size_t(i * n + j)] += term(a[size_t(i * k + p)], b[size_t(p * n + j)]);
  return c;
}

// c = a·b in fp64.
inline std::vector<double> matmul(std::span<const float> a, std::span<const float> b, int64_t m, int64_t k,
                                  int64_t n) {
  return product<double>(a, b, m, k, n, [](float x, float y) { return double(x) * double(y); });
}

// (|a|·|b|)ij: the scale of the rounding error bound (tolerance.hpp).
inline std::vector<double> abs_matmul(std::span<const float> a, std::span<const float> b, int64_t m, int64_t k,
                                      int64_t n) {
  return product<double>(a, b, m, k, n, [](float x, float y) { return std::fabs(double(x)) * std::fabs(double(y)); });
}

// c = a·b in int64: exact.
inline std::vector<int64_t> matmul_i8(std::span<const int8_t> a, std::span<const int8_t> b, int64_t m, int64_t k,
                                      int64_t n) {
  return product<int64_t>(a, b, m, k, n, [](int8_t x, int8_t y) { return int64_t(x) * int64_t(y); });
}

// IEEE float ops via fp64: a double holds ≥ 2·24+2 bits, so rounding the exact-in-double
// sum, product or quotient of two floats to float gives the correctly rounded float result.
inline float add(float x, float y) { return float(double(x) + double(y)); }
inline float mul(float x, float y) { return float(double(x) * double(y)); }
inline float sub(float x, float y) { return float(double(x) - double(y)); }
inline float div(float x, float y) { return float(double(x) / double(y)); }
// Weights in a linear layer's layout: w[p][j] of (in, out) = (k, n), or w[j][p] of (out, in).
template <class T> T weight(std::span<const T> w, bool out_in, int64_t p, int64_t j, int64_t k, int64_t n) {
  return out_in ? w[size_t(j * k + p)] : w[size_t(p * n + j)];
}
// int8 linear, element (i, j), from the exact sum: float(sum) · (input_scale · weight_scale),
// then + bias, then relu, each rounded to f32 (hk/ops.hpp).
inline float linear_i8_value(int64_t sum, float input_scale, float weight_scale, const float* bias, bool relu_on) {
  float v = mul(static_cast<float>(sum), mul(input_scale, weight_scale));
  if (bias) v = add(v, *bias);
  return relu_on && 0.0f > v ? 0.0f : v;
}
// (x − y)² with the difference rounded to float first, as every variant computes it.
inline float squared_difference(float x, float y) {
  const float d = sub(x, y);
  return mul(d, d);
}

inline float relu(float x) {
  if (std::isnan(x)) return x;
  if (x < 0) return 0.0f;
  return x;  // includes −0.0, which hk keeps
}
inline int8_t relu_i8(int8_t x) { return x < 0 ? int8_t(0) : x; }

// Round half to even, by hand (not through the floating-point rounding mode).
inline double round_half_even(double v) {
  double f = std::floor(v);
  double diff = v - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return std::fmod(f, 2.0) == 0 ? f : f + 1;
}

inline int8_t quantize(float x, float scale) {
  float v = div(x, scale);
  if (std::isnan(v)) return 0;
  if (v > 127.0f) v = 127.0f;
  if (v < -127.0f) v = -127.0f;
  return static_cast<int8_t>(round_half_even(v));
}

inline std::vector<int8_t> quantized(std::span<const float> x, float scale) {
  std::vector<int8_t> q(x.size());
  for (size_t i = 0; i < x.size(); ++i) q[i] = quantize(x[i], scale);
  return q;
}

inline float dequantize(int64_t q, float scale) { return mul(static_cast<float>(q), scale); }

// max|x| / 127 in float; 1 for all-zero; the smallest denormal when the quotient underflows.
inline float symmetric_scale(std::span<const float> x) {
  float m = 0;
  for (float v : x) m = std::fabs(v) > m ? std::fabs(v) : m;
  if (m == 0) return 1.0f;
  float s = div(m, 127.0f);
  return s > 0 ? s : std::numeric_limits<float>::denorm_min();
}

inline double dot(std::span<const float> x, std::span<const float> y) {
  long double s = 0;
  for (size_t i = 0; i < x.size(); ++i) s += static_cast<long double>(x[i]) * y[i];
  return static_cast<double>(s);
}

inline double abs_dot(std::span<const float> x, std::span<const float> y) {
  double s = 0;
  for (size_t i = 0; i < x.size(); ++i) s += std::fabs(double(x[i]) * double(y[i]));
  return s;
}

inline double sum_squared_difference(std::span<const float> x, std::span<const float> y) {
  long double s = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    long double d = static_cast<long double>(x[i]) - y[i];
    s += d * d;
  }
  return static_cast<double>(s);
}

// Bit-identical floats, any NaN equal to any NaN.
inline bool same_float(float a, float b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::bit_cast<uint32_t>(a) == std::bit_cast<uint32_t>(b);
}

}  // namespace hk_ref
