// hk built without the cuda backend: no GPU to describe or time.
#include "gpu.hpp"

namespace hk_bench {

std::vector<GpuInfo> gpu_infos() { return {}; }
Fields gpu_library_versions() { return {}; }
Timing time_gpu_kernel(const std::function<void()>&, int, int) {
  throw hk::BackendUnavailable("hk-bench: GPU timing needs the cuda backend, which this build lacks");
}

}  // namespace hk_bench
