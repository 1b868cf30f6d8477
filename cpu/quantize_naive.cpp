// Quantize and dequantize, naive: the reference semantics.
//
// quantize: v = x / scale (IEEE division, not a reciprocal multiply, so every backend gets
// the same v), clamped to [−127, 127] while still a float, then rounded half to even.
// Clamping first makes the conversion well defined for any input (the course's
// astype(int8) wrapped 200 to −56; here it saturates to 127). NaN maps to 0. Both the
// division and the rounding happen in round-to-nearest, whatever mode the caller set.
#include <cmath>

#include "common/src/round_to_nearest.hpp"
#include "hk/registry.hpp"

namespace hk::cpu {

void quantize_f32_naive(const float* x, float scale, int8_t* q, int64_t n, const KernelContext&) {
  hk::detail::RoundToNearest nearest;
  for (int64_t i = 0; i < n; ++i) {
    float v = x[i] / scale;
    v = std::isnan(v) ? 0.0f : std::fmin(std::fmax(v, -127.0f), 127.0f);
    q[i] = static_cast<int8_t>(std::nearbyint(v));  // round to nearest: half to even
  }
}

void dequantize_i8_naive(const int8_t* q, float scale, float* x, int64_t n, const KernelContext&) {
  for (int64_t i = 0; i < n; ++i) x[i] = static_cast<float>(q[i]) * scale;
}

void dequantize_i32_naive(const int32_t* q, float scale, float* x, int64_t n, const KernelContext&) {
  for (int64_t i = 0; i < n; ++i) x[i] = static_cast<float>(q[i]) * scale;
}

}  // namespace hk::cpu
