// Splitting one GEMM over the persistent thread pool (the `parallel` variants and `vnni`).
//
// C is cut into one slab per thread, along N (columns) or M (rows), in whole micro-tiles so
// that no tile straddles two threads. Each thread runs the serial loop nest
// (gemm_loops.hpp) on its slab with its own packing buffers: the threads share nothing
// but the read-only A and B and meet only at the end of the parallel_for. Cutting along N
// makes every thread pack all of A but only its own columns of B; cutting along M the
// reverse — so the cut goes along the dimension whose duplicated packing is smaller,
// unless that dimension has too few tiles to give every thread one.
//
// Small products run on the calling thread: below kGemmInlineMacs waking the second core
// costs more than it saves, and `parallel` must never lose to `simd`.
#pragma once

#include <algorithm>

#include "cpu/gemm_loops.hpp"
#include "cpu/thread_pool.hpp"

namespace hk::cpu {

inline constexpr double kGemmInlineMacs = 1 << 18;

// a: (m, k), b: (k, n), c: (m, n), row-major and contiguous.
template <class P>
void gemm_parallel(const GemmPlan<P>& plan, const typename P::In* a, const typename P::In* b, typename P::C* c,
                   int64_t m, int64_t k, int64_t n, int threads) {
  const auto& uk = plan.kernel;
  const int64_t m_tiles = (m + uk.mr - 1) / uk.mr, n_tiles = (n + uk.nr - 1) / uk.nr;
  const double macs = static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(std::max<int64_t>(k, 1));
  if (threads <= 1 || macs < kGemmInlineMacs || (m_tiles < 2 && n_tiles < 2)) {
    gemm_serial<P>(uk, plan.blocking, a, k, b, n, c, n, m, k, n);
    return;
  }
  const bool split_n = n_tiles >= threads ? (m <= n || m_tiles < threads) : n_tiles >= m_tiles;
  const int64_t tiles = split_n ? n_tiles : m_tiles, tile = split_n ? uk.nr : uk.mr;
  const int64_t parts = std::min<int64_t>(threads, tiles);
  ThreadPool::global().parallel_for(parts, 1, static_cast<int>(parts), [&](int64_t first, int64_t last) {
    for (int64_t part = first; part < last; ++part) {
      const int64_t lo = tiles * part / parts * tile;
      const int64_t hi = std::min(tiles * (part + 1) / parts * tile, split_n ? n : m);
      if (split_n)
        gemm_serial<P>(uk, plan.blocking, a, k, b + lo, n, c + lo, n, m, k, hi - lo);
      else
        gemm_serial<P>(uk, plan.blocking, a + lo * k, k, b, n, c + lo * n, n, hi - lo, k, n);
    }
  });
}

}  // namespace hk::cpu
