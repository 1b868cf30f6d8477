// GEMV: a matrix times a vector, the matmul of a layer at batch 1 (M = 1) or of a matrix
// with one column (N = 1), f32 and int8 → exact int32, streaming the matrix once in the
// caller's layout.
//
// Why not the packed GEMM: a GEMV uses each matrix element once, so it is bound by reading
// the matrix. Packing reads it, writes a copy and reads the copy again; here each element is
// read once, as a contiguous stream the prefetcher follows.
//
// x · B (M = 1): B is row-major, so a row of B is a contiguous stream and x[p] scales all of
// it. A B that fits in L2 (a layer's weights) is swept by blocks of up to eight vectors of
// columns (four for short f32 rows on AVX-512) whose sums stay in registers for all of K;
// f32 on AVX2 and AVX-512 reads the columns past the last whole vector through a lane mask
// in the last sweep (a classifier head's 10 outputs are one sweep, not two).
// A larger B is streamed row by row: rows are taken sixteen (or eight) at a time and added
// into the partial sums of a block of columns that stays in the caches (y += x[p]·B[p] + …
// + x[p+15]·B[p+15]), so the sums are loaded and stored once per sixteen rows while B
// streams past. The block is wide enough that B's rows stream whole; only a very wide B is
// cut into blocks, each walking all of K.
//
// A · x (N = 1): each row of A dotted with x, with several accumulators per row for the
// multiply-add latency, summed across lanes at the end. f32 takes one row at a time, so A is
// read as one stream; int8 takes four rows at a time, so one widened load of x feeds four.
//
// f32 multiplies with MulAdd (FMA where the target has it); the order of the sums differs
// from the packed GEMM's, and both stay within the 2·K·u bound of docs/design.md. int8 is
// sign-extended to an int32 lane as it is loaded (vpmovsxbd) and multiplied in int32
// (|a·b| ≤ 2¹⁴), the sums wrapping modulo 2³² like every int32 sum in hk — exact for the K
// the op allows. That is more instructions per multiply-add than the packed kernels'
// vpmaddwd pairs or vpdpbusd quads, but those need consecutive k values side by side, which
// for x · B means interleaving rows of B: the packing a GEMV cannot amortize. On CPUs with
// AVX512-VNNI, x · B with B in L2 interleaves in registers instead, as B streams past, and
// runs on vpdpbusd (gemv_i8_vnni_avx512.cpp).
//
// Written once with Highway for every target, SCALAR included. What limits it: memory
// bandwidth for a large matrix (gemm_shape.cpp splits the work over threads when it is
// large enough to pay for them).

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "cpu/gemv.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/cache_control.h>
#include <hwy/highway.h>

#include <algorithm>
#include <type_traits>
#include <utility>

#include "cpu/gemm_shape.hpp"
#include "hk/cpu_features.hpp"

#include "cpu/gemm_f32_tile-inl.h"  // kMaskedLoads

HWY_BEFORE_NAMESPACE();
namespace hk::cpu::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Columns whose partial sums stay in the caches (32 KiB of f32: L1 or L2) while K runs.
// Wide, so that B's rows of up to this many columns stream whole: memory is read fastest
// as long contiguous runs, not as a row's halves in two sweeps.
constexpr int64_t kColumnBlock = 8192;
// Rows of a large B streamed together past those sums: sixteen where the target has 32
// vector registers (one broadcast of x per row stays in a register), eight elsewhere. More
// streams keep more of memory's bandwidth busy than four did.
#if HWY_TARGET <= HWY_AVX3
constexpr int kStreamRows = 16;
#else
constexpr int kStreamRows = 8;
#endif

// Rows ahead of the register blocks' multiply-adds that their software prefetch reaches.
constexpr int64_t kGemvPrefetchRows = 8;

