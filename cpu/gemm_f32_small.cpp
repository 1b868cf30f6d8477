// f32 small GEMM: the register-blocked tile of the packed GEMM run straight on the caller's
// row-major A and B, without packing (BLIS calls this "sup", skinny/unpacked).
//
// Why: packing pays when each packed panel is reused many times and the operands are too
// big for the caches. For a small product (a few layers' worth of an MLP, 64³, a handful
// of rows against a modest B) both operands already sit in L1 or L2, and the copies cost
// about as much as the arithmetic. Here each k step broadcasts MR values of A from MR rows
// of the caller's A and loads NV vectors of B from one row of the caller's B, into MR ×
// NV-vector accumulators (SmallShape below: the packed kernel's tile, or on Intel's AVX-512
// a wider one); A's rows and B's rows are read in order, which the prefetcher follows.
//
// At the right edge, a last block narrower than a vector is read and stored through a lane
// mask on AVX2 and AVX-512 (their masked loads never touch the masked-off lanes' memory);
// on the other targets it is copied into a zero-padded strip (K × one vector), so every load
// is a whole vector inside the strip and nothing past B's end is read. Results outside C are
// never stored (edge tiles go through a stack tile, as in the packed kernel). The rows are
// cut into tiles of nearly equal height, each run by the template for its row count, so no
// tile wastes multiply-adds on rows it does not store; a one-vector-wide block of columns
// takes tiles of twice the rows (kMR1), since each row then holds one accumulator.
//
// Limits: no K blocking, so the B block (K × NR) must come from L2 for each row tile, and A
// is read once per block of columns — why gemm_shape.cpp sends only small products here and
// everything larger to the packed GEMM.

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "cpu/gemm_f32_small.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>
#include <hwy/cache_control.h>

#include <algorithm>
#include <array>
#include <utility>

#include "cpu/gemm_loops.hpp"
#include "cpu/gemm_microkernel.hpp"
#include "cpu/gemm_shape.hpp"
#include "hk/cpu_features.hpp"

#include "cpu/gemm_f32_tile-inl.h"

HWY_BEFORE_NAMESPACE();
namespace hk::cpu::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

