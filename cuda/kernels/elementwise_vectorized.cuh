// relu (f32, i8), add, mul, squared_difference — vectorized: each thread moves 16 bytes.
//
// What it teaches: an elementwise op is pure memory traffic, and the one-thread-per-element
// kernel (relu "naive") issues one 4-byte (or 1-byte, for i8) load per element. Here
// each thread loads and stores 16 bytes at once — a float4 (4 floats) or 16 int8 (as an
// int4) — so the same bytes move with a quarter (f32) or a sixteenth (i8) of the memory
// instructions, which matters most for int8 where byte loads waste most of each
// transaction's issue slots. A short scalar loop covers the tail that doesn't fill a
// vector, and an unaligned base pointer (hk::Tensor::wrap of caller memory) takes the
// scalar path throughout.
// Limits: it already streams at close to DRAM bandwidth; what's left is launch overhead
// for small arrays and the round trip through DRAM when ops are chained (fusion, not a
// faster kernel, is the next step).
//
// The per-element expressions (elementwise_ops.cuh) are the CPU's, so results are
// bit-identical.
#pragma once

#include <cstdint>

#include "cuda/kernels/elementwise_ops.cuh"
#include "cuda/launch.cuh"

namespace hk::cuda {
inline namespace HK_KERNEL_TARGET {

namespace elementwise {

constexpr unsigned kBlock = 256;


// Applies op to the 16 bytes of one int4, read as 4 floats or 16 int8. Register shifts
// rather than a byte array keep everything in registers (no local memory).
template <class Op> __forceinline__ __device__ int4 apply16(int4 raw, Op op, float) {
  return make_int4(__float_as_int(op(__int_as_float(raw.x))), __float_as_int(op(__int_as_float(raw.y))),
                   __float_as_int(op(__int_as_float(raw.z))), __float_as_int(op(__int_as_float(raw.w))));
}
template <class Op> __device__ int apply4(int word, Op op) {
  unsigned out = 0;
#pragma unroll
  for (int b = 0; b < 4; ++b) {
    const int8_t e = static_cast<int8_t>(static_cast<unsigned>(word) >> (8 * b));
    out |= static_cast<unsigned>(static_cast<uint8_t>(op(e))) << (8 * b);
  }
  return static_cast<int>(out);
}
template <class Op> __forceinline__ __device__ int4 apply16(int4 raw, Op op, int8_t) {
  return make_int4(apply4(raw.x, op), apply4(raw.y, op), apply4(raw.z, op), apply4(raw.w, op));
}

// One thread per 16 bytes: elements i·kCount … i·kCount + kCount − 1. The thread whose
// 16 bytes run past n (or every thread, when a pointer is unaligned) goes element by element.
template <class T, class Op>
__global__ void __launch_bounds__(kBlock) unary_kernel(const T* __restrict__ x, T* __restrict__ out, int64_t n,
                                                       bool vectorized, Op op) {
  constexpr int kCount = 16 / sizeof(T);
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  const int64_t first = i * kCount;
  if (first >= n) return;
  if (vectorized && first + kCount <= n) {
    const int4 raw = *reinterpret_cast<const int4*>(x + first);
    *reinterpret_cast<int4*>(out + first) = apply16(raw, op, T{});
  } else {
    const int64_t last = first + kCount < n ? first + kCount : n;
    for (int64_t e = first; e < last; ++e) out[e] = op(x[e]);
  }
}

template <class Op>
__global__ void __launch_bounds__(kBlock) binary_kernel(const float* __restrict__ x, const float* __restrict__ y,
                                                        float* __restrict__ out, int64_t n, bool vectorized, Op op) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  const int64_t first = i * 4;
  if (first >= n) return;
  if (vectorized && first + 4 <= n) {
    const float4 a = *reinterpret_cast<const float4*>(x + first);
    const float4 b = *reinterpret_cast<const float4*>(y + first);
    *reinterpret_cast<float4*>(out + first) = make_float4(op(a.x, b.x), op(a.y, b.y), op(a.z, b.z), op(a.w, b.w));
  } else {
    const int64_t last = first + 4 < n ? first + 4 : n;
    for (int64_t e = first; e < last; ++e) out[e] = op(x[e], y[e]);
  }
}

inline bool aligned16(const void* p) { return reinterpret_cast<uintptr_t>(p) % 16 == 0; }
inline dim3 grid_for(int64_t n, int per_thread) {
  const int64_t threads = (n + per_thread - 1) / per_thread;
  return dim3(static_cast<unsigned>((threads + kBlock - 1) / kBlock));
}

template <class T, class Op> void unary(const T* x, T* out, int64_t n, const KernelContext& ctx, Op op) {
  if (n == 0) return;  // a grid with no blocks is an invalid launch
  const bool vectorized = aligned16(x) && aligned16(out);
  launch(ctx, unary_kernel<T, Op>, grid_for(n, 16 / int(sizeof(T))), dim3(kBlock))(x, out, n, vectorized, op);
}

template <class Op> void binary(const float* x, const float* y, float* out, int64_t n, const KernelContext& ctx, Op op) {
  if (n == 0) return;
  const bool vectorized = aligned16(x) && aligned16(y) && aligned16(out);
  launch(ctx, binary_kernel<Op>, grid_for(n, 4), dim3(kBlock))(x, y, out, n, vectorized, op);
}

}  // namespace elementwise

// x, y, out: (n)
inline void relu_f32_vectorized(const float* x, float* out, int64_t n, const KernelContext& ctx) {
  elementwise::unary(x, out, n, ctx, elementwise::ReluF32{});
}
inline void relu_i8_vectorized(const int8_t* x, int8_t* out, int64_t n, const KernelContext& ctx) {
  elementwise::unary(x, out, n, ctx, elementwise::ReluI8{});
}
inline void add_f32_vectorized(const float* x, const float* y, float* out, int64_t n, const KernelContext& ctx) {
  elementwise::binary(x, y, out, n, ctx, elementwise::Add{});
}
inline void mul_f32_vectorized(const float* x, const float* y, float* out, int64_t n, const KernelContext& ctx) {
  elementwise::binary(x, y, out, n, ctx, elementwise::Mul{});
}
inline void squared_difference_f32_vectorized(const float* x, const float* y, float* out, int64_t n,
                                              const KernelContext& ctx) {
  elementwise::binary(x, y, out, n, ctx, elementwise::SquaredDifference{});
}

}  // namespace HK_KERNEL_TARGET
}  // namespace hk::cuda
