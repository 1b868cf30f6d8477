// Reductions, naive: one loop, accumulated in double.
// A float accumulator loses the small terms once the running sum is large (error grows like
// n·u); the product of two floats is exact in double and the double sum keeps ~29 more bits,
// so this is the accurate baseline the faster variants are judged against.
#include <cmath>

#include "hk/registry.hpp"

namespace hk::cpu {

double dot_f32_naive(const float* x, const float* y, int64_t n, const KernelContext&) {
  double acc = 0.0;
  for (int64_t i = 0; i < n; ++i) acc += static_cast<double>(x[i]) * static_cast<double>(y[i]);
  return acc;
}

double euclidean_distance_f32_naive(const float* x, const float* y, int64_t n, const KernelContext&) {
  double acc = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const double d = static_cast<double>(x[i]) - static_cast<double>(y[i]);
    acc += d * d;
  }
  return std::sqrt(acc);
}

}  // namespace hk::cpu