#if HK_F32_TWO_FORMS
// A's rows of a tile addressed as BLIS's sup kernels address them: groups of six rows from
// one base pointer, row r of a group at base + {0, 1, 2, 3, 4, 5}·lda through the index
// registers lda, 3·lda and 5·lda with scales 1, 2 and 4. A k step then costs no integer
// work per row; a pointer per row is a chain of adds the compiler rebuilds every step, and
// those adds take issue slots from the FMAs on the ports that run both.
#define HK_ROW_ADDRESS_0 "%c[o](%[p])"
#define HK_ROW_ADDRESS_1 "%c[o](%[p],%[i],1)"
#define HK_ROW_ADDRESS_2 "%c[o](%[p],%[i],2)"
#define HK_ROW_ADDRESS_3 "%c[o](%[p],%[i],1)"
#define HK_ROW_ADDRESS_4 "%c[o](%[p],%[i],4)"
#define HK_ROW_ADDRESS_5 "%c[o](%[p],%[i],1)"
// acc[v] += A[row R6 of the group at p][U] · bv[v] for every v, in the Folded form or not
// (gemm_f32_tile-inl.h); idx is the index register the row's address names.
#define HK_ROW_STEP(R6)                                                                                  \
  if constexpr (R % 6 == R6) {                                                                           \
    if constexpr (Folded) {                                                                              \
      _Pragma("GCC unroll 4") for (int v = 0; v < NVU; ++v)                                             \
        asm("vfmadd231ps " HK_ROW_ADDRESS_##R6 "%{1to16%}, %[b], %[a]"                                   \
            : [a] "+v"(acc[v].raw)                                                                       \
            : [b] "v"(bv[v].raw), [p] "r"(p), [i] "r"(idx), [o] "i"(4 * U));                             \
    } else {                                                                                             \
      V x;                                                                                               \
      asm("vbroadcastss " HK_ROW_ADDRESS_##R6 ", %[x]" : [x] "=v"(x.raw) : [p] "r"(p), [i] "r"(idx), [o] "i"(4 * U)); \
      _Pragma("GCC unroll 4") for (int v = 0; v < NVU; ++v) acc[v] = hn::MulAdd(x, bv[v], acc[v]);      \
    }                                                                                                    \
  }

template <int MRU, bool Folded>
class RowAddresses {
 public:
  RowAddresses(const float* a, int64_t lda) : l1_(lda * 4), l3_(lda * 12), l5_(lda * 20) {
#pragma GCC unroll 4
    for (int g = 0; g < kGroups; ++g) base_[g] = a + 6 * g * lda;
  }
  void advance(int64_t steps) {
#pragma GCC unroll 4
    for (int g = 0; g < kGroups; ++g) base_[g] += steps;
  }
  // acc[r][v] += A[r][U] · bv[v] for every row r: U is the k step's offset from the bases.
  template <int U, class V, int NVU>
  HWY_INLINE void step(V (&acc)[MRU][NVU], const V (&bv)[NVU]) const {
    rows<U>(acc, bv, std::make_integer_sequence<int, MRU>{});
  }

 private:
  static constexpr int kGroups = (MRU + 5) / 6;
  template <int U, class V, int NVU, int... R>
  HWY_INLINE void rows(V (&acc)[MRU][NVU], const V (&bv)[NVU], std::integer_sequence<int, R...>) const {
    (row<R, U>(acc[R], bv), ...);
  }
  template <int R, int U, class V, int NVU>
  HWY_INLINE void row(V (&acc)[NVU], const V (&bv)[NVU]) const {
    const float* p = base_[R / 6];
    const int64_t idx = R % 6 == 3 ? l3_ : R % 6 == 5 ? l5_ : l1_;
    HK_ROW_STEP(0) HK_ROW_STEP(1) HK_ROW_STEP(2) HK_ROW_STEP(3) HK_ROW_STEP(4) HK_ROW_STEP(5)
  }
  const float* base_[kGroups];
  int64_t l1_, l3_, l5_;  // bytes
};
#undef HK_ROW_STEP
#undef HK_ROW_ADDRESS_0
#undef HK_ROW_ADDRESS_1
#undef HK_ROW_ADDRESS_2
#undef HK_ROW_ADDRESS_3
#undef HK_ROW_ADDRESS_4
#undef HK_ROW_ADDRESS_5
#endif

// c (rows × cols of an MRU × NVU-vector tile, row stride ldc) = a (rows × k, lda) · b (k ×
// NVU vectors, ldb). rows == MRU: every row count has its own template (TileSet below).
// With an epilogue (a linear layer; its arrays start at this tile's first column) the bias
// and relu are applied on the registers; only a tile cut short on the right without masked
// stores leaves through the stack tile and finish_tile.
// Masked (one vector, cols < L): B's last columns read and C's stored through a lane mask
// instead of the zero-padded strip, on the targets whose masked loads never touch the
// masked-off lanes' memory (kMaskedLoads: AVX2, AVX-512).
// Folded: the broadcasts' form (gemm_f32_tile-inl.h); only kTwoBroadcastForms targets
// instantiate true.
// CopyB: each row of B the tile reads is also stored to `strip` (rows NU apart), so the first
// tile of rows copies its block of B for the others while its FMAs run (SmallGemm).

constexpr int64_t kCopyPrefetchRows = 8;

template <int MRU, int NVU, bool Masked, bool Folded, bool CopyB = false>
void SmallTile(int64_t k, const float* HWY_RESTRICT a, int64_t lda, const float* HWY_RESTRICT b, int64_t ldb,
               float* HWY_RESTRICT c, int64_t ldc, int64_t rows, int64_t cols, const Epilogue* ep,
               float* HWY_RESTRICT strip) {
  const hn::ScalableTag<float> d;
  using V = hn::Vec<decltype(d)>;
  constexpr int64_t L = static_cast<int64_t>(hn::MaxLanes(d));
  constexpr int64_t NU = NVU * L;
  static_assert(!Masked || (NVU == 1 && kMaskedLoads), "a masked tile is one vector wide");
  const auto mask = hn::FirstN(d, static_cast<size_t>(cols));
  V acc[MRU][NVU];
#pragma GCC unroll 32
  for (int r = 0; r < MRU; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NVU; ++v) acc[r][v] = hn::Zero(d);
  // The copying tile reads B where it lies, in L2 or L3 at best, at a stride the hardware
  // prefetchers follow late: it prefetches the row kCopyPrefetchRows ahead (its first and last
  // lines: the row's NU columns span two lines when B is not aligned), or none near B's end.
  auto ahead = [&](int64_t p) { return p + kCopyPrefetchRows < k ? kCopyPrefetchRows * ldb : int64_t{0}; };
  // Row i of the strip from where `strip` stands (null, and never offset, in the other tiles).
  auto strip_row = [&](int64_t i) { return CopyB ? strip + i * NU : nullptr; };
  auto load_b = [&](V (&bv)[NVU], const float* row, float* out, int64_t to_ahead) {
#pragma GCC unroll 4
    for (int v = 0; v < NVU; ++v) bv[v] = Masked ? hn::MaskedLoad(mask, d, row + v * L) : hn::LoadU(d, row + v * L);
    if constexpr (CopyB) {
#pragma GCC unroll 4
      for (int v = 0; v < NVU; ++v) hn::Store(bv[v], d, out + v * L);
      hwy::Prefetch(row + to_ahead);
      hwy::Prefetch(row + to_ahead + NU - 1);
    }
  };
#if HK_F32_TWO_FORMS
  // Four k steps per iteration: the bases and B's pointer advance once per four.
  RowAddresses<MRU, Folded> rows_of_a(a, lda);
  V bv[NVU];
  int64_t p = 0;
  for (; p + 4 <= k; p += 4) {
    const int64_t to_ahead = CopyB ? ahead(p + 3) : 0;
    load_b(bv, b, strip_row(0), to_ahead);
    rows_of_a.template step<0>(acc, bv);
    load_b(bv, b + ldb, strip_row(1), to_ahead);
    rows_of_a.template step<1>(acc, bv);
    load_b(bv, b + 2 * ldb, strip_row(2), to_ahead);
    rows_of_a.template step<2>(acc, bv);
    load_b(bv, b + 3 * ldb, strip_row(3), to_ahead);
    rows_of_a.template step<3>(acc, bv);
    rows_of_a.advance(4);
    b += 4 * ldb;
    if constexpr (CopyB) strip += 4 * NU;
  }
  for (; p < k; ++p) {
    load_b(bv, b, strip_row(0), CopyB ? ahead(p) : 0);
    rows_of_a.template step<0>(acc, bv);
    rows_of_a.advance(1);
    b += ldb;
    if constexpr (CopyB) strip += NU;
  }
#else
  const float* ar[MRU];
#pragma GCC unroll 32
  for (int r = 0; r < MRU; ++r) ar[r] = a + r * lda;
  for (int64_t p = 0; p < k; ++p) {
    V bv[NVU];
    load_b(bv, b, strip_row(p), CopyB ? ahead(p) : 0);
#pragma GCC unroll 32
    for (int r = 0; r < MRU; ++r)
#pragma GCC unroll 4
      for (int v = 0; v < NVU; ++v) acc[r][v] = MulAddBroadcast<Folded>(d, ar[r] + p, bv[v], acc[r][v]);
    b += ldb;
  }
#endif

  if (ep && rows == MRU && (Masked || cols == NU)) {
    // A linear layer's epilogue on the registers, in hk/ops.hpp's order, each step rounded
    // to f32 as finish_tile's: sum + bias[j] (skipped without a bias, so a zero's sign
    // stays), then relu's `0 > v ? 0 : v` (NaN and −0 pass). f32 sums carry no scale.
    const bool bias = ep->bias != nullptr, relu = ep->relu;
    V bias_v[NVU];
#pragma GCC unroll 4
    for (int v = 0; v < NVU; ++v)
      bias_v[v] = !bias ? hn::Zero(d) : Masked ? hn::MaskedLoad(mask, d, ep->bias) : hn::LoadU(d, ep->bias + v * L);
    const V zero = hn::Zero(d);
#pragma GCC unroll 32
    for (int r = 0; r < MRU; ++r)
#pragma GCC unroll 4
      for (int v = 0; v < NVU; ++v) {
        V x = acc[r][v];
        if (bias) x = hn::Add(x, bias_v[v]);
        if (relu) x = hn::IfThenElse(hn::Lt(x, zero), zero, x);
        if constexpr (Masked)
          hn::BlendedStore(x, mask, d, c + r * ldc);
        else
          hn::StoreU(x, d, c + r * ldc + v * L);
      }
    return;
  }
  if constexpr (Masked) {
    if (!ep) {
#pragma GCC unroll 32
      for (int r = 0; r < MRU; ++r) hn::BlendedStore(acc[r][0], mask, d, c + r * ldc);
      return;
    }
  }
  if (rows == MRU && cols == NU && !ep) {
#pragma GCC unroll 32
    for (int r = 0; r < MRU; ++r)
#pragma GCC unroll 4
      for (int v = 0; v < NVU; ++v) hn::StoreU(acc[r][v], d, c + r * ldc + v * L);
    return;
  }
  HWY_ALIGN float tile[MRU * NU];
#pragma GCC unroll 32
  for (int r = 0; r < MRU; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NVU; ++v) hn::Store(acc[r][v], d, tile + r * NU + v * L);
  if (ep) {
    finish_tile<float>(tile, NU, nullptr, c, ldc, rows, cols, *ep);
    return;
  }
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < cols; ++j) c[r * ldc + j] = tile[r * NU + j];
}

