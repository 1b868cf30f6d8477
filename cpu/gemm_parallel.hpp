// Splitting one GEMM over the persistent thread pool (the `parallel` variants and `vnni`).
//
// C is cut along N (columns) or M (rows) into chunks of whole tiles; each chunk runs the
// macro-kernel. The operand that is NOT cut is needed by every chunk: instead of each
// thread packing all of it (an estimated 3–5% of a 512³ f32 GEMM on two cores), the
// threads pack it together into one shared buffer, wait for each other, and then compute
// the chunks, each packing only its own part of the other operand:
//
//   cut along N:  pack A together  |  chunks of columns: pack that part of B, compute
//   cut along M:  pack B together  |  chunks of rows:    pack that part of A, compute
//
// Each `|` is the end of one parallel_for, a pool round trip of a few µs. When all of K of
// the shared operand fits a quarter of L3 that is all; otherwise the pattern repeats per k
// block and per shared block of rows (columns). N is cut unless C is too narrow.
//
// Both phases hand out work in chunks that shrink as the work runs out ("guided"
// scheduling): each thread takes about half its fair share of what is left, so early
// chunks are wide — many B panels reuse each A block from L2, where one-tile items
// streamed A from L3 for every 32 columns and cost 20% on two threads — and the last ones
// are a single tile, so the threads finish within a tile of each other and every tile keeps
// its full width. When another program holds a core for a while, that core's thread simply
// takes fewer chunks instead of the others waiting for its fixed share.
//
// Tried and dropped (no measurable gain on 2 cores): handing out (tile column × MC block)
// units for a shorter tail, and packing each A block on first use instead of in a phase of
// its own (slower at 512³: the threads then wait on each other's packing).
//
// Small products run on the calling thread: below P::kInlineMacs (gemm_pack.hpp) waking the
// second core costs more than it saves, and `parallel` must never lose to `simd`.
#pragma once

#include <algorithm>
#include <atomic>

#include "cpu/gemm_loops.hpp"
#include "cpu/thread_pool.hpp"

