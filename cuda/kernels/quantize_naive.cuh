// quantize (f32 → i8) and dequantize (i8 or i32 → f32), naive: one thread per
// element, with exactly the CPU's semantics so every backend produces the same bytes.
//
// quantize: v = x / scale as an IEEE division (nvcc keeps `/` correctly rounded unless
// fast-math is on, and hk never turns it on; a multiply by 1/scale would differ in the
// last bit for some x), NaN → 0, clamp to [−127, 127] while still a float, then
// __float2int_rn: round to nearest, ties to even — the CPU's nearbyint in the default
// rounding mode. Clamping first keeps the conversion in range for ±inf and huge values.
// dequantize: float(q) · scale, the int → float conversion rounding to nearest like the
// CPU's (it matters for i32 values beyond 2²⁴).
// Limits: memory-bound like every elementwise op; one thread per element keeps it simple.
#pragma once

#include <cmath>
#include <cstdint>

#include "cuda/launch.cuh"

namespace hk::cuda {
inline namespace HK_KERNEL_TARGET {

namespace quantization {

constexpr unsigned kBlock = 256;

// x: (n) → q: (n)
__global__ void __launch_bounds__(kBlock)
    quantize_kernel(const float* __restrict__ x, float scale, int8_t* __restrict__ q, int64_t n) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= n) return;
  float v = x[i] / scale;
  v = isnan(v) ? 0.0f : fminf(fmaxf(v, -127.0f), 127.0f);
  q[i] = static_cast<int8_t>(__float2int_rn(v));
}

// q: (n) → x: (n)
template <class T>
__global__ void __launch_bounds__(kBlock)
    dequantize_kernel(const T* __restrict__ q, float scale, float* __restrict__ x, int64_t n) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) x[i] = __int2float_rn(q[i]) * scale;
}

inline dim3 grid_for(int64_t n) { return dim3(static_cast<unsigned>((n + kBlock - 1) / kBlock)); }

template <class T> void dequantize(const T* q, float scale, float* x, int64_t n, const KernelContext& ctx) {
  if (n == 0) return;  // a grid with no blocks is an invalid launch
  launch(ctx, dequantize_kernel<T>, grid_for(n), dim3(kBlock))(q, scale, x, n);
}

}  // namespace quantization

inline void quantize_f32_naive(const float* x, float scale, int8_t* q, int64_t n, const KernelContext& ctx) {
  if (n == 0) return;
  launch(ctx, quantization::quantize_kernel, quantization::grid_for(n), dim3(quantization::kBlock))(x, scale, q, n);
}
inline void dequantize_i8_naive(const int8_t* q, float scale, float* x, int64_t n, const KernelContext& ctx) {
  quantization::dequantize(q, scale, x, n, ctx);
}
inline void dequantize_i32_naive(const int32_t* q, float scale, float* x, int64_t n, const KernelContext& ctx) {
  quantization::dequantize(q, scale, x, n, ctx);
}

}  // namespace HK_KERNEL_TARGET
}  // namespace hk::cuda
