// Highway's run-time target choice, capped by HK_CPU_ISA.
//
// Every SIMD kernel in cpu/ is one Highway source compiled for each x86 target (SCALAR,
// SSSE3, SSE4, AVX2, AVX3 = AVX-512, and AVX3_DL where a file asks for it) and called through
// HWY_DYNAMIC_DISPATCH, which picks the best target the CPU supports. apply_isa_cap() removes
// the targets HK_CPU_ISA forbids before the first dispatch, so `HK_CPU_ISA=avx2` really runs
// the AVX2 code on an AVX-512 machine (lectures; testing every path on one machine).
#pragma once

#include <string>

namespace hk::cpu {

// Idempotent; register_cpu() calls it, so it has run before any kernel is dispatched.
void apply_isa_cap();
// The Highway target dispatch uses now, e.g. "AVX3", "AVX2", "SCALAR".
std::string simd_target_name();

}  // namespace hk::cpu
