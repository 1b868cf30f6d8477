// matmul i8×i8→i32, naive: the definition, accumulated exactly.
// Products of two int8 fit in 15 bits; the sum is kept in int64 and narrowed once, so the
// result is exact whenever it fits in int32 (always for K ≤ 131,071, −128 included) and
// otherwise wraps modulo 2³² — the same answer every hk backend gives, never C++'s
// undefined signed overflow.
#include "hk/registry.hpp"

namespace hk::cpu {

// a: (m, k), b: (k, n), c: (m, n), row-major.
void matmul_i8_naive(const int8_t* a, const int8_t* b, int32_t* c, int64_t m, int64_t k, int64_t n,
                     const KernelContext&) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      int64_t acc = 0;
      for (int64_t p = 0; p < k; ++p) acc += int32_t{a[i * k + p]} * int32_t{b[p * n + j]};
      c[i * n + j] = static_cast<int32_t>(acc);  // C++20: modular narrowing
    }
}

}  // namespace hk::cpu