// The element type's loads and multiply-adds: T is the input type, Acc the result's.
template <class T> struct Elem;
template <> struct Elem<float> {
  using Acc = float;
  // A · x: one row at a time (A read as one stream), four accumulators for the latency.
  static constexpr int kColRows = 1, kColAccs = 4;
  using D = hn::ScalableTag<float>;
  static hn::Vec<D> Load(D d, const float* p) { return hn::LoadU(d, p); }
  static hn::Vec<D> MulAcc(hn::Vec<D> x, hn::Vec<D> b, hn::Vec<D> acc) { return hn::MulAdd(x, b, acc); }
  static float Scalar(float acc, float x, float b) { return acc + x * b; }
  static float Sum(D d, hn::Vec<D> v) { return hn::GetLane(hn::SumOfLanes(d, v)); }
};
template <> struct Elem<int8_t> {
  using Acc = int32_t;
  // A · x: four rows share each widened load of x (the widening costs more than the stream).
  static constexpr int kColRows = 4, kColAccs = 2;
  using D = hn::ScalableTag<int32_t>;
  static hn::Vec<D> Load(D d, const int8_t* p) { return hn::PromoteTo(d, hn::LoadU(hn::Rebind<int8_t, D>(), p)); }
  static hn::Vec<D> MulAcc(hn::Vec<D> x, hn::Vec<D> b, hn::Vec<D> acc) { return hn::Add(acc, hn::Mul(x, b)); }
  // Unsigned: the wrapping sum without signed-overflow UB.
  static int32_t Scalar(int32_t acc, int8_t x, int8_t b) {
    return static_cast<int32_t>(static_cast<uint32_t>(acc) + static_cast<uint32_t>(int32_t{x} * int32_t{b}));
  }
  // The lanes' sum, wrapping like the vector adds (the horizontal-add intrinsics add signed).
  static int32_t Sum(D d, hn::Vec<D> v) {
    HWY_ALIGN int32_t lanes[hn::MaxLanes(D())];
    hn::Store(v, d, lanes);
    uint32_t s = 0;
    for (size_t l = 0; l < hn::Lanes(d); ++l) s += static_cast<uint32_t>(lanes[l]);
    return static_cast<int32_t>(s);
  }
};

// y (NV vectors of columns) = x (k) · b (k × NV vectors): the sums stay in registers while
// all of K runs, so each row of B costs NV loads and NV multiply-adds and y is stored once.
//
// x[p] reaches the multiply-adds from a register: x is loaded a vector at a time and each
// lane broadcast with a lane permute (vpermps, vpermd) where AVX2 and AVX-512 have one. A
// broadcast load per row, beside B's stream from L2, slows that stream measurably. The loop
// over a vector's lanes stays rolled: unrolled, it reads B more slowly too.
//
// Masked (f32 on kMaskedLoads targets): the last vector holds `last` columns (1 … L), read
// and stored through a lane mask, so a row's columns past its whole vectors join the same
// sweep of K instead of a scalar one.
template <int NV, bool Masked, class T>
void GemvRowRegisters(const T* HWY_RESTRICT x, const T* HWY_RESTRICT b, int64_t ldb,
                      typename Elem<T>::Acc* HWY_RESTRICT y, int64_t k, int64_t last) {
  using E = Elem<T>;
  const typename E::D d;
  const auto L = static_cast<int64_t>(hn::Lanes(d));
  static_assert(!Masked || std::is_same_v<T, float>, "masked loads are f32's");
  const auto mask = hn::FirstN(d, static_cast<size_t>(last));
  hn::Vec<typename E::D> acc[NV];
  for (int v = 0; v < NV; ++v) acc[v] = hn::Zero(d);
  const auto row_step = [&](hn::Vec<typename E::D> xp, int64_t p) {
    const T* row = b + p * ldb;
#if HWY_TARGET > HWY_AVX3
    // The block's part of the row kGemvPrefetchRows ahead, a line at a time (clamped to the
    // last row): with 16 vector registers the block is at most 256 bytes of each row, a
    // short strided run that the hardware prefetchers fetch from L2 too late.
    const T* ahead = b + std::min(p + kGemvPrefetchRows, k - 1) * ldb;
    const int64_t span = Masked ? (NV - 1) * L + last : NV * L;  // a constant trip count unmasked
    for (int64_t o = 0; o < span; o += 64 / static_cast<int64_t>(sizeof(T))) hwy::Prefetch(ahead + o);
#endif
    for (int v = 0; v < NV; ++v) {
      if constexpr (Masked) {
        if (v == NV - 1) {
          acc[v] = E::MulAcc(xp, hn::MaskedLoad(mask, d, row + v * L), acc[v]);
          continue;
        }
      }
      acc[v] = E::MulAcc(xp, E::Load(d, row + v * L), acc[v]);
    }
  };
  int64_t p = 0;
#if HWY_TARGET <= HWY_AVX2
  const hn::RebindToSigned<decltype(d)> di;
  const auto one = hn::Set(di, 1);
  for (; p + L <= k; p += L) {
    const auto xv = E::Load(d, x + p);
    auto lane = hn::Zero(di);
#pragma GCC unroll 1
    for (int64_t q = 0; q < L; ++q) {
      row_step(hn::TableLookupLanes(xv, hn::IndicesFromVec(d, lane)), p + q);
      lane = hn::Add(lane, one);
    }
  }
#endif
  for (; p < k; ++p) row_step(hn::Set(d, typename E::Acc(x[p])), p);
  for (int v = 0; v < NV; ++v) {
    if constexpr (Masked) {
      if (v == NV - 1) {
        hn::BlendedStore(acc[v], mask, d, y + v * L);
        continue;
      }
    }
    hn::StoreU(acc[v], d, y + v * L);
  }
}

