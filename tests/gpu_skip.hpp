// The one way a GPU-only test skips without a usable device: GTEST_SKIP with hk's reason.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "hk/hk.hpp"

namespace hk_test {

// "" when the cuda backend is usable here, else why not (hk::backends()).
inline std::string no_gpu_reason() {
  for (const hk::BackendInfo& b : hk::backends())
    if (b.backend == hk::Backend::cuda) return b.available ? "" : b.reason;
  return "hk::backends() lists no cuda backend";
}

}  // namespace hk_test

#define HK_REQUIRE_GPU()                                                                   \
  do {                                                                                     \
    if (std::string why_ = hk_test::no_gpu_reason(); !why_.empty())                        \
      GTEST_SKIP() << "skipped: no CUDA device (" << why_ << ")";                          \
  } while (0)
