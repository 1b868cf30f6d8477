#include "cpu/simd_targets.hpp"

#include <hwy/targets.h>

#include <mutex>

#include "hk/cpu_features.hpp"

namespace hk::cpu {

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
  int64_t targets = hwy::SupportedTargets() & HWY_TARGETS;
  int64_t best = targets & -targets;  // lowest bit = best target
  return best ? hwy::TargetName(best) : "none";
}

}  // namespace hk::cpu
