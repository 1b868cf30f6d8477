// The roofline: this machine's peaks, measured with small probes at the start and the end of
// a run (the higher counts), and the bound that applies to each row — compute or bandwidth, whichever the
// registry's work model says takes longer.
#pragma once

#include <vector>

#include "run/results.hpp"
#include "run/team.hpp"

namespace hk_bench {

// Probes peak fp32 FMA, int8 dot-product and memory read/copy bandwidth at each thread
// count (about 0.2 s per count plus the first touch of the probe buffer).
Roofline measure_roofline(Team& team, const std::vector<int>& thread_counts);

// Fills r.bound, r.percent_of_peak and r.cache_resident from r's work and time.
// `writes`: the row writes an output (held to the copy roof) or only reads (read roof).
void apply_roofline(const Roofline& roof, const std::vector<GpuInfo>& gpus, bool writes, Result& r);

}  // namespace hk_bench