namespace hk::cpu {

// Calls body(first, last) on consecutive chunks covering [0, units), on up to `threads`
// threads of the pool; a thread takes ⌈left / (2·threads)⌉ units each time (at least one).
template <class F>
void for_each_chunk(int64_t units, int threads, F&& body) {
  std::atomic<int64_t> next{0};
  const int64_t runners = std::min<int64_t>(threads, units);
  ThreadPool::global().parallel_for(runners, 1, static_cast<int>(runners), [&](int64_t, int64_t) {
    for (int64_t first = next.load(std::memory_order_relaxed); first < units;) {
      const int64_t take = std::max<int64_t>((units - first + 2 * runners - 1) / (2 * runners), 1);
      if (next.compare_exchange_weak(first, first + take, std::memory_order_relaxed)) {
        body(first, first + take);
        first = next.load(std::memory_order_relaxed);
      }
    }
  });
}

// a: (m, k), b: (k, n), c: (m, n), row-major and contiguous. Products of fewer than
// inline_macs multiply-adds run on the calling thread.
template <class P>
void gemm_parallel(const GemmPlan<P>& plan, const typename P::In* a, const typename P::In* b, typename P::C* c,
                   int64_t m, int64_t k, int64_t n, int threads, double inline_macs = P::kInlineMacs) {
  using PA = typename P::PA;
  using PB = typename P::PB;
  using C = typename P::C;
  const auto& uk = plan.kernel;
  const GemmBlocking& blk = plan.blocking;
  const int64_t mr = uk.mr, nr = uk.nr;
  const int64_t m_tiles = (m + mr - 1) / mr, n_tiles = (n + nr - 1) / nr;
  const double macs = static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  if (threads <= 1 || k <= 0 || macs < inline_macs || (m_tiles < 2 && n_tiles < 2)) {
    gemm_serial<P>(uk, blk, a, k, b, n, c, n, m, k, n);
    return;
  }
  const bool split_n = n_tiles >= m_tiles || n_tiles >= 4 * threads;
  const int64_t kc_max = k_block<P>(k, blk), kblocks = (k + kc_max - 1) / kc_max;
  // How many k blocks one shared block holds: all of them when `rows` rows (or columns) of
  // all of K fit the shared budget, else one.
  auto k_blocks_shared = [&](std::size_t elem_bytes, int64_t rows) {
    const int64_t all_k = static_cast<int64_t>(elem_bytes) * round_up(kc_max, P::kGroup) * kblocks * rows;
    return all_k <= blk.shared_bytes ? kblocks : int64_t{1};
  };
  // Runs pack(q, p0, p1) for panels [p0, p1) of k block q, over all panels × k blocks
  // [q0, q0 + nq), in chunks spread over the threads.
  auto pack_together = [&](int64_t q0, int64_t nq, int64_t panels, auto pack) {
    for_each_chunk(nq * panels, threads, [&](int64_t first, int64_t last) {
      for (int64_t q = first / panels; q * panels < last; ++q)
        pack(q0 + q, std::max(first - q * panels, int64_t{0}), std::min(last - q * panels, panels));
    });
  };

  if (split_n) {
    // A is shared: ms rows × kb k blocks at a time, as many whole MC blocks as the budget holds.
    const int64_t kb = k_blocks_shared(sizeof(PA), blk.mc);
    const int64_t a_row_bytes = static_cast<int64_t>(sizeof(PA)) * round_up(kc_max, P::kGroup) * kb;
    const int64_t ms_max = std::max<int64_t>(blk.shared_bytes / a_row_bytes / blk.mc, 1) * blk.mc;
    const int64_t a_block = panel_elems<P>(kc_max, round_up(std::min(ms_max, m), mr));  // one k block
    auto* shared_a = static_cast<PA*>(pack_scratch(3, sizeof(PA) * a_block * kb));
    for (int64_t q0 = 0; q0 < kblocks; q0 += kb) {
      const int64_t nq = std::min(kb, kblocks - q0);
      for (int64_t i0 = 0; i0 < m; i0 += ms_max) {
        const int64_t ms = std::min(ms_max, m - i0);
        pack_together(q0, nq, (ms + mr - 1) / mr, [&](int64_t q, int64_t p0, int64_t p1) {
          const int64_t pc = q * kc_max, kc = std::min(kc_max, k - pc);
          pack_a<P>(a + (i0 + p0 * mr) * k + pc, k, std::min(ms, p1 * mr) - p0 * mr, kc, uk.mr,
                    shared_a + (q - q0) * a_block + p0 * panel_elems<P>(kc, mr));
        });
        for_each_chunk(n_tiles, threads, [&](int64_t t0, int64_t t1) {
          const int64_t lo = t0 * nr, hi = std::min(t1 * nr, n);
          const int64_t nc_max = std::min(blk.nc, hi - lo);
          auto* pb = static_cast<PB*>(pack_scratch(1, sizeof(PB) * panel_elems<P>(kc_max, round_up(nc_max, nr))));
          auto* comp = static_cast<C*>(pack_scratch(2, sizeof(C) * round_up(nc_max, nr)));
          for (int64_t jc = lo; jc < hi; jc += blk.nc) {
            const int64_t nc = std::min(blk.nc, hi - jc);
            for (int64_t q = q0; q < q0 + nq; ++q) {
              const int64_t pc = q * kc_max, kc = std::min(kc_max, k - pc);
              pack_b<P>(b + pc * n + jc, n, kc, nc, uk.nr, pb, comp);
              for (int64_t ic = 0; ic < ms; ic += blk.mc)
                macro_kernel<P>(uk, shared_a + (q - q0) * a_block + ic / mr * panel_elems<P>(kc, mr), pb, comp,
                                c + (i0 + ic) * n + jc, n, std::min(blk.mc, ms - ic), nc, kc, pc > 0);
            }
          }
        });
      }
    }
    return;
  }

  // Cut along M: B is shared (nc columns × kb k blocks at a time); each slab packs its own
  // A blocks and keeps its C block in cache across the k blocks.
  const int64_t kb = k_blocks_shared(sizeof(PB), nr);
  const int64_t b_col_bytes = static_cast<int64_t>(sizeof(PB)) * round_up(kc_max, P::kGroup) * kb;
  const int64_t nc_max = std::min(std::max<int64_t>(blk.shared_bytes / b_col_bytes / nr, 1) * nr, round_up(n, nr));
  const int64_t b_block = panel_elems<P>(kc_max, nc_max);  // one k block
  auto* shared_b = static_cast<PB*>(pack_scratch(3, sizeof(PB) * b_block * kb));
  auto* shared_comp = static_cast<C*>(pack_scratch(4, sizeof(C) * nc_max * kb));
  for (int64_t jc = 0; jc < n; jc += nc_max) {
    const int64_t nc = std::min(nc_max, n - jc);
    for (int64_t q0 = 0; q0 < kblocks; q0 += kb) {
      const int64_t nq = std::min(kb, kblocks - q0);
      pack_together(q0, nq, (nc + nr - 1) / nr, [&](int64_t q, int64_t p0, int64_t p1) {
        const int64_t pc = q * kc_max, kc = std::min(kc_max, k - pc);
        pack_b<P>(b + pc * n + jc + p0 * nr, n, kc, std::min(nc, p1 * nr) - p0 * nr, uk.nr,
                  shared_b + (q - q0) * b_block + p0 * panel_elems<P>(kc, nr), shared_comp + (q - q0) * nc_max + p0 * nr);
      });
      for_each_chunk(m_tiles, threads, [&](int64_t t0, int64_t t1) {
        const int64_t lo = t0 * mr, hi = std::min(t1 * mr, m);
        auto* pa = static_cast<PA*>(pack_scratch(0, sizeof(PA) * panel_elems<P>(kc_max, round_up(std::min(blk.mc, hi - lo), mr))));
        for (int64_t ic = lo; ic < hi; ic += blk.mc) {
          const int64_t mc = std::min(blk.mc, hi - ic);
          for (int64_t q = q0; q < q0 + nq; ++q) {
            const int64_t pc = q * kc_max, kc = std::min(kc_max, k - pc);
            pack_a<P>(a + ic * k + pc, k, mc, kc, uk.mr, pa);
            macro_kernel<P>(uk, pa, shared_b + (q - q0) * b_block, shared_comp + (q - q0) * nc_max, c + ic * n + jc, n,
                            mc, nc, kc, pc > 0);
          }
        }
      });
    }
  }
}

}  // namespace hk::cpu
