// Elementwise ops, parallel: the simd kernels of elementwise_simd.cpp and
// quantize_simd.cpp, split over hk's persistent thread pool.
//
// The technique: cut [0, n) into one contiguous chunk per thread and run the simd kernel
// on each. It helps only where one core cannot saturate memory: on a desktop or a small VM
// one core streams nearly all the bandwidth there is, so the gain at large sizes is modest,
// while on a many-core server it is several fold. The course's parallel_relu lost to the
// sequential version at every size because it started workers per call and split tiny
// arrays; here the workers persist (waking a spinning one is cheap, a sleeping one less so)
// and a call smaller than kGrainBytes of traffic per thread runs inline, so `parallel` is
// the `simd` kernel plus one comparison below that size.
//
// Chunks are cut at multiples of 64 elements, so with an aligned output no two threads
// write the same cache line, and the decision to use streaming stores is made once for the
// whole tensor so every chunk agrees.
#include <algorithm>

#include "hk/registry.hpp"
#include "cpu/simd_kernels.hpp"
#include "cpu/thread_pool.hpp"

namespace hk::cpu {

namespace {

constexpr int64_t kUnit = 64;  // elements; chunk edges fall on multiples of this
// Least traffic (bytes read + written) worth handing to another thread: moving it, even
// from L2, takes several times as long as waking a spinning worker and joining it, so the
// split gains more than the hand-off costs; much smaller chunks only break even.
constexpr int64_t kGrainBytes = 512 * 1024;

template <class Body>
void for_chunks(int64_t n, int64_t bytes_per_element, const KernelContext& ctx, const Body& body) {
  const int64_t units = (n + kUnit - 1) / kUnit;
  const int64_t grain = std::max<int64_t>(1, kGrainBytes / (bytes_per_element * kUnit));
  if (ctx.threads <= 1 || units < 2 * grain) {
    body(0, n);
    return;
  }
  ThreadPool::global().parallel_for(units, grain, ctx.threads,
                                    [&](int64_t b, int64_t e) { body(b * kUnit, std::min(e * kUnit, n)); });
}

}  // namespace

void relu_f32_parallel(const float* x, float* out, int64_t n, const KernelContext& ctx) {
  const bool stream = simd::stream_stores(size_t(n) * sizeof(float));
  for_chunks(n, 8, ctx, [&](int64_t b, int64_t e) { simd::relu_f32(x + b, out + b, size_t(e - b), stream); });
}

void relu_i8_parallel(const int8_t* x, int8_t* out, int64_t n, const KernelContext& ctx) {
  const bool stream = simd::stream_stores(size_t(n));
  for_chunks(n, 2, ctx, [&](int64_t b, int64_t e) { simd::relu_i8(x + b, out + b, size_t(e - b), stream); });
}

void add_f32_parallel(const float* x, const float* y, float* out, int64_t n, const KernelContext& ctx) {
  const bool stream = simd::stream_stores(size_t(n) * sizeof(float));
  for_chunks(n, 12, ctx, [&](int64_t b, int64_t e) { simd::add_f32(x + b, y + b, out + b, size_t(e - b), stream); });
}

void mul_f32_parallel(const float* x, const float* y, float* out, int64_t n, const KernelContext& ctx) {
  const bool stream = simd::stream_stores(size_t(n) * sizeof(float));
  for_chunks(n, 12, ctx, [&](int64_t b, int64_t e) { simd::mul_f32(x + b, y + b, out + b, size_t(e - b), stream); });
}

void squared_difference_f32_parallel(const float* x, const float* y, float* out, int64_t n,
                                     const KernelContext& ctx) {
  const bool stream = simd::stream_stores(size_t(n) * sizeof(float));
  for_chunks(n, 12, ctx, [&](int64_t b, int64_t e) {
    simd::squared_difference_f32(x + b, y + b, out + b, size_t(e - b), stream);
  });
}

void quantize_f32_parallel(const float* x, float scale, int8_t* q, int64_t n, const KernelContext& ctx) {
  const bool stream = simd::stream_stores(size_t(n));
  for_chunks(n, 5, ctx, [&](int64_t b, int64_t e) { simd::quantize_f32(x + b, scale, q + b, size_t(e - b), stream); });
}

void dequantize_i8_parallel(const int8_t* q, float scale, float* x, int64_t n, const KernelContext& ctx) {
  const bool stream = simd::stream_stores(size_t(n) * sizeof(float));
  for_chunks(n, 5, ctx, [&](int64_t b, int64_t e) { simd::dequantize_i8(q + b, scale, x + b, size_t(e - b), stream); });
}

void dequantize_i32_parallel(const int32_t* q, float scale, float* x, int64_t n, const KernelContext& ctx) {
  const bool stream = simd::stream_stores(size_t(n) * sizeof(float));
  for_chunks(n, 8, ctx, [&](int64_t b, int64_t e) { simd::dequantize_i32(q + b, scale, x + b, size_t(e - b), stream); });
}

}  // namespace hk::cpu
