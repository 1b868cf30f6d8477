// An f32 operand's symmetric int8 quantization in one call on the thread pool: what linear
// does to an f32 x before its int8 product (dynamic quantization, hk/ops.hpp), and the
// max|x| behind hk::symmetric_scale.
#pragma once

#include <cstdint>

namespace hk::cpu {

// symmetric_scale's rule (hk/ops.hpp) from max|x|: max / 127; 1 for an all-zero x; the least
// positive float where max / 127 underflows, so that the scale stays positive.
float symmetric_scale_of(float max_abs);

// max|x| over up to `threads` threads (exact in any order: the split never shows);
// non_finite is set when x holds NaN or ±inf.
float max_abs_f32_threads(const float* x, int64_t n, int threads, bool& non_finite);

// x (n) quantized with `scale`, or with symmetric_scale(x) where scale is 0: the bits of
// hk::quantize(x, scale), in the calling thread's scratch (pack_scratch slot 3), valid until
// its next call here. q is null, and nothing quantized, when scale is 0 and x holds NaN or
// ±inf.
struct QuantizedX {
  const int8_t* q = nullptr;
  float scale = 0;
};
QuantizedX quantize_dynamic_f32(const float* x, int64_t n, float scale, int threads);

}  // namespace hk::cpu
