// f32 GEMV: a matrix times a vector, the matmul of a layer at batch 1 (M = 1) or of a
// matrix with one column (N = 1), streaming the matrix once in the caller's layout.
//
// Why not the packed GEMM: a GEMV uses each matrix element once, so it is bound by reading
// the matrix. Packing reads it, writes a copy and reads the copy again; here each element is
// read once, as a contiguous stream the prefetcher follows.
//
// x · B (M = 1): B is row-major, so a row of B is a contiguous stream and x[p] scales all of
// it. Rows are taken four at a time and added into the partial sums of a block of columns
// that stays in L1 (y += x[p]·B[p] + … + x[p+3]·B[p+3]), so the sums are loaded and stored
// once per four rows while B streams past. Blocks of columns keep those sums in L1 when N is
// long; each block walks all of K.
//
// A · x (N = 1): each row of A dotted with x, four rows at a time so that one load of x
// feeds four FMAs, two accumulators per row for the FMA latency, summed across lanes at
// the end.
//
// Written once with Highway and compiled for every target (MulAdd → FMA where the target
// has it); the order of the sums differs from the packed GEMM's, and both stay within the
// 2·K·u bound of docs/design.md. What limits it: memory bandwidth for a large matrix
// (gemm_shape.cpp splits the work over threads when it is large enough to pay for them).

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "cpu/gemv_f32.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <algorithm>
#include <type_traits>

#include "cpu/gemm_shape.hpp"

HWY_BEFORE_NAMESPACE();
namespace hk::cpu::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Columns whose partial sums stay in L1 (beside the four B rows streaming past) while K runs.
constexpr int64_t kColumnBlock = 2048;

void GemvRowF32(const float* HWY_RESTRICT x, const float* HWY_RESTRICT b, int64_t ldb, float* HWY_RESTRICT y,
                int64_t k, int64_t n) {
  const hn::ScalableTag<float> d;
  using V = hn::Vec<decltype(d)>;
  const auto L = static_cast<int64_t>(hn::Lanes(d));
  for (int64_t j0 = 0; j0 < n; j0 += kColumnBlock) {
    const int64_t w = std::min(kColumnBlock, n - j0), wv = w / L * L;
    float* yb = y + j0;
    const float* bb = b + j0;
    std::fill(yb, yb + w, 0.0f);
    int64_t p = 0;
    for (; p + 4 <= k; p += 4) {
      const float* r0 = bb + p * ldb;
      const float *r1 = r0 + ldb, *r2 = r1 + ldb, *r3 = r2 + ldb;
      const V x0 = hn::Set(d, x[p]), x1 = hn::Set(d, x[p + 1]), x2 = hn::Set(d, x[p + 2]), x3 = hn::Set(d, x[p + 3]);
      int64_t j = 0;
      for (; j < wv; j += L) {
        V s = hn::MulAdd(x0, hn::LoadU(d, r0 + j), hn::LoadU(d, yb + j));
        s = hn::MulAdd(x1, hn::LoadU(d, r1 + j), s);
        s = hn::MulAdd(x2, hn::LoadU(d, r2 + j), s);
        s = hn::MulAdd(x3, hn::LoadU(d, r3 + j), s);
        hn::StoreU(s, d, yb + j);
      }
      for (; j < w; ++j) {  // the columns past the last whole vector
        float s = yb[j] + x[p] * r0[j];
        s += x[p + 1] * r1[j];
        s += x[p + 2] * r2[j];
        yb[j] = s + x[p + 3] * r3[j];
      }
    }
    for (; p < k; ++p) {  // the rows past the last group of four
      const float* r0 = bb + p * ldb;
      const V x0 = hn::Set(d, x[p]);
      int64_t j = 0;
      for (; j < wv; j += L) hn::StoreU(hn::MulAdd(x0, hn::LoadU(d, r0 + j), hn::LoadU(d, yb + j)), d, yb + j);
      for (; j < w; ++j) yb[j] += x[p] * r0[j];
    }
  }
}

void GemvColF32(const float* HWY_RESTRICT a, int64_t lda, const float* HWY_RESTRICT x, float* HWY_RESTRICT y,
                int64_t m, int64_t k) {
  const hn::ScalableTag<float> d;
  using V = hn::Vec<decltype(d)>;
  const auto L = static_cast<int64_t>(hn::Lanes(d));
  const int64_t kv = k / (2 * L) * (2 * L);
  constexpr int R = 4;  // rows per pass
  int64_t i = 0;
  auto rows = [&](auto rows_tag) {
    constexpr int NR = decltype(rows_tag)::value;
    const float* r[NR];
    for (int t = 0; t < NR; ++t) r[t] = a + (i + t) * lda;
    V acc0[NR], acc1[NR];
    for (int t = 0; t < NR; ++t) acc0[t] = acc1[t] = hn::Zero(d);
    int64_t p = 0;
    for (; p < kv; p += 2 * L) {
      const V x0 = hn::LoadU(d, x + p), x1 = hn::LoadU(d, x + p + L);
      for (int t = 0; t < NR; ++t) {
        acc0[t] = hn::MulAdd(hn::LoadU(d, r[t] + p), x0, acc0[t]);
        acc1[t] = hn::MulAdd(hn::LoadU(d, r[t] + p + L), x1, acc1[t]);
      }
    }
    for (int t = 0; t < NR; ++t) {
      float s = hn::GetLane(hn::SumOfLanes(d, hn::Add(acc0[t], acc1[t])));
      for (int64_t q = p; q < k; ++q) s += r[t][q] * x[q];  // the k tail
      y[i + t] = s;
    }
  };
  for (; i + R <= m; i += R) rows(std::integral_constant<int, R>{});
  for (; i < m; ++i) rows(std::integral_constant<int, 1>{});
}

}  // namespace hk::cpu::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace hk::cpu {
HWY_EXPORT(GemvRowF32);
HWY_EXPORT(GemvColF32);

void gemv_f32_row(const float* x, const float* b, int64_t ldb, float* y, int64_t k, int64_t n) {
  HWY_DYNAMIC_DISPATCH(GemvRowF32)(x, b, ldb, y, k, n);
}
void gemv_f32_col(const float* a, int64_t lda, const float* x, float* y, int64_t m, int64_t k) {
  HWY_DYNAMIC_DISPATCH(GemvColF32)(a, lda, x, y, m, k);
}
}  // namespace hk::cpu
#endif