using TileFn = void (*)(int64_t, const float*, int64_t, const float*, int64_t, float*, int64_t, int64_t, int64_t,
                        const Epilogue*, float*);

// The tile of each broadcast form: kRows rows by kVectors vectors of columns. Folded, the
// packed kernel's kMR × kNV (12 × 2 on AVX-512). In a register, 6 × 4: 10 loads (4 of B, 6
// broadcasts) per 24 FMAs where 12 × 2 takes 14, and A is read once per 64 columns instead
// of 32; each tile reads its B block from L2 whether it is 12 or 6 rows tall, so the halved
// reuse of B costs the unpacked kernel little. (The packed kernel keeps 12 × 2, whose blocking
// is sized for it.)
template <bool Folded>
struct SmallShape {
  static constexpr int kRows = kMR, kVectors = kNV;
};
#if HK_F32_TWO_FORMS
template <>
struct SmallShape<false> {
  static constexpr int kRows = 6, kVectors = 4;
};
#endif

// Rows of a one-vector tile (columns narrower than a vector's worth past the wide tiles:
// N ≤ 16 on AVX-512, a layer's last few outputs). Its accumulators are one register per row,
// so it holds twice the packed tile's rows: 24 + B on AVX-512's 32 registers, 12 + B + the
// broadcast on AVX2's 16. A 16³ product is then one tile of 16 latency chains instead of
// 12 + 4, whose four chains of 16 dependent FMAs leave the pipes idle.
#if HWY_TARGET == HWY_SCALAR
constexpr int kMR1 = kMR;
#else
constexpr int kMR1 = 2 * kMR;
#endif

