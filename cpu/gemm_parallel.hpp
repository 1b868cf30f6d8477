// Splitting one GEMM over the persistent thread pool (the `parallel` variants and `vnni`).
//
// C is cut into a grid of tm × tn parts, one per thread, and each thread runs the whole
// serial loop nest (gemm_loops.hpp) on its part: it packs its own rows of A and its own
// columns of B into its own buffers, and no thread reads anything another thread wrote.
//
//        n/tn    n/tn
//      ┌───────┬───────┐
//  m   │ t0    │ t1    │   tm × tn = 1 × 2: each thread packs all of A and half of B
//      └───────┴───────┘
//
// Why not pack the shared operand once, together, and hand out tiles as threads become
// free (hk's first design)? Because "shared" is only as cheap as the cache that holds it:
// cores on different core complexes (as a VM's may be, whatever L3 it reports) pass a cache
// line back and forth slowly, so a packed block written by one core and read by the other
// crosses the chip, and C columns that changed owner between calls must be fetched from the
// other core's cache. Own parts keep every line on one core (the large-matmul rows of
// docs/measurements.md compare the two threads with one).
//
// The price is packing twice: with a 1 × 2 grid both threads pack all of A. The grid is
// chosen to make that cheapest — the per-thread packing is (m/tm + n/tn)·k elements — and
// for large products that second copy is small next to the multiply (O(m·k) against
// O(m·k·n)).
//
// The parts are equal to within one vector of columns (16 floats or int32 for AVX-512) and
// one micro-tile of rows, not whole micro-tiles of columns: an NR = 48 split of 2048 columns
// would leave one thread 32 columns (3%) more than the other. A part then ends in at most
// one narrower tile, which the micro-kernel runs with fewer vectors at full speed.
//
// Fixed parts have one weakness: if another program holds one of the cores, the other
// thread finishes and waits (the pool only takes over a part whose thread has not started).
//
// Small products run on the calling thread: below P::kInlineMacs (gemm_pack.hpp) waking the
// second core costs more than it saves, and `parallel` must never lose to `simd`.
#pragma once

#include <algorithm>

#include "cpu/gemm_loops.hpp"
#include "cpu/thread_pool.hpp"

namespace hk::cpu {

// The grid of parts for `threads` threads: tm × tn ≤ threads, tm ≤ row_units, tn ≤
// col_units, minimizing each thread's packing (m/tm + n/tn elements per k), the most
// threads first. On a tie (square C), more rows of parts when a part's share of a row of C
// is short work (k · n/tn multiply-adds below short_row_macs, P::kShortRowMacs): cut by
// columns, the parts meet in every row of C, where lines can pass between the cores; on two
// cores that share no cache that cost is large next to a short row's work, and a cut by
// rows meets once.
struct GemmGrid {
  int64_t tm = 1, tn = 1;
};
inline GemmGrid gemm_grid(int64_t m, int64_t k, int64_t n, int64_t row_units, int64_t col_units, int threads,
                          int64_t short_row_macs = 0) {
  for (int64_t t = threads; t > 1; --t) {
    GemmGrid best{0, 0};
    double best_cost = 0;
    for (int64_t tm = 1; tm <= t; ++tm) {  // tm ascending: a tie goes to more rows only when asked below
      const int64_t tn = t / tm;
      if (tm * tn != t || tm > row_units || tn > col_units) continue;
      const double cost = static_cast<double>(m) / static_cast<double>(tm) + static_cast<double>(n) / static_cast<double>(tn);
      const bool short_rows = best.tn > 1 && k * (n / best.tn) < short_row_macs;
      if (best.tm == 0 || cost < best_cost || (cost == best_cost && short_rows)) {
        best = {tm, tn};
        best_cost = cost;
      }
    }
    if (best.tm != 0) return best;
  }
  return {};
}

// a: (m, k), b: (k, n) (or (n, k) when form.b_transposed), c: (m, n), row-major and
// contiguous. Products of fewer than inline_macs multiply-adds run on the calling thread.
template <class P>
void gemm_parallel(const GemmPlan<P>& plan, const typename P::In* a, const typename P::In* b, typename P::C* c,
                   int64_t m, int64_t k, int64_t n, int threads, double inline_macs = P::kInlineMacs,
                   const GemmForm& form = {}) {
  const auto& uk = plan.kernel;
  const int64_t mr = uk.mr, lanes = uk.lanes;
  const int64_t row_units = (m + mr - 1) / mr, col_units = (n + lanes - 1) / lanes;
  const double macs = static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  threads = std::min(threads, ThreadPool::global().concurrency());  // more parts than threads would run in turns
  const GemmGrid grid = threads > 1 && k > 0 && macs >= inline_macs ? gemm_grid(m, k, n, row_units, col_units, threads, P::kShortRowMacs)
                                                                     : GemmGrid{};
  const int64_t parts = grid.tm * grid.tn;
  const int64_t ldb = form.b_transposed ? k : n;
  if (parts <= 1) {
    gemm_serial<P>(plan, a, k, b, ldb, c, n, m, k, n, form);
    return;
  }
  ThreadPool::global().parallel_for(parts, 1, static_cast<int>(parts), [&](int64_t first, int64_t last) {
    for (int64_t p = first; p < last; ++p) {
      const int64_t pi = p / grid.tn, pj = p % grid.tn;
      const int64_t i0 = pi * row_units / grid.tm * mr, i1 = std::min((pi + 1) * row_units / grid.tm * mr, m);
      const int64_t j0 = pj * col_units / grid.tn * lanes, j1 = std::min((pj + 1) * col_units / grid.tn * lanes, n);
      const Epilogue ep = form.epilogue ? epilogue_at(*form.epilogue, j0) : Epilogue{};
      const GemmForm part{form.b_transposed, form.epilogue ? &ep : nullptr};
      gemm_serial<P>(plan, a + i0 * k, k, b + (form.b_transposed ? j0 * k : j0), ldb, c + i0 * n + j0, n, i1 - i0,
                     k, j1 - j0, part);
    }
  });
}

}  // namespace hk::cpu
