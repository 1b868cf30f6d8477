// matmul, naive: one dot product per output element, exactly the definition
//   c[i][j] = Σ_k a[i][k] · b[k][j].
// The inner loop walks b down a column, n floats apart: every step touches a new cache
// line, and for n ≥ 1024 the column doesn't even stay in L1 between rows. That is why it is
// the slowest rung; `blocked` fixes the access pattern, `simd` the arithmetic.
#include "hk/registry.hpp"

namespace hk::cpu {

// a: (m, k), b: (k, n), c: (m, n), row-major.
void matmul_f32_naive(const float* a, const float* b, float* c, int64_t m, int64_t k, int64_t n,
                      const KernelContext&) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      float acc = 0.0f;
      for (int64_t p = 0; p < k; ++p) acc += a[i * k + p] * b[p * n + j];
      c[i * n + j] = acc;
    }
}

}  // namespace hk::cpu
