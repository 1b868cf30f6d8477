// The GPU side of hk-bench, through hk's public API (hk/cuda.hpp, hk::last_call_timing):
// devices with their peak rates for the roofline, and kernel-only timing with the L2 cache
// flushed before each repeat. Without the cuda backend or a device the lists are empty.
#pragma once

#include <functional>
#include <vector>

#include "run/results.hpp"

namespace hk_bench {

// Every usable CUDA device with its peak rates (from device properties).
std::vector<GpuInfo> gpu_infos();
// "cuda runtime", "cuda driver", "cublas" versions (empty without the cuda backend).
Fields gpu_library_versions();

// Times the kernel of fn (one hk op on the cuda backend): `warmup` untimed calls, then
// `repeats` calls, each after hk::cuda_flush_l2, each timed by the CUDA events hk records
// around the kernel (hk::last_call_timing().kernel_ms).
Timing time_gpu_kernel(const std::function<void()>& fn, int warmup, int repeats);

}  // namespace hk_bench
