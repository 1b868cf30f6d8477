// Elementwise ops, naive: one plain loop per op, the reference behaviour every other
// backend and SIMD path reproduces bit for bit.
//
// ReLU is written as `0 > x ? 0 : x` on purpose: a comparison with NaN is false, so NaN
// passes through (a NaN activation is a bug upstream that must stay visible); +inf stays,
// −inf becomes 0, and −0.0 stays −0.0. It is the same expression as x86's max(0, x)
// with 0 as the first operand, which the SIMD variants use.
#include "hk/registry.hpp"

namespace hk::cpu {

void relu_f32_naive(const float* x, float* out, int64_t n, const KernelContext&) {
  for (int64_t i = 0; i < n; ++i) out[i] = 0.0f > x[i] ? 0.0f : x[i];
}

void relu_i8_naive(const int8_t* x, int8_t* out, int64_t n, const KernelContext&) {
  for (int64_t i = 0; i < n; ++i) out[i] = x[i] < 0 ? int8_t{0} : x[i];
}

void add_f32_naive(const float* x, const float* y, float* out, int64_t n, const KernelContext&) {
  for (int64_t i = 0; i < n; ++i) out[i] = x[i] + y[i];
}

void mul_f32_naive(const float* x, const float* y, float* out, int64_t n, const KernelContext&) {
  for (int64_t i = 0; i < n; ++i) out[i] = x[i] * y[i];
}

void squared_difference_f32_naive(const float* x, const float* y, float* out, int64_t n, const KernelContext&) {
  for (int64_t i = 0; i < n; ++i) {
    const float d = x[i] - y[i];
    out[i] = d * d;
  }
}

}  // namespace hk::cpu