// y (rest columns, 1 … 8 vectors' worth) = x · b in one sweep of K: whole vectors, then a last
// one through a lane mask.
template <int... NV>
void GemvRowRest(std::integer_sequence<int, NV...>, const float* HWY_RESTRICT x, const float* HWY_RESTRICT b,
                 int64_t ldb, float* HWY_RESTRICT y, int64_t k, int64_t rest) {
  const hn::ScalableTag<float> d;
  const auto L = static_cast<int64_t>(hn::Lanes(d));
  const int64_t vectors = (rest + L - 1) / L, last = rest - (vectors - 1) * L;
  ((vectors == NV + 1 ? GemvRowRegisters<NV + 1, true>(x, b, ldb, y, k, last) : void()), ...);
}

// Whether an f32 B in L2 is swept 256 bytes of each row at a time (four 512-bit vectors), not
// 512: x86 cores with AVX-512 read such a B from L2 faster in the narrower passes while its
// rows are short (1 KiB at most, several to a 4 KiB page, which the prefetchers do not leave).
// Longer rows, and a B in L1 (where four sums per pass would wait on the multiply-add's
// latency), keep the wide passes.
template <class T, class D>
bool NarrowPasses(D d, int64_t k, int64_t n, int64_t ldb) {
  if (!std::is_same_v<T, float> || hn::Lanes(d) != 16) return false;
  const int64_t l1 = cpu_features().l1d_bytes > 0 ? cpu_features().l1d_bytes : 32 << 10;
  return ldb * static_cast<int64_t>(sizeof(T)) <= 1024 && k * n * static_cast<int64_t>(sizeof(T)) > l1;
}

// Matrices up to kGemvRegisterBlockBytes (gemm_shape.hpp) take the register blocks above;
// larger ones stream row by row past a block of sums in L1 (below), the order in which the
// prefetcher reads a matrix from memory fastest.