// The tiles of one broadcast form. tiles[r − 1][v − 1]: r rows, v vectors of columns, a
// template for every row count, so a short tile at the bottom edge computes only the rows it
// stores. copying[r − 1]: tiles[r − 1][kVectors − 1] storing the rows of B it reads to a
// strip (CopyB). narrow[r − 1]: r rows (up to kMR1), one vector; masked[r − 1] the same
// through a lane mask (kMaskedLoads targets; unused elsewhere).
template <bool Folded>
struct TileSet {
  static constexpr int kRows = SmallShape<Folded>::kRows, kVectors = SmallShape<Folded>::kVectors;
  // A whole block is then never one vector wide, so the rows a copying tile is asked for come
  // from kRows-row tiles (one-vector blocks take kMR1-row ones), within copying's kRows.
  static_assert(kVectors >= 2, "copying[] holds kRows tiles; a one-vector block's row tiles are kMR1 tall");
  std::array<std::array<TileFn, kVectors>, kRows> tiles;
  std::array<TileFn, kRows> copying;
  std::array<TileFn, kMR1> narrow, masked;
};
template <bool Folded, int R, int... V>
constexpr std::array<TileFn, sizeof...(V)> TileRow(std::integer_sequence<int, V...>) {
  return {&SmallTile<R, V + 1, false, Folded>...};
}
template <bool Folded, int... R>
constexpr auto TileTable(std::integer_sequence<int, R...>) {
  constexpr int nv = SmallShape<Folded>::kVectors;
  return std::array<std::array<TileFn, nv>, sizeof...(R)>{TileRow<Folded, R + 1>(std::make_integer_sequence<int, nv>{})...};
}
template <bool Folded, int... R>
constexpr std::array<TileFn, sizeof...(R)> CopyingTable(std::integer_sequence<int, R...>) {
  return {&SmallTile<R + 1, SmallShape<Folded>::kVectors, false, Folded, true>...};
}
template <bool Folded, bool Masked, int... R>
constexpr std::array<TileFn, kMR1> NarrowTable(std::integer_sequence<int, R...>) {
  return {&SmallTile<R + 1, 1, Masked, Folded>...};
}
// One vector wide, each element of A feeds one FMA: folded is one instruction where the
// register form is two for the same loads, so both sets fold where they can.
template <bool Folded>
constexpr TileSet<Folded> kTileSet = {
    TileTable<Folded>(std::make_integer_sequence<int, SmallShape<Folded>::kRows>{}),
    CopyingTable<Folded>(std::make_integer_sequence<int, SmallShape<Folded>::kRows>{}),
    NarrowTable<kTwoBroadcastForms, false>(std::make_integer_sequence<int, kMR1>{}),
    NarrowTable<kTwoBroadcastForms, kMaskedLoads>(std::make_integer_sequence<int, kMR1>{})};

