// Highway's run-time target choice, capped by HK_CPU_ISA, and the SIMD policy shared by the
// kernels (when to stream stores). This file is itself compiled once per target so that
// simd_target_name() reports the target HWY_DYNAMIC_DISPATCH really calls, not a guess.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "cpu/simd_targets.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep

#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace hk::cpu::HWY_NAMESPACE {
const char* DispatchedTarget() { return hwy::TargetName(HWY_TARGET); }
}  // namespace hk::cpu::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include <hwy/targets.h>

#include <mutex>

#include "cpu/simd_kernels.hpp"
#include "cpu/simd_targets.hpp"
#include "hk/cpu_features.hpp"

namespace hk::cpu {

HWY_EXPORT(DispatchedTarget);

void apply_isa_cap() {
  static std::once_flag once;
  std::call_once(once, [] {
    int64_t disabled = 0;
    switch (isa_cap()) {
      case IsaCap::scalar:  // everything but the portable fallback
        disabled = ~int64_t(HWY_SCALAR) & ~int64_t(HWY_EMU128);
        break;
      case IsaCap::avx2:
        disabled = HWY_AVX3 | HWY_AVX3_DL;
#ifdef HWY_AVX3_ZEN4
        disabled |= HWY_AVX3_ZEN4;
#endif
        break;
      case IsaCap::avx512:
      case IsaCap::none:
        break;
    }
    if (disabled) hwy::DisableTargets(disabled);
    hwy::GetChosenTarget().Update(hwy::SupportedTargets());
  });
}

std::string simd_target_name() {
  apply_isa_cap();
  return HWY_DYNAMIC_DISPATCH(DispatchedTarget)();
}

namespace simd {

bool stream_stores(std::size_t bytes) {
  // Streaming pays once the output would evict most of the last-level cache anyway; below
  // that, normal stores leave the result in cache for whatever reads it next.
  static const std::size_t threshold = [] {
    int l3 = detected_cpu_features().l3_bytes;
    return l3 > 0 ? std::size_t(l3) / 2 : std::size_t(8) << 20;
  }();
  return bytes >= threshold;
}

}  // namespace simd

}  // namespace hk::cpu

std::string hk::simd_target() { return cpu::simd_target_name(); }
#endif  // HWY_ONCE
