// linear, naive: one dot product per output, then the epilogue (bias, relu; for int8 the
// dequantization) on each row's sums — the teaching baseline of a fused layer, and the
// plainest statement of what the fast variants compute.
#include "cpu/gemm_epilogue.hpp"

namespace hk::cpu {

namespace {

template <class T, class Acc>
void linear_naive(const T* x, const T* w, float* out, int64_t m, int64_t k, int64_t n, bool w_out_in,
                  const Epilogue& e) {
  Acc sums[64];
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j0 = 0; j0 < n; j0 += 64) {
      const int64_t len = std::min<int64_t>(64, n - j0);
      for (int64_t j = 0; j < len; ++j) {
        Acc s = 0;
        for (int64_t p = 0; p < k; ++p)
          s += static_cast<Acc>(x[i * k + p]) * static_cast<Acc>(w_out_in ? w[(j0 + j) * k + p] : w[p * n + j0 + j]);
        sums[j] = s;
      }
      finish_tile<Acc>(sums, len, nullptr, out + i * n + j0, n, 1, len, epilogue_at(e, j0));
    }
}

}  // namespace

void linear_f32_naive(const float* x, const float* w, float* out, int64_t m, int64_t k, int64_t n, bool w_out_in,
                      const Epilogue& e, const KernelContext&) {
  linear_naive<float, float>(x, w, out, m, k, n, w_out_in, e);
}

// |Σ| ≤ 128²·K < 2³¹ for the K linear accepts: int32 never overflows.
void linear_i8_naive(const int8_t* x, const int8_t* w, float* out, int64_t m, int64_t k, int64_t n, bool w_out_in,
                     const Epilogue& e, const KernelContext&) {
  linear_naive<int8_t, int32_t>(x, w, out, m, k, n, w_out_in, e);
}

}  // namespace hk::cpu