// Runs tile(i0, rows) over m rows in tiles of at most mr rows, all within one row of each
// other (a 32-row product on AVX-512 is 11 + 11 + 10, not 12 + 12 + 8): the shortest tile,
// whose few accumulators bound its FMAs by latency, is as long as it can be.
template <class Tile>
HWY_INLINE void for_row_tiles(int64_t m, int64_t mr, const Tile& tile) {
  if (m <= mr) {  // one tile, without the divisions below (a tenth of a 16³ call)
    tile(int64_t{0}, m);
    return;
  }
  const int64_t tiles = (m + mr - 1) / mr, base = m / tiles, longer = m % tiles;
  for (int64_t t = 0, i0 = 0; t < tiles; ++t) {
    const int64_t rows = base + (t < longer ? 1 : 0);
    tile(i0, rows);
    i0 += rows;
  }
}

// dst (k rows of `width`, consecutive) = src's first `cols` columns (rows ld apart), padded
// with zeros to `width`, so a tile reads whole vectors of it; returns dst. Only blocks cut
// short on the right come here (cols < width); whole ones are copied by the copying tiles.
const float* CopyToStrip(const float* HWY_RESTRICT src, int64_t ld, int64_t k, int64_t cols, int64_t width,
                         float* HWY_RESTRICT dst) {
  for (int64_t p = 0; p < k; ++p)
    for (int64_t t = 0; t < width; ++t) dst[p * width + t] = t < cols ? src[p * ld + t] : 0.0f;
  return dst;
}

#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2
#include "cpu/transpose_8x8_avx2.inc"  // transpose_8x8_32
#endif

// dst (k rows of `width`, consecutive) = the first `cols` rows of bt (k long, ld apart)
// transposed, padded with zeros to `width`: B's block of columns from (out, in) weights, in
// the layout the tiles read. 8 columns × 8 k per register transpose where there is AVX2.
const float* TransposeToStrip(const float* HWY_RESTRICT bt, int64_t ld, int64_t k, int64_t cols, int64_t width,
                              float* HWY_RESTRICT dst) {
  int64_t c0 = 0;
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2
  const int64_t k8 = k / 8 * 8;
  for (; c0 + 8 <= cols; c0 += 8) {
    const float* src = bt + c0 * ld;
    for (int64_t p = 0; p < k8; p += 8) {
      __m256 v[8];
      for (int r = 0; r < 8; ++r) v[r] = _mm256_loadu_ps(src + r * ld + p);
      transpose_8x8_32(v);
      for (int q = 0; q < 8; ++q) _mm256_storeu_ps(dst + (p + q) * width + c0, v[q]);
    }
    for (int64_t p = k8; p < k; ++p)
      for (int r = 0; r < 8; ++r) dst[p * width + c0 + r] = src[r * ld + p];
  }
#endif
  for (int64_t t = c0; t < width; ++t)
    for (int64_t p = 0; p < k; ++p) dst[p * width + t] = t < cols ? bt[t * ld + p] : 0.0f;
  return dst;
}

