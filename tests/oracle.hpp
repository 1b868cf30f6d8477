// Test oracles: plain fp64 / int64 loops written for the tests alone. They share no code
// with hk (they don't include any hk header), so a bug in hk can't hide in its reference.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

namespace oracle {

// c = a·b in fp64; a: (m, k), b: (k, n).
inline std::vector<double> matmul(const std::vector<float>& a, const std::vector<float>& b, int64_t m, int64_t k,
                                  int64_t n) {
  std::vector<double> c(static_cast<size_t>(m * n), 0.0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t p = 0; p < k; ++p)
      for (int64_t j = 0; j < n; ++j) c[i * n + j] += double(a[i * k + p]) * double(b[p * n + j]);
  return c;
}

// (|a|·|b|)ij — the scale of the rounding error bound 2·K·u·(|A||B|)ij.
inline std::vector<double> abs_matmul(const std::vector<float>& a, const std::vector<float>& b, int64_t m,
                                      int64_t k, int64_t n) {
  std::vector<double> c(static_cast<size_t>(m * n), 0.0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t p = 0; p < k; ++p)
      for (int64_t j = 0; j < n; ++j) c[i * n + j] += std::fabs(double(a[i * k + p])) * std::fabs(double(b[p * n + j]));
  return c;
}

inline std::vector<int64_t> matmul_i8(const std::vector<int8_t>& a, const std::vector<int8_t>& b, int64_t m,
                                      int64_t k, int64_t n) {
  std::vector<int64_t> c(static_cast<size_t>(m * n), 0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t p = 0; p < k; ++p)
      for (int64_t j = 0; j < n; ++j) c[i * n + j] += int64_t(a[i * k + p]) * int64_t(b[p * n + j]);
  return c;
}

// IEEE float ops via fp64: a double holds ≥ 2·24+2 bits, so rounding the exact-in-double
// sum, product or quotient of two floats to float gives the correctly rounded float result.
inline float add(float x, float y) { return float(double(x) + double(y)); }
inline float mul(float x, float y) { return float(double(x) * double(y)); }
inline float sub(float x, float y) { return float(double(x) - double(y)); }
inline float div(float x, float y) { return float(double(x) / double(y)); }

inline float relu(float x) {
  if (std::isnan(x)) return x;
  if (x < 0) return 0.0f;
  return x;  // includes −0.0, which hk keeps
}

// Round half to even, by hand.
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

inline float dequantize(int64_t q, float scale) { return mul(static_cast<float>(q), scale); }

inline double dot(const std::vector<float>& x, const std::vector<float>& y) {
  long double s = 0;
  for (size_t i = 0; i < x.size(); ++i) s += static_cast<long double>(x[i]) * y[i];
  return static_cast<double>(s);
}

inline double abs_dot(const std::vector<float>& x, const std::vector<float>& y) {
  double s = 0;
  for (size_t i = 0; i < x.size(); ++i) s += std::fabs(double(x[i]) * double(y[i]));
  return s;
}

inline double sum_squared_difference(const std::vector<float>& x, const std::vector<float>& y) {
  long double s = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    long double d = static_cast<long double>(x[i]) - y[i];
    s += d * d;
  }
  return static_cast<double>(s);
}

}  // namespace oracle
