// The elementwise rungs of the CPU ladder, generic over the op, mirroring CUDA's
// cuda/kernels/elementwise_ops.cuh. register_cpu.cpp names their instantiations in its rows:
//   naive     a plain loop over the op's functor (common/src/elementwise_functors.inc, the
//             expressions the CUDA kernels apply too): the reference behaviour every other
//             path reproduces bit for bit;
//   simd      the op's Highway kernel (simd_kernels.hpp) over the whole tensor, on the
//             calling thread;
//   parallel  that kernel over chunks of [0, n) on hk's persistent thread pool.
//
// parallel helps only where one core cannot saturate memory: a desktop or a small VM has
// little bandwidth left for a second core, a many-core server much more. The course's
// parallel_relu lost to the sequential version at every size because it started workers per
// call and split tiny arrays; here the workers persist and a call with less than kGrainBytes
// of traffic per thread (quantize: less than its own, smaller grain) runs inline, so
// `parallel` is `simd` plus one comparison below it.
// Chunks are cut at multiples of kUnit elements, so with an aligned output no two threads
// write the same cache line, and streaming stores are chosen once for the whole tensor so
// every chunk agrees.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "cpu/simd_kernels.hpp"
#include "cpu/thread_pool.hpp"
#include "hk/op_table.hpp"
#include "hk/registry.hpp"

namespace hk::cpu {

#define HK_ELEMENTWISE_FN
#include "common/src/elementwise_functors.inc"
#undef HK_ELEMENTWISE_FN

// ---- naive -----------------------------------------------------------------------------

template <class F, class T> void naive_unary(const T* x, T* out, int64_t n, const KernelContext&) {
  const F f;
  for (int64_t i = 0; i < n; ++i) out[i] = f(x[i]);
}

template <class F> void naive_binary(const float* x, const float* y, float* out, int64_t n, const KernelContext&) {
  const F f;
  for (int64_t i = 0; i < n; ++i) out[i] = f(x[i], y[i]);
}

// ---- simd: the Highway entry points of simd_kernels.hpp, by shape ------------------------

template <class T> using SimdUnary = void(const T* x, T* out, std::size_t n, bool stream);
using SimdBinary = void(const float* x, const float* y, float* out, std::size_t n, bool stream);
template <class In, class Out> using SimdScaled = void(const In* x, float scale, Out* out, std::size_t n, bool stream);

template <class T, SimdUnary<T>* K> void simd_unary(const T* x, T* out, int64_t n, const KernelContext&) {
  K(x, out, std::size_t(n), simd::stream_stores(std::size_t(n) * sizeof(T)));
}

template <SimdBinary* K> void simd_binary(const float* x, const float* y, float* out, int64_t n, const KernelContext&) {
  K(x, y, out, std::size_t(n), simd::stream_stores(std::size_t(n) * sizeof(float)));
}

template <class In, class Out, SimdScaled<In, Out>* K>
void simd_scaled(const In* x, float scale, Out* out, int64_t n, const KernelContext&) {
  K(x, scale, out, std::size_t(n), simd::stream_stores(std::size_t(n) * sizeof(Out)));
}

// ---- parallel ----------------------------------------------------------------------------

inline constexpr int64_t kUnit = 64;  // elements; chunk edges fall on multiples of this
// Least traffic (bytes read + written) worth handing to another thread: moving it, even
// from L2, takes several times as long as waking a spinning worker and joining it, so the
// split gains more than the hand-off costs; much smaller chunks only break even.
inline constexpr int64_t kGrainBytes = 512 * 1024;

// Quantizing spends several vector instructions per element on the exact division's steps
// (quantize_simd.cpp), so a chunk far below kGrainBytes of traffic already takes as long as
// the hand-off: quantize's own grain, in units (also linear's, quantize_dynamic.cpp).
inline constexpr int64_t kQuantizeGrainUnits = 32768 / kUnit;

// Bytes one element of `op` moves (read and written), from the op table's work model.
inline int64_t bytes_per_element(const char* op, DType input) {
  return std::max<int64_t>(1, static_cast<int64_t>(op_def(op).work({1}, {1}, input).bytes));
}

// The grain, in units, of an op that moves `bytes_per_element` at memory speed.
inline int64_t grain_units(int64_t bytes_per_element) {
  return std::max<int64_t>(1, kGrainBytes / (bytes_per_element * kUnit));
}

// body(begin, end) over [0, n) in chunks of at least `grain` units on ctx.threads threads;
// inline below two grains.
template <class Body> void for_chunks(int64_t n, int64_t grain, const KernelContext& ctx, const Body& body) {
  const int64_t units = (n + kUnit - 1) / kUnit;
  if (ctx.threads <= 1 || units < 2 * grain) {
    body(0, n);
    return;
  }
  ThreadPool::global().parallel_for(units, grain, ctx.threads,
                                    [&](int64_t b, int64_t e) { body(b * kUnit, std::min(e * kUnit, n)); });
}

// Op names the parallel rungs look up in the op table (template arguments need storage).
inline constexpr char kRelu[] = "relu", kAdd[] = "add", kMul[] = "mul", kSquaredDifference[] = "squared_difference",
                      kQuantize[] = "quantize", kDequantize[] = "dequantize";

template <const char* Op, class T, SimdUnary<T>* K>
void parallel_unary(const T* x, T* out, int64_t n, const KernelContext& ctx) {
  static const int64_t grain = grain_units(bytes_per_element(Op, detail::dtype_of<T>()));
  const bool stream = simd::stream_stores(std::size_t(n) * sizeof(T));
  for_chunks(n, grain, ctx, [&](int64_t b, int64_t e) { K(x + b, out + b, std::size_t(e - b), stream); });
}

template <const char* Op, SimdBinary* K>
void parallel_binary(const float* x, const float* y, float* out, int64_t n, const KernelContext& ctx) {
  static const int64_t grain = grain_units(bytes_per_element(Op, DType::f32));
  const bool stream = simd::stream_stores(std::size_t(n) * sizeof(float));
  for_chunks(n, grain, ctx, [&](int64_t b, int64_t e) { K(x + b, y + b, out + b, std::size_t(e - b), stream); });
}

template <const char* Op, class In, class Out, SimdScaled<In, Out>* K>
void parallel_scaled(const In* x, float scale, Out* out, int64_t n, const KernelContext& ctx) {
  static const int64_t grain =
      Op == kQuantize ? kQuantizeGrainUnits : grain_units(bytes_per_element(Op, detail::dtype_of<In>()));
  const bool stream = simd::stream_stores(std::size_t(n) * sizeof(Out));
  for_chunks(n, grain, ctx, [&](int64_t b, int64_t e) { K(x + b, scale, out + b, std::size_t(e - b), stream); });
}

}  // namespace hk::cpu
