// `hk-bench sweep`: each implementation across sizes, and the size where the GPU overtakes
// the best CPU variant (end-to-end and kernel-only) — only when there is a GPU.
#pragma once

#include <string>
#include <vector>

#include "run/results.hpp"

namespace hk_bench {

// One scalar size per case for plotting and crossovers: N for matmul (cube root of M·K·N),
// n otherwise.
double scalar_size(const Result& r);

// The crossover from per-size times (ascending sizes; a time ≤ 0 means not measured): the
// first size from which the GPU stays faster than the CPU at every measured larger size,
// interpolated geometrically between that size and the one before from the log of the time
// ratio. found = false when the GPU never overtakes (text says why).
Crossover find_crossover(const std::vector<double>& sizes, const std::vector<double>& cpu_ms,
                         const std::vector<double>& gpu_ms);

// Crossovers for one op's table: best hk CPU row vs best GPU row per size.
std::vector<Crossover> crossovers_of(const Table& table, const std::vector<hk::BackendInfo>& backends);

// The sweep as a matrix: one line per implementation, one column per size (rates).
std::string format_sweep_table(const Report& report);

}  // namespace hk_bench
