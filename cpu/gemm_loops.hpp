// The GEMM loop nest (Goto's algorithm, as in BLIS and OpenBLAS): five loops around a
// micro-kernel, each loop there to keep one operand in one level of the memory hierarchy.
//
//   for jc in N step NC:              B block (KC × NC)   lives in L3
//     for pc in K step KC:            pack B block; KC also bounds the k loop of the kernel
//       for ic in M step MC:          pack A block (MC × KC), sized to stay in L2
//         for jr in NC step NR:       B micro-panel (KC × NR), reused from L2 (or L1)
//           for ir in MC step MR:     A micro-panel (MR × KC) streams past it
//             micro-kernel            MR × NR tile of C in registers, k = 0 … KC
//
// Why this order: the innermost loops reuse what the outer loops put in a faster cache.
// One B micro-panel is reused by every A micro-panel of the block (MC/MR times); one A block
// is reused by every B micro-panel (NC/NR times) while it sits in L2; the B block is reused
// by every A block (M/MC times) from L3. Each byte is fetched from memory about once per
// block instead of once per multiply-add. What is left is C: each k block reads and writes
// all of it once more, which is why KC is long (gemm_loops.cpp).
//
// The textbook sizes the B micro-panel for L1. hk sizes it for L2: a micro-panel streamed
// from L2 costs the kernel little (the f32 tile prefetches it a few k steps ahead), while the
// short KC that L1 forces (128 for 32 f32 columns) multiplies the passes over C — see
// gemm_blocking.
//
// The block sizes come from the caches the CPU reports (gemm_blocking). The same nest
// serves f32 (FMA), int8 via int16 pairs, and int8 via VNNI: only the packed element
// types, the k grouping and the micro-kernel differ (the flavour P, see gemm_pack.hpp).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "cpu/gemm_epilogue.hpp"
#include "cpu/gemm_microkernel.hpp"
#include "cpu/gemm_pack.hpp"