// y (n) = x (k) · b (k × n, row stride ldb).
template <class T>
void GemvRow(const T* HWY_RESTRICT x, const T* HWY_RESTRICT b, int64_t ldb, typename Elem<T>::Acc* HWY_RESTRICT y,
             int64_t k, int64_t n) {
  using E = Elem<T>;
  using Acc = typename E::Acc;
  const typename E::D d;
  const auto L = static_cast<int64_t>(hn::Lanes(d));
  if (k <= 0) {  // an empty sum; B may then be a null pointer, which no offset may touch
    std::fill(y, y + n, Acc{0});
    return;
  }
  if (k * n * static_cast<int64_t>(sizeof(T)) <= kGemvRegisterBlockBytes) {
    int64_t j = 0;
    if (NarrowPasses<T>(d, k, n, ldb))
      for (; j + 4 * L <= n; j += 4 * L) GemvRowRegisters<4, false>(x, b + j, ldb, y + j, k, L);
    for (; j + 8 * L <= n; j += 8 * L) GemvRowRegisters<8, false>(x, b + j, ldb, y + j, k, L);
    if constexpr (std::is_same_v<T, float> && kMaskedLoads) {
      if (j < n) GemvRowRest(std::make_integer_sequence<int, 8>{}, x, b + j, ldb, y + j, k, n - j);
      return;
    }
    if (j + 4 * L <= n) GemvRowRegisters<4, false>(x, b + j, ldb, y + j, k, L), j += 4 * L;
    if (j + 2 * L <= n) GemvRowRegisters<2, false>(x, b + j, ldb, y + j, k, L), j += 2 * L;
    if (j + L <= n) GemvRowRegisters<1, false>(x, b + j, ldb, y + j, k, L), j += L;
    if (j < n) {  // int8's (and unmasked targets') columns past the last whole vector, row by row
      const int64_t t = n - j;
      Acc s[hn::MaxLanes(d)] = {};
      for (int64_t p = 0; p < k; ++p)
        for (int64_t c = 0; c < t; ++c) s[c] = E::Scalar(s[c], x[p], b[p * ldb + j + c]);
      std::copy(s, s + t, y + j);
    }
    return;
  }
  for (int64_t j0 = 0; j0 < n; j0 += kColumnBlock) {
    const int64_t w = std::min(kColumnBlock, n - j0), wv = w / L * L;
    Acc* yb = y + j0;
    const T* bb = b + j0;
    std::fill(yb, yb + w, Acc{0});
    int64_t p = 0;
    // R rows per pass over the block's sums: R streams of B in flight at once, and the sums
    // loaded and stored once per R rows. kStreamRows first, then four, then one at a time.
    const auto pass = [&](auto rows_tag) {
      constexpr int R = decltype(rows_tag)::value;
      for (; p + R <= k; p += R) {
        const T* r[R];
        hn::Vec<typename E::D> xs[R];
#pragma GCC unroll 16
        for (int t = 0; t < R; ++t) r[t] = bb + (p + t) * ldb, xs[t] = hn::Set(d, Acc(x[p + t]));
        int64_t j = 0;
        for (; j < wv; j += L) {
          auto s0 = hn::LoadU(d, yb + j), s1 = hn::Zero(d);
#pragma GCC unroll 32
          for (int t = 0; t < R; t += 2) {
            s0 = E::MulAcc(xs[t], E::Load(d, r[t] + j), s0);
            s1 = E::MulAcc(xs[t + 1], E::Load(d, r[t + 1] + j), s1);
          }
          hn::StoreU(hn::Add(s0, s1), d, yb + j);
        }
        for (; j < w; ++j)  // the columns past the last whole vector
          for (int t = 0; t < R; ++t) yb[j] = E::Scalar(yb[j], x[p + t], r[t][j]);
      }
    };
    pass(std::integral_constant<int, kStreamRows>());
    pass(std::integral_constant<int, 4>());
    for (; p < k; ++p) {  // the rows past the last group of four
      const T* r0 = bb + p * ldb;
      const auto x0 = hn::Set(d, Acc(x[p]));
      int64_t j = 0;
      for (; j < wv; j += L) hn::StoreU(E::MulAcc(x0, E::Load(d, r0 + j), hn::LoadU(d, yb + j)), d, yb + j);
      for (; j < w; ++j) yb[j] = E::Scalar(yb[j], x[p], r0[j]);
    }
  }
}

// y (m) = a (m × k, row stride lda) · x (k).
template <class T>
void GemvCol(const T* HWY_RESTRICT a, int64_t lda, const T* HWY_RESTRICT x, typename Elem<T>::Acc* HWY_RESTRICT y,
             int64_t m, int64_t k) {
  using E = Elem<T>;
  using Acc = typename E::Acc;
  using V = hn::Vec<typename E::D>;
  const typename E::D d;
  const auto L = static_cast<int64_t>(hn::Lanes(d));
  int64_t i = 0;
  auto rows = [&](auto rows_tag, auto acc_tag) {
    constexpr int NR = decltype(rows_tag)::value, NA = decltype(acc_tag)::value;
    const int64_t kv = k / (NA * L) * (NA * L);
    const T* r[NR];
    for (int t = 0; t < NR; ++t) r[t] = a + (i + t) * lda;
    V acc[NR][NA];
    for (int t = 0; t < NR; ++t)
      for (int u = 0; u < NA; ++u) acc[t][u] = hn::Zero(d);
    int64_t p = 0;
    for (; p < kv; p += NA * L) {
      V xv[NA];
      for (int u = 0; u < NA; ++u) xv[u] = E::Load(d, x + p + u * L);
      for (int t = 0; t < NR; ++t)
        for (int u = 0; u < NA; ++u) acc[t][u] = E::MulAcc(E::Load(d, r[t] + p + u * L), xv[u], acc[t][u]);
    }
    for (; p + L <= k; p += L) {
      const V xv = E::Load(d, x + p);
      for (int t = 0; t < NR; ++t) acc[t][0] = E::MulAcc(E::Load(d, r[t] + p), xv, acc[t][0]);
    }
    for (int t = 0; t < NR; ++t) {
      V sum = acc[t][0];
      for (int u = 1; u < NA; ++u) sum = hn::Add(sum, acc[t][u]);
      Acc s = E::Sum(d, sum);
      for (int64_t q = p; q < k; ++q) s = E::Scalar(s, r[t][q], x[q]);  // the k tail
      y[i + t] = s;
    }
  };
  using Rows = std::integral_constant<int, E::kColRows>;
  using Accs = std::integral_constant<int, E::kColAccs>;
  for (; i + E::kColRows <= m; i += E::kColRows) rows(Rows{}, Accs{});
  for (; i < m; ++i) rows(std::integral_constant<int, 1>{}, Accs{});
}

