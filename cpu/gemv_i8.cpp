// int8 GEMV: i8 matrix times i8 vector → exact int32, for M = 1 (x · B) and N = 1 (A · x),
// streaming the matrix once in the caller's layout (why: gemv_f32.cpp, which this mirrors).
//
// Each int8 is sign-extended to an int32 lane as it is loaded (vpmovsxbd) and multiplied by
// the other operand's value in int32 (|a·b| ≤ 2¹⁴), the sums wrapping modulo 2³² like every
// int32 sum in hk — exact for the K the op allows. Widening costs more instructions per
// multiply-add than the packed kernels' vpmaddwd or vpdpbusd pairs and quads, but those need
// consecutive k values side by side, which for x · B means interleaving rows of B: the
// packing a GEMV cannot amortize. A GEMV of any size is bound by reading the matrix, which
// this does once, one byte per element.
//
// Written once with Highway (every target, SCALAR included).

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "cpu/gemv_i8.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <algorithm>
#include <type_traits>

#include "cpu/gemm_shape.hpp"

HWY_BEFORE_NAMESPACE();
namespace hk::cpu::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Columns whose int32 partial sums stay in L1 while K runs.
constexpr int64_t kColumnBlockI8 = 2048;

// a·b as the wrapping int32 sum wants it, without signed-overflow UB in the scalar tails.
inline uint32_t mul_u32(int8_t a, int8_t b) { return static_cast<uint32_t>(int32_t{a} * int32_t{b}); }

void GemvRowI8(const int8_t* HWY_RESTRICT x, const int8_t* HWY_RESTRICT b, int64_t ldb, int32_t* HWY_RESTRICT y,
               int64_t k, int64_t n) {
  const hn::ScalableTag<int32_t> d;
  const hn::Rebind<int8_t, decltype(d)> d8;  // one int8 per int32 lane
  using V = hn::Vec<decltype(d)>;
  const auto L = static_cast<int64_t>(hn::Lanes(d));
  auto load = [&](const int8_t* p) { return hn::PromoteTo(d, hn::LoadU(d8, p)); };
  for (int64_t j0 = 0; j0 < n; j0 += kColumnBlockI8) {
    const int64_t w = std::min(kColumnBlockI8, n - j0), wv = w / L * L;
    int32_t* yb = y + j0;
    const int8_t* bb = b + j0;
    std::fill(yb, yb + w, 0);
    int64_t p = 0;
    for (; p + 4 <= k; p += 4) {
      const int8_t* r0 = bb + p * ldb;
      const int8_t *r1 = r0 + ldb, *r2 = r1 + ldb, *r3 = r2 + ldb;
      const V x0 = hn::Set(d, x[p]), x1 = hn::Set(d, x[p + 1]), x2 = hn::Set(d, x[p + 2]), x3 = hn::Set(d, x[p + 3]);
      int64_t j = 0;
      for (; j < wv; j += L) {
        const V s01 = hn::Add(hn::Mul(x0, load(r0 + j)), hn::Mul(x1, load(r1 + j)));
        const V s23 = hn::Add(hn::Mul(x2, load(r2 + j)), hn::Mul(x3, load(r3 + j)));
        hn::StoreU(hn::Add(hn::LoadU(d, yb + j), hn::Add(s01, s23)), d, yb + j);
      }
      for (; j < w; ++j)  // the columns past the last whole vector
        yb[j] = static_cast<int32_t>(static_cast<uint32_t>(yb[j]) + mul_u32(x[p], r0[j]) + mul_u32(x[p + 1], r1[j]) +
                                     mul_u32(x[p + 2], r2[j]) + mul_u32(x[p + 3], r3[j]));
    }
    for (; p < k; ++p) {  // the rows past the last group of four
      const int8_t* r0 = bb + p * ldb;
      const V x0 = hn::Set(d, x[p]);
      int64_t j = 0;
      for (; j < wv; j += L) hn::StoreU(hn::Add(hn::LoadU(d, yb + j), hn::Mul(x0, load(r0 + j))), d, yb + j);
      for (; j < w; ++j) yb[j] = static_cast<int32_t>(static_cast<uint32_t>(yb[j]) + mul_u32(x[p], r0[j]));
    }
  }
}

void GemvColI8(const int8_t* HWY_RESTRICT a, int64_t lda, const int8_t* HWY_RESTRICT x, int32_t* HWY_RESTRICT y,
               int64_t m, int64_t k) {
  const hn::ScalableTag<int32_t> d;
  const hn::Rebind<int8_t, decltype(d)> d8;
  using V = hn::Vec<decltype(d)>;
  const auto L = static_cast<int64_t>(hn::Lanes(d));
  const int64_t kv = k / L * L;
  auto load = [&](const int8_t* p) { return hn::PromoteTo(d, hn::LoadU(d8, p)); };
  constexpr int R = 4;  // rows per pass, sharing each load of x
  int64_t i = 0;
  auto rows = [&](auto rows_tag) {
    constexpr int NR = decltype(rows_tag)::value;
    const int8_t* r[NR];
    for (int t = 0; t < NR; ++t) r[t] = a + (i + t) * lda;
    V acc[NR];
    for (int t = 0; t < NR; ++t) acc[t] = hn::Zero(d);
    int64_t p = 0;
    for (; p < kv; p += L) {
      const V xv = load(x + p);
      for (int t = 0; t < NR; ++t) acc[t] = hn::Add(acc[t], hn::Mul(load(r[t] + p), xv));
    }
    for (int t = 0; t < NR; ++t) {
      auto s = static_cast<uint32_t>(hn::GetLane(hn::SumOfLanes(d, acc[t])));
      for (int64_t q = p; q < k; ++q) s += mul_u32(r[t][q], x[q]);  // the k tail
      y[i + t] = static_cast<int32_t>(s);
    }
  };
  for (; i + R <= m; i += R) rows(std::integral_constant<int, R>{});
  for (; i < m; ++i) rows(std::integral_constant<int, 1>{});
}

}  // namespace hk::cpu::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace hk::cpu {
HWY_EXPORT(GemvRowI8);
HWY_EXPORT(GemvColI8);

void gemv_i8_row(const int8_t* x, const int8_t* b, int64_t ldb, int32_t* y, int64_t k, int64_t n) {
  HWY_DYNAMIC_DISPATCH(GemvRowI8)(x, b, ldb, y, k, n);
}
void gemv_i8_col(const int8_t* a, int64_t lda, const int8_t* x, int32_t* y, int64_t m, int64_t k) {
  HWY_DYNAMIC_DISPATCH(GemvColI8)(a, lda, x, y, m, k);
}
}  // namespace hk::cpu
#endif