// dst (cols × rows, consecutive) = src (rows × cols, rows ld apart) transposed: a narrow
// B (K × N) as the rows of its columns, for the dot products (gemm_shape.cpp's narrow_f32).
void TransposeF32(const float* HWY_RESTRICT src, int64_t ld, int64_t rows, int64_t cols, float* HWY_RESTRICT dst) {
  TransposeToStrip(src, ld, cols, rows, rows, dst);
}

// c = a · b (k > 0) with the tiles of one broadcast form; BT: b is stored transposed (n × k,
// rows ldb apart), and each block of its columns is transposed to the strip first (a
// template parameter, so the plain product's instance is the code it was without it).
template <bool Folded, bool BT>
void SmallGemm(const TileSet<Folded>& ts, const float* HWY_RESTRICT a, int64_t lda, const float* HWY_RESTRICT b,
               int64_t ldb, float* HWY_RESTRICT c, int64_t ldc, int64_t m, int64_t k, int64_t n, const Epilogue* ep) {
  const hn::ScalableTag<float> d;
  constexpr int64_t L = static_cast<int64_t>(hn::MaxLanes(d));
  constexpr int64_t NR = TileSet<Folded>::kVectors * L;
  // B's block copied to a strip (K × NR, rows NR apart) when more than one tile of rows reads
  // it and its rows span more than L1: rows ldb apart fall in a few of L1's sets, so each
  // tile would read the whole block from L2 again, where the strip's rows are consecutive
  // lines the prefetcher follows. A whole block is copied by the first tile of rows as it
  // reads B (the copying tiles), so the copy's reads, the ones that miss, overlap its FMAs
  // instead of preceding them; a block cut short on the right is copied and zero-padded first.
  const int64_t l1 = cpu_features().l1d_bytes > 0 ? cpu_features().l1d_bytes : 32 << 10;
  const bool strip_b = BT || (ldb != NR && m > TileSet<Folded>::kRows && k * ldb * static_cast<int64_t>(sizeof(float)) > l1);
  float* strip = strip_b ? static_cast<float*>(pack_scratch(1, sizeof(float) * static_cast<std::size_t>(k * NR))) : nullptr;
  for (int64_t jr = 0; jr < n; jr += NR) {
    const int64_t cols = std::min(NR, n - jr), full = cols / L, tail = cols - full * L;
    const Epilogue ep_j = ep ? epilogue_at(*ep, jr) : Epilogue{}, ep_tail = ep ? epilogue_at(*ep, jr + full * L) : Epilogue{};
    const bool copy_in_tile = !BT && strip_b && cols == NR;
    const float* bb = BT             ? TransposeToStrip(b + jr * ldb, ldb, k, cols, NR, strip)
                      : !strip_b     ? b + jr
                      : copy_in_tile ? strip
                                     : CopyToStrip(b + jr, ldb, k, cols, NR, strip);
    const int64_t ldbb = strip_b ? NR : ldb;
    if (full > 0)
      for_row_tiles(m, full == 1 ? kMR1 : TileSet<Folded>::kRows, [&](int64_t ir, int64_t rows) {
        const Epilogue* e = ep ? &ep_j : nullptr;
        if (copy_in_tile && ir == 0) {
          ts.copying[rows - 1](k, a, lda, b + jr, ldb, c + jr, ldc, rows, NR, e, strip);
          return;
        }
        const TileFn fn = full == 1 ? ts.narrow[rows - 1] : ts.tiles[rows - 1][full - 1];
        fn(k, a + ir * lda, lda, bb, ldbb, c + ir * ldc + jr, ldc, rows, full * L, e, nullptr);
      });
    if (tail == 0) continue;
    // The last columns, narrower than a vector: whole vectors of the block's strip, or through
    // a lane mask, or (where masked loads may fault) whole vectors of a strip of them alone.
    const bool masked = !strip_b && kMaskedLoads;
    const float* tb = bb + full * L;
    int64_t ldt = ldbb;
    if (!strip_b && !kMaskedLoads) {
      tb = CopyToStrip(tb, ldb, k, tail, L, static_cast<float*>(pack_scratch(1, sizeof(float) * static_cast<std::size_t>(k * L))));
      ldt = L;
    }
    const auto& tail_fns = masked ? ts.masked : ts.narrow;
    for_row_tiles(m, kMR1, [&](int64_t ir, int64_t rows) {
      tail_fns[rows - 1](k, a + ir * lda, lda, tb, ldt, c + ir * ldc + jr + full * L, ldc, rows, tail,
                         ep ? &ep_tail : nullptr, nullptr);
    });
  }
}

