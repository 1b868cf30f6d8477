// Timing sides in turns: on a machine whose speed drifts within seconds (a shared VM), two
// sides timed one after the other can differ by more than their kernels do. Here short
// blocks of calls of every side alternate, and a ratio is the median over rounds of one
// side's block time over another's: drift moves both sides of a round together and drops
// out. hk-micro-ratios and the "vs oneDNN" column of hk-bench model use it.
#pragma once

#include <functional>
#include <vector>

namespace hk_bench {

// Rounds on `threads` threads: on more than one, each side's idle workers spin for a while
// after its block (OpenBLAS's, libgomp's, hk's pool) and would take a core from the next
// side; in_turns waits that out after every block, which makes a round slow, so there are
// half as many.
int rounds_on(int threads, int rounds);

// Seconds per call of each side, block by block: rounds of one block of every side in
// turn, each block about block_ms long (at least one call; every side is timed once first
// for its block's call count, so fast and slow sides get blocks of equal length). Round r
// starts with side r mod n, so every side runs in every position equally often: the block
// after another side's (whose data left the caches cold) is not always the same side's.
std::vector<std::vector<double>> in_turns(const std::vector<std::function<void()>>& sides, int threads, int rounds,
                                          double block_ms);

double median(std::vector<double> v);

// The median and range over rounds of a[r] / b[r].
struct Ratio {
  double median = 0, lo = 0, hi = 0;
};
Ratio ratio(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace hk_bench