void GemvRowF32(const float* x, const float* b, int64_t ldb, float* y, int64_t k, int64_t n) {
  GemvRow(x, b, ldb, y, k, n);
}
void GemvColF32(const float* a, int64_t lda, const float* x, float* y, int64_t m, int64_t k) {
  GemvCol(a, lda, x, y, m, k);
}
void GemvRowI8(const int8_t* x, const int8_t* b, int64_t ldb, int32_t* y, int64_t k, int64_t n) {
  GemvRow(x, b, ldb, y, k, n);
}
void GemvColI8(const int8_t* a, int64_t lda, const int8_t* x, int32_t* y, int64_t m, int64_t k) {
  GemvCol(a, lda, x, y, m, k);
}

}  // namespace hk::cpu::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace hk::cpu {
HWY_EXPORT(GemvRowF32);
HWY_EXPORT(GemvColF32);
HWY_EXPORT(GemvRowI8);
HWY_EXPORT(GemvColI8);

void gemv_f32_row(const float* x, const float* b, int64_t ldb, float* y, int64_t k, int64_t n) {
  HWY_DYNAMIC_DISPATCH(GemvRowF32)(x, b, ldb, y, k, n);
}
void gemv_f32_col(const float* a, int64_t lda, const float* x, float* y, int64_t m, int64_t k) {
  HWY_DYNAMIC_DISPATCH(GemvColF32)(a, lda, x, y, m, k);
}
void gemv_i8_row_portable(const int8_t* x, const int8_t* b, int64_t ldb, int32_t* y, int64_t k, int64_t n) {
  HWY_DYNAMIC_DISPATCH(GemvRowI8)(x, b, ldb, y, k, n);
}
bool vnni_zmm(int64_t k) {
  const CpuFeatures& f = cpu_features();  // after the HK_CPU_ISA cap
  return f.avx512vnni && f.avx512bw && k > 0;
}
bool vnni_register_blocks(int64_t k, int64_t n) { return vnni_zmm(k) && k * n <= kGemvRegisterBlockBytes; }
bool pairs_ymm(int64_t k) { return cpu_features().avx2 && !vnni_zmm(k) && k > 0; }
bool pairs_register_blocks(int64_t k, int64_t n) { return pairs_ymm(k) && n >= 16 && k * n <= kGemvRegisterBlockBytes; }
void gemv_i8_row(const int8_t* x, const int8_t* b, int64_t ldb, int32_t* y, int64_t k, int64_t n) {
  if (vnni_register_blocks(k, n)) {
    gemv_i8_row_vnni_zmm(x, b, ldb, y, k, n);
    return;
  }
  if (pairs_register_blocks(k, n)) {
    gemm_i8_rows_pairs_ymm(x, k, b, ldb, y, n, 1, k, n);
    return;
  }
  gemv_i8_row_portable(x, b, ldb, y, k, n);
}
void gemv_i8_col_portable(const int8_t* a, int64_t lda, const int8_t* x, int32_t* y, int64_t m, int64_t k) {
  HWY_DYNAMIC_DISPATCH(GemvColI8)(a, lda, x, y, m, k);
}
void gemv_i8_col(const int8_t* a, int64_t lda, const int8_t* x, int32_t* y, int64_t m, int64_t k) {
  if (vnni_zmm(k)) {
    gemm_i8_nt_vnni_zmm(x, k, a, lda, y, m, 1, k, m);  // x · aᵀ: one row against m
    return;
  }
  if (pairs_ymm(k)) {
    gemm_i8_nt_pairs_ymm(x, k, a, lda, y, m, 1, k, m);  // the same on int16 pairs
    return;
  }
  gemv_i8_col_portable(a, lda, x, y, m, k);
}
}  // namespace hk::cpu
#endif
