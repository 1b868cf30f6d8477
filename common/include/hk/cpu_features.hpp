// hk/cpu_features.hpp — what the CPU can do, detected at run time (cpuid + xgetbv, so a
// feature the OS doesn't save state for counts as absent), capped by HK_CPU_ISA.
#pragma once

#include <string>

namespace hk {

// HK_CPU_ISA=scalar|avx2|avx512 caps what hk's SIMD dispatch may use (for lectures, and to
// test every code path on one machine). Unset = no cap.
enum class IsaCap { scalar, avx2, avx512, none };

struct CpuFeatures {
  bool sse41 = false, avx2 = false, fma = false, f16c = false;
  bool avx512f = false, avx512bw = false, avx512vl = false, avx512dq = false;
  bool avx512vnni = false;  // vpdpbusd on zmm/ymm/xmm (EVEX)
  bool avx_vnni = false;    // vpdpbusd on ymm (VEX), e.g. Alder Lake, Zen 5
  bool amx_int8 = false;    // AMX tiles with tdpbssd and the OS's tile state (Sapphire Rapids)
  bool intel = false;       // vendor "GenuineIntel": f32 tiles choose their broadcast form by it
  std::string model;        // brand string
  int l1d_bytes = 0, l2_bytes = 0, l3_bytes = 0;  // per core (L3: whole package); 0 if unknown

  bool has_avx2_fma() const { return avx2 && fma; }
  bool has_avx512() const { return avx512f && avx512bw && avx512vl && avx512dq; }
};

// The CPU as detected, ignoring HK_CPU_ISA.
const CpuFeatures& detected_cpu_features();
// The CPU as hk may use it: detected features minus whatever HK_CPU_ISA removes.
const CpuFeatures& cpu_features();
IsaCap isa_cap();
// The widest SIMD level hk may use: "avx512", "avx2", "sse4" or "scalar".
std::string cpu_isa_name();
// Comma-separated list of the features hk may use, e.g. "avx2,fma,avx512f,...".
std::string cpu_feature_list();
// The Highway target hk's SIMD kernels dispatch to, after HK_CPU_ISA: "AVX3" (AVX-512),
// "AVX2", "SSE4", "SCALAR", ...
std::string simd_target();

}  // namespace hk
