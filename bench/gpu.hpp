// What hk-bench needs from CUDA directly (hk's public API doesn't expose it): device
// properties for the GPU roofline, and kernel timing with CUDA events and an L2 flush.
// Built from gpu_cuda.cpp when hk has the cuda backend, else from gpu_none.cpp.
#pragma once

#include <functional>
#include <vector>

#include "results.hpp"

namespace hk_bench {

// Every visible CUDA device with its theoretical peaks (empty without CUDA or a driver).
std::vector<GpuInfo> gpu_infos();
// "cuda runtime", "cuda driver" versions (empty without CUDA).
Fields gpu_library_versions();

// Times fn on device 0: `warmup` untimed calls, then `repeats` calls each bracketed by
// events on the default stream, with the L2 cache flushed (a device buffer larger than L2
// rewritten) before each. Throws hk::BackendUnavailable without CUDA.
Timing time_gpu_kernel(const std::function<void()>& fn, int warmup, int repeats);

}  // namespace hk_bench
