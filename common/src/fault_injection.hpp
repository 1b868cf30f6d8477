// Internal, for tests: make the k-th host allocation fail, to check that every allocation
// failure surfaces as hk::OutOfMemory, leaks nothing and leaves hk usable.
//
// Disarmed (the default) it costs host_allocate one relaxed atomic load. The counters are
// process-wide and atomic, so an armed failure may hit any thread (e.g. a pool worker).
#pragma once

#include <cstddef>
#include <cstdint>

namespace hk::detail::fault_injection {

// From now on count host allocations; the k-th one (k ≥ 1) throws OutOfMemory. k = 0 only
// counts. Resets the count.
void arm(int64_t k);
// Stop counting and failing.
void disarm();
// Host allocations counted since the last arm().
int64_t allocations();
// Injected failures since the process started.
int64_t failures();

// Called first thing by host_allocate: throws OutOfMemory if this is the armed allocation.
void on_host_allocate(std::size_t bytes);

}  // namespace hk::detail::fault_injection