void SmallGemmF32(const float* HWY_RESTRICT a, int64_t lda, const float* HWY_RESTRICT b, int64_t ldb,
                  float* HWY_RESTRICT c, int64_t ldc, int64_t m, int64_t k, int64_t n, const Epilogue* ep, bool b_t) {
  if (k <= 0) {  // an empty sum: zeros, or the epilogue of zeros; B may be a null pointer then
    if (!ep) {
      for (int64_t i = 0; i < m; ++i) std::fill(c + i * ldc, c + i * ldc + n, 0.0f);
      return;
    }
    const float zeros[64] = {};
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; j += 64)
        finish_tile<float>(zeros, 0, nullptr, c + i * ldc + j, ldc, 1, std::min<int64_t>(64, n - j), epilogue_at(*ep, j));
    return;
  }
  // A product that is one narrow tile (16³ on AVX-512: up to kMR1 rows, one vector of
  // columns or fewer where the lane mask serves) goes straight to it: SmallGemm's loops
  // over column blocks and row tiles are a fifth of such a call's work. Both forms share
  // the narrow tiles.
  const hn::ScalableTag<float> d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  if (!b_t && m > 0 && m <= kMR1 && (n == lanes || (kMaskedLoads && n > 0 && n < lanes))) {
    const TileSet<kTwoBroadcastForms>& ts = kTileSet<kTwoBroadcastForms>;
    (n == lanes ? ts.narrow : ts.masked)[static_cast<std::size_t>(m - 1)](k, a, lda, b, ldb, c, ldc, m, n, ep, nullptr);
    return;
  }
  const bool folded = f32_broadcast_folded();
  if (b_t) {
    if (folded)
      SmallGemm<kTwoBroadcastForms, true>(kTileSet<kTwoBroadcastForms>, a, lda, b, ldb, c, ldc, m, k, n, ep);
    else
      SmallGemm<false, true>(kTileSet<false>, a, lda, b, ldb, c, ldc, m, k, n, ep);
  } else if (folded) {
    SmallGemm<kTwoBroadcastForms, false>(kTileSet<kTwoBroadcastForms>, a, lda, b, ldb, c, ldc, m, k, n, ep);
  } else {
    SmallGemm<false, false>(kTileSet<false>, a, lda, b, ldb, c, ldc, m, k, n, ep);
  }
}

}  // namespace hk::cpu::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace hk::cpu {
HWY_EXPORT(SmallGemmF32);

void gemm_f32_small(const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc, int64_t m,
                    int64_t k, int64_t n, const Epilogue* ep) {
  HWY_DYNAMIC_DISPATCH(SmallGemmF32)(a, lda, b, ldb, c, ldc, m, k, n, ep, false);
}

void gemm_f32_small_t(const float* a, int64_t lda, const float* bt, int64_t ldbt, float* c, int64_t ldc, int64_t m,
                      int64_t k, int64_t n, const Epilogue* ep) {
  HWY_DYNAMIC_DISPATCH(SmallGemmF32)(a, lda, bt, ldbt, c, ldc, m, k, n, ep, true);
}

HWY_EXPORT(TransposeF32);

void transpose_f32(const float* src, int64_t ld, int64_t rows, int64_t cols, float* dst) {
  HWY_DYNAMIC_DISPATCH(TransposeF32)(src, ld, rows, cols, dst);
}
}  // namespace hk::cpu
#endif
