// Internal: the clock of the host calls' timing records (hk::last_call_timing, while
// hk::set_call_timing is on).
//
// steady_clock is a vDSO call that costs tens of nanoseconds under a hypervisor: two of them
// were a third of a 16³ matmul's per-call overhead. Where the CPU has an invariant TSC
// (x86-64, CPUID 0x80000007 EDX bit 8), a record keeps TSC ticks instead (one instruction)
// and converts them to milliseconds only when it is read, at a rate measured against
// steady_clock over the process's life so far (fast_clock.cpp: how long at least).
// Elsewhere the ticks are steady_clock nanoseconds.
#pragma once

#include <cstdint>

namespace hk::detail {

struct FastClock {
  static uint64_t now();
  static double ms(uint64_t ticks);
};

}  // namespace hk::detail
