// The memory-bound references: a streaming read (sum of every float, the fastest way to
// touch each byte once) and a copy. The roofline's bandwidth probes and the `stream_read`
// and `memcpy` peer rows both use them, split over a Team.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "run/team.hpp"

namespace hk_bench {

// Σ x[i] over n floats, with the widest vector loads the CPU has (AVX-512, else AVX2, else
// scalar; chosen from the detected CPU, not capped by HK_CPU_ISA: a peer shows what the
// machine can do). Summation order differs from a plain loop.
double stream_sum(const float* x, int64_t n);
// stream_sum split over `threads` threads of the team; the parts' sums are added.
double stream_sum(Team& team, int threads, const float* x, int64_t n);
// Σ x[i] + Σ y[i] in one pass over both (two streams at once, as a dot product reads them).
double stream_sum(Team& team, int threads, const float* x, const float* y, int64_t n);
// memcpy split over `threads` threads (glibc's memcpy, which uses non-temporal stores for
// large copies).
void parallel_copy(Team& team, int threads, void* dst, const void* src, std::size_t bytes);
// A vector copy of n floats with ordinary stores (what an elementwise kernel does) or
// non-temporal ones, split over `threads` threads; the widest vectors the CPU has.
void parallel_vector_copy(Team& team, int threads, float* dst, const float* src, int64_t n, bool nontemporal);
// "AVX-512 (zmm loads)", "AVX2 (ymm loads)" or "scalar loads".
std::string stream_isa();

}  // namespace hk_bench
