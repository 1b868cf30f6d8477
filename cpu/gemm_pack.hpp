// Packing: copying a block of A or B into the exact order the micro-kernel reads it.
//
// Why pack at all: the micro-kernel walks k, and at each step wants MR values of A (one per
// row) and NR values of B (one per column). In the caller's row-major A those MR values lie
// a whole row apart — MR different cache lines, and when the row length is a multiple of
// 4 KiB they all fall into the same L1 set and evict each other. Packing copies an MR-row
// micro-panel of A so that those MR values are adjacent (k-major), and an NR-column
// micro-panel of B so that its NR values are adjacent, both into 64-byte aligned scratch.
// The micro-kernel then reads two contiguous streams that the hardware prefetcher follows
// and every line it loads is used completely. The copy costs O(block) once and is reused
// O(N/NR) or O(M/MR) times, so it is cheap next to the arithmetic it enables.
//
// Packing is also where the edges go away: panels are padded with zeros to full MR/NR/kgroup,
// so the micro-kernel always runs the same full-size loop; the caller's data is never padded
// (the kernel clips its stores instead).
//
// Layouts (g = kgroup, consecutive k values kept together for the dot-product instructions):
//   packed A: panel i (rows i·MR …): for each k group q: for r < MR: g values a[row r][q·g + t]
//   packed B: panel j (cols j·NR …): for each k group q: for c < NR: g values b[q·g + t][col c]
#pragma once

#include <cstdint>

namespace hk::cpu {

// How input elements become packed elements, one struct per GEMM flavour. kInlineMacs: the
// products smaller than this are not worth waking a second core for (gemm_parallel.hpp): a
// sleeping pool worker starts late enough that such a product is done as soon on one
// thread. Each flavour's threshold is where hk-bench's thread sweep first showed two
// threads ahead: the VNNI GEMM packs a quarter of the f32 GEMM's bytes per multiply-add, so
// its per-thread packing leaves the split paying off at smaller products. kShortRowMacs:
// below this many multiply-adds in a part's share of a row of C (k · n/tn), a square C is
// cut by rows rather than columns (gemm_grid, gemm_parallel.hpp); 0: never. Only the VNNI
// GEMM is fast enough per row for the crossing lines to matter in hk-bench's runs.
struct PackF32 {  // f32 FMA: packed as is
  using In = float;
  using PA = float;
  using PB = float;
  using C = float;
  static constexpr int kGroup = 1;
  static constexpr double kInlineMacs = 1 << 23;  // about 203³
  static constexpr int64_t kShortRowMacs = 0;
};
struct PackI8Pairs {  // int8 → int16, pairs of k for vpmaddwd-style pairwise multiply-add
  using In = int8_t;
  using PA = int16_t;
  using PB = int16_t;
  using C = int32_t;
  static constexpr int kGroup = 2;
  static constexpr double kInlineMacs = 1 << 23;  // about 203³
  static constexpr int64_t kShortRowMacs = 0;
};
struct PackI8Vnni {  // u8 × s8 quads of k for vpdpbusd; A shifted by +128 (see matmul_i8_vnni.cpp)
  using In = int8_t;
  using PA = uint8_t;
  using PB = int8_t;
  using C = int32_t;
  static constexpr int kGroup = 4;
  static constexpr double kInlineMacs = 1 << 21;  // 128³
  static constexpr int64_t kShortRowMacs = 1 << 16;  // 256³ split in two: 32768
};

// Elements of one packed panel set: rows (or cols) rounded up to mr (nr), k to the group.
inline int64_t round_up(int64_t x, int64_t to) { return (x + to - 1) / to * to; }

// a: rows × kc, row stride lda → dst: ⌈rows/mr⌉ panels of ⌈kc/g⌉ · mr · g elements.
template <class P>
void pack_a(const typename P::In* a, int64_t lda, int64_t rows, int64_t kc, int mr, typename P::PA* dst);

// b: kc × cols, row stride ldb → dst: ⌈cols/nr⌉ panels of ⌈kc/g⌉ · nr · g elements.
// For PackI8Vnni also writes comp[c] = −128 · Σ_k b[k][c] for c < round_up(cols, nr) (the
// correction for A's +128 shift over this block of k); comp is ignored otherwise.
template <class P>
void pack_b(const typename P::In* b, int64_t ldb, int64_t kc, int64_t cols, int nr, typename P::PB* dst,
            typename P::C* comp);

// The same packed panels (and comp) from B stored transposed: bt is cols × kc with row
// stride ldbt, row j holding column j of B (a layer's weights in (out, in) layout).
template <class P>
void pack_b_t(const typename P::In* bt, int64_t ldbt, int64_t kc, int64_t cols, int nr, typename P::PB* dst,
              typename P::C* comp);

// pack_b<PackI8Pairs>'s panels with AVX2, for nr a multiple of 16 (gemm_pack_pairs_avx2.cpp;
// gemm_i8_pairs_plan calls it only on CPUs with AVX2, after the HK_CPU_ISA cap).
void pack_b_pairs_ymm(const int8_t* b, int64_t ldb, int64_t kc, int64_t cols, int nr, int16_t* dst, int32_t* comp);
// pack_b_t<PackI8Pairs>'s, likewise.
void pack_b_t_pairs_ymm(const int8_t* bt, int64_t ldbt, int64_t kc, int64_t cols, int nr, int16_t* dst, int32_t* comp);

}  // namespace hk::cpu