namespace hk::cpu {

struct GemmBlocking {
  int64_t mc = 0, kc = 0, nc = 0;
};

// MC, KC, NC for a micro-kernel of mr × nr with packed element sizes a_bytes and b_bytes,
// from the cache sizes of hk::cpu_features() (gemm_loops.cpp explains the rules).
GemmBlocking gemm_blocking(int mr, int nr, int kgroup, std::size_t a_bytes, std::size_t b_bytes);

// The calling thread's packing buffer number `slot` (0: A block, 1: B block, 2: B
// compensation or a GEMV's partial sums, 3: linear's quantized x, quantize_dynamic.hpp),
// at least `bytes` long and 64-byte aligned. Buffers live as long as the
// thread and only grow, so repeated GEMMs allocate nothing (pool workers are persistent).
void* pack_scratch(int slot, std::size_t bytes);

// The k block size for this K: at most blk.kc, but equal blocks (K = 2100 with KC = 2048
// becomes two blocks of 1056, not 2048 + 52): a thin last block would pay a whole pass over
// C for little work.
template <class P>
int64_t k_block(int64_t k, const GemmBlocking& blk) {
  const int64_t blocks = (k + blk.kc - 1) / blk.kc;
  return std::min(round_up((k + blocks - 1) / blocks, 4 * P::kGroup), k);
}

// Elements of one packed A micro-panel (mr rows) or B micro-panel (nr columns) for kc.
template <class P> int64_t panel_elems(int64_t kc, int64_t width) { return round_up(kc, P::kGroup) * width; }

// The macro-kernel: every MR × NR tile of an mc × nc block of C from packed panels (pa: the
// A block's micro-panels, pb/comp: the B block's), B micro-panel by B micro-panel. With an
// epilogue (a linear layer's last k block), each tile goes to a stack tile and from there,
// through the epilogue, to the f32 output at c (gemm_epilogue.hpp).
template <class P>
void macro_kernel(const Microkernel<typename P::PA, typename P::PB, typename P::C>& uk, const typename P::PA* pa,
                  const typename P::PB* pb, const typename P::C* comp, typename P::C* c, int64_t ldc, int64_t mc,
                  int64_t nc, int64_t kc, bool accumulate, const Epilogue* ep = nullptr) {
  const int64_t mr = uk.mr, nr = uk.nr, kgroups = (kc + P::kGroup - 1) / P::kGroup;
  // Each tile asks its share of the next B micro-panel into L2 (gemm_l2_ahead.hpp).
  const int64_t panel_bytes = panel_elems<P>(kc, nr) * static_cast<int64_t>(sizeof(typename P::PB));
  const int64_t tiles = (mc + mr - 1) / mr, panel_lines = (panel_bytes + 63) / 64;
  const int64_t share = (panel_lines + tiles - 1) / tiles;
  alignas(64) typename P::C sums[kMaxTile];
  for (int64_t jr = 0; jr < nc; jr += nr) {
    const typename P::PB* bp = pb + jr / nr * panel_elems<P>(kc, nr);
    const char* next = jr + nr < nc ? reinterpret_cast<const char*>(bp) + panel_bytes : nullptr;
    const typename P::C* init = std::is_same_v<P, PackI8Vnni> ? comp + jr : nullptr;
    const int64_t cols = std::min(nr, nc - jr);
    const auto tile = uk.for_cols(cols);  // fewer vectors at the right edge
    const Epilogue ep_j = ep ? epilogue_at(*ep, jr) : Epilogue{};
    for (int64_t ir = 0; ir < mc; ir += mr) {
      const typename P::PA* ap = pa + ir / mr * panel_elems<P>(kc, mr);
      typename P::C* ct = c + ir * ldc + jr;
      const int64_t rows = std::min(mr, mc - ir);
      const int64_t first = ir / mr * share;
      const L2Ahead ahead = next ? L2Ahead{next + 64 * first, std::clamp<int64_t>(panel_lines - first, 0, share)} : L2Ahead{};
      if (!ep) {
        tile(kgroups, ap, bp, init, ct, ldc, rows, cols, accumulate, ahead);
        continue;
      }
      tile(kgroups, ap, bp, init, sums, nr, rows, cols, false, ahead);
      finish_tile<typename P::C>(sums, nr, accumulate ? ct : nullptr, reinterpret_cast<float*>(ct), ldc, rows, cols,
                                 ep_j);
    }
  }
}

// A micro-kernel with the block sizes and packing routines that suit it: everything a GEMM
// flavour needs. The packers are gemm_pack.cpp's portable ones unless a faster routine for
// the kernel's instruction set writes the same bytes (the VNNI kernel's AVX-512 packing).
template <class P>
struct GemmPlan {
  using PackA = void (*)(const typename P::In* a, int64_t lda, int64_t rows, int64_t kc, int mr, typename P::PA* dst);
  using PackB = void (*)(const typename P::In* b, int64_t ldb, int64_t kc, int64_t cols, int nr, typename P::PB* dst,
                         typename P::C* comp);
  Microkernel<typename P::PA, typename P::PB, typename P::C> kernel;
  GemmBlocking blocking;
  PackA pack_a = &cpu::pack_a<P>;
  PackB pack_b = &cpu::pack_b<P>;
  PackB pack_b_t = &cpu::pack_b_t<P>;  // B stored transposed, (n × k)
};

// How a GEMM's B is stored and where its sums go: the plain GEMM (B (k × n), sums into C),
// or a linear layer's (B (k × n) or transposed (n × k), sums through an epilogue into an f32
// output that c points to).
struct GemmForm {
  bool b_transposed = false;
  const Epilogue* epilogue = nullptr;
};

// C (m × n, row stride ldc) = A (m × k, lda) · B (k × n, ldb; or n × k when transposed) on
// the calling thread.
template <class P>
void gemm_serial(const GemmPlan<P>& plan, const typename P::In* a, int64_t lda, const typename P::In* b, int64_t ldb,
                 typename P::C* c, int64_t ldc, int64_t m, int64_t k, int64_t n, const GemmForm& form = {}) {
  const auto& uk = plan.kernel;
  const GemmBlocking& blk = plan.blocking;
  using PA = typename P::PA;
  using PB = typename P::PB;
  using C = typename P::C;
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {  // an empty sum: zeros (through the epilogue, for a linear layer)
    if (form.epilogue) {
      const C zeros[64] = {};
      for (int64_t j = 0; j < n; j += 64)
        for (int64_t i = 0; i < m; ++i)
          finish_tile<C>(zeros, 0, nullptr, reinterpret_cast<float*>(c + i * ldc + j), ldc, 1, std::min<int64_t>(64, n - j),
                         epilogue_at(*form.epilogue, j));
      return;
    }
    for (int64_t i = 0; i < m; ++i) std::fill(c + i * ldc, c + i * ldc + n, C{0});
    return;
  }
  const int64_t kc_max = k_block<P>(k, blk);
  auto* pa = static_cast<PA*>(pack_scratch(0, sizeof(PA) * panel_elems<P>(kc_max, round_up(std::min(blk.mc, m), uk.mr))));
  auto* pb = static_cast<PB*>(pack_scratch(1, sizeof(PB) * panel_elems<P>(kc_max, round_up(std::min(blk.nc, n), uk.nr))));
  auto* comp = static_cast<C*>(pack_scratch(2, sizeof(C) * round_up(std::min(blk.nc, n), uk.nr)));

  for (int64_t jc = 0; jc < n; jc += blk.nc) {
    const int64_t nc = std::min(blk.nc, n - jc);
    for (int64_t pc = 0; pc < k; pc += kc_max) {
      const int64_t kc = std::min(kc_max, k - pc);
      const bool accumulate = pc > 0;  // the first k block overwrites C, later ones add to it
      if (form.b_transposed)
        plan.pack_b_t(b + jc * ldb + pc, ldb, kc, nc, uk.nr, pb, comp);
      else
        plan.pack_b(b + pc * ldb + jc, ldb, kc, nc, uk.nr, pb, comp);
      // The epilogue runs in the last k block, on the complete sums.
      const Epilogue ep_jc = form.epilogue ? epilogue_at(*form.epilogue, jc) : Epilogue{};
      const Epilogue* ep = form.epilogue && pc + kc >= k ? &ep_jc : nullptr;
      for (int64_t ic = 0; ic < m; ic += blk.mc) {
        const int64_t mc = std::min(blk.mc, m - ic);
        plan.pack_a(a + ic * lda + pc, lda, mc, kc, uk.mr, pa);
        macro_kernel<P>(uk, pa, pb, comp, c + ic * ldc + jc, ldc, mc, nc, kc, accumulate, ep);
      }
    }
  }
}

template <class P>
GemmPlan<P> make_gemm_plan(const Microkernel<typename P::PA, typename P::PB, typename P::C>& kernel) {
  return {kernel, gemm_blocking(kernel.mr, kernel.nr, P::kGroup, sizeof(typename P::PA), sizeof(typename P::PB))};
}

// The plans of the variants, chosen once per process (after the HK_CPU_ISA cap).
const GemmPlan<PackF32>& gemm_f32_plan();        // matmul_f32_simd.cpp
const GemmPlan<PackI8Pairs>& gemm_i8_pairs_plan();  // matmul_i8_simd.cpp
// The zmm VNNI kernel with its AVX-512 packing when the CPU has AVX512-BW (matmul_i8_vnni.cpp;
// only for CPUs with AVX512-VNNI).
GemmPlan<PackI8Vnni> vnni_zmm_plan();
// vnni's plan for this CPU (zmm, else ymm), or null without VNNI (matmul_i8_vnni.cpp).
const GemmPlan<PackI8Vnni>* vnni_plan_if_any();

}  // namespace hk::cpu
