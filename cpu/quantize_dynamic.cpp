// Dynamic quantization of an f32 operand over the thread pool: max|x| by chunks, the scale
// from it, then each chunk quantized with the simd kernel hk::quantize runs (quantize_simd.cpp),
// into a scratch buffer the calling thread keeps. So linear's int8 path costs two passes over
// x and no allocation per call, where a quantize call of its own allocated the int8 copy and
// paid a second call's checks and dispatch.
//
// Chunks and grains are the elementwise rungs' (elementwise_rungs.hpp): max|x| runs at the
// speed of reading x, quantizing at the pace of the exact division's steps.
#include "cpu/quantize_dynamic.hpp"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstddef>
#include <limits>

#include "cpu/elementwise_rungs.hpp"
#include "cpu/gemm_loops.hpp"
#include "cpu/simd_kernels.hpp"

namespace hk::cpu {

float symmetric_scale_of(float max_abs) {
  if (max_abs == 0) return 1.0f;
  const float scale = max_abs / 127.0f;
  return scale > 0 ? scale : std::numeric_limits<float>::denorm_min();
}

float max_abs_f32_threads(const float* x, int64_t n, int threads, bool& non_finite) {
  // Non-negative floats order as their bit patterns, so the chunks' maxima combine with an
  // integer max on the bits.
  std::atomic<uint32_t> max_bits{0};
  std::atomic<bool> any_non_finite{false};
  for_chunks(n, grain_units(sizeof(float)), KernelContext{.threads = threads}, [&](int64_t b, int64_t e) {
    bool nf = false;
    const float m = simd::max_abs_f32(x + b, static_cast<std::size_t>(e - b), nf);
    const auto bits = std::bit_cast<uint32_t>(m);
    for (uint32_t seen = max_bits.load(std::memory_order_relaxed);
         bits > seen && !max_bits.compare_exchange_weak(seen, bits, std::memory_order_relaxed);) {
    }
    if (nf) any_non_finite.store(true, std::memory_order_relaxed);
  });
  non_finite = any_non_finite.load(std::memory_order_relaxed);
  return std::bit_cast<float>(max_bits.load(std::memory_order_relaxed));
}

QuantizedX quantize_dynamic_f32(const float* x, int64_t n, float scale, int threads) {
  if (scale == 0) {
    bool non_finite = false;
    const float m = max_abs_f32_threads(x, n, threads, non_finite);
    if (non_finite) return {};
    scale = symmetric_scale_of(m);
  }
  auto* q = static_cast<int8_t*>(pack_scratch(3, static_cast<std::size_t>(std::max<int64_t>(n, 1))));
  for_chunks(n, kQuantizeGrainUnits, KernelContext{.threads = threads}, [&](int64_t b, int64_t e) {
    simd::quantize_f32(x + b, scale, q + b, static_cast<std::size_t>(e - b), false);
  });
  return {q, scale};
}

}  // namespace hk::cpu
