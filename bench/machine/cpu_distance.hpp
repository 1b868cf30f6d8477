// How far apart two of this process's CPUs are: the time a cache line takes to go from one
// to the other and back. Two threads that share data (a GEMM's pool handing out work, its
// halves of C) pay this on every exchange. It is tens of nanoseconds between cores that
// share a cache and several times that between core complexes or sockets, and a VM's
// vCPUs can move between the two kinds while it runs, taking every multi-thread row
// (hk's and the peers') with them. hk-bench measures it before each multi-thread row and
// marks the rows measured while the CPUs were far apart (cpu_distance_note in session.hpp,
// and hk-bench model).
#pragma once

#include <optional>
#include <string>

namespace hk_bench {

struct CpuDistance {
  int cpu_a = -1, cpu_b = -1;  // the first two CPUs of the process's affinity mask
  double round_trip_ns = 0;    // the fastest batch's mean round trip
};

// Two threads pinned to those CPUs pass a cache line back and forth in short batches. None
// with fewer than two CPUs, where pinning fails, or when too few batches finish before a
// round trip stalls (a CPU taken away) or the time budget ends.
std::optional<CpuDistance> measure_cpu_distance();

// Whether a row timed at a round trip of `ns` ran far apart, against the closest round trip
// of its run: more than twice it and 50 ns longer (near cores differ by less than that).
bool cpus_far_apart(double ns, double closest_ns);

// The run-wide note for `far` of `measured` multi-thread rows marked †.
std::string cpus_far_note(int far, int measured, double farthest_ns, double closest_ns);

}  // namespace hk_bench
